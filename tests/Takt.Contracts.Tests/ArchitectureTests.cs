using System.Reflection;
using System.Xml.Linq;
using Xunit;

namespace Takt.Contracts.Tests;

/// <summary>DESIGN §1: hosts → modules → Contracts; modules meet only through small public interfaces.</summary>
public sealed class ArchitectureTests
{
    private static readonly string[] Modules = ["Takt.MasterData", "Takt.Ledger", "Takt.Inventory", "Takt.Production", "Takt.Intelligence", "Takt.Integration", "Takt.Orchestration", "Takt.Assist"];

    private static Dictionary<string, string[]> References() =>
        Directory.EnumerateFiles(System.IO.Path.Combine(RepositoryRoot.Path, "src"), "*.csproj", SearchOption.AllDirectories)
            .ToDictionary(
                p => System.IO.Path.GetFileNameWithoutExtension(p),
                p => XDocument.Load(p).Descendants("ProjectReference")
                    .Select(r => System.IO.Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
                    .ToArray(),
                StringComparer.Ordinal);

    [Fact]
    public void contracts_reference_no_project()
    {
        Assert.Empty(References()["Takt.Contracts"]);
    }

    [Fact]
    public void the_store_references_only_contracts()
    {
        Assert.Equal(["Takt.Contracts"], References()["Takt.Store"]);
    }

    [Fact]
    public void modules_reference_only_contracts_the_store_and_other_modules_never_a_host()
    {
        var references = References();
        foreach (var module in Modules)
        {
            var illegal = references[module].Where(r => r is not ("Takt.Contracts" or "Takt.Store") && !Modules.Contains(r));
            Assert.True(!illegal.Any(), $"{module} references {string.Join(", ", illegal)}");
        }
    }

    [Theory]
    [InlineData("Takt.Ledger")]
    [InlineData("Takt.MasterData")]
    [InlineData("Takt.Intelligence")]
    [InlineData("Takt.Integration")]
    public void foundational_modules_depend_on_no_other_module(string module)
    {
        // The ledger depends on no operational module (STYLE: Layout); operational modules call it, not the reverse.
        Assert.DoesNotContain(References()[module], r => Modules.Contains(r));
    }

    [Fact]
    public void inventory_posts_through_the_ledger_but_never_depends_on_production()
    {
        // Issue 7: a material document and its journal entry commit together (DESIGN §2.1), so Inventory calls the
        // ledger, master data, the process log, the integration layer and flows; Production calls Inventory, never
        // the reverse.
        Assert.DoesNotContain("Takt.Production", References()["Takt.Inventory"]);
        Assert.Contains("Takt.Ledger", References()["Takt.Inventory"]);
    }

    [Fact]
    public void project_references_have_no_cycle()
    {
        var references = References();
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        void Visit(string node, Stack<string> path)
        {
            if (state.GetValueOrDefault(node) == 2)
                return;
            Assert.False(state.GetValueOrDefault(node) == 1, "Cycle: " + string.Join(" → ", path.Reverse().Append(node)));
            state[node] = 1;
            path.Push(node);
            foreach (var next in references.GetValueOrDefault(node) ?? [])
                Visit(next, path);
            path.Pop();
            state[node] = 2;
        }

        foreach (var project in references.Keys)
            Visit(project, new Stack<string>());
    }

    [Fact]
    public void no_project_opens_its_internals_to_another()
    {
        var offenders = Directory.EnumerateFiles(System.IO.Path.Combine(RepositoryRoot.Path, "src"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("InternalsVisibleTo", StringComparison.Ordinal));
        Assert.Empty(offenders);
    }

    [Theory]
    [InlineData(typeof(Takt.MasterData.IMasterData))]
    [InlineData(typeof(Takt.Ledger.ILedger))]
    [InlineData(typeof(Takt.Inventory.IInventory))]
    [InlineData(typeof(Takt.Production.IProduction))]
    [InlineData(typeof(Takt.Intelligence.IIntelligence))]
    [InlineData(typeof(Takt.Orchestration.IOrchestration))]
    [InlineData(typeof(Takt.Procurement.IProcurement))]
    public void a_module_exposes_its_interface_data_records_and_registration_only(Type moduleInterface)
    {
        // Implementations (handlers, stores, subscribers) stay internal; what is public is the interface,
        // the records on it, and the static class with AddX()/MapX().
        var exposed = moduleInterface.Assembly.GetExportedTypes()
            .Where(t => !t.IsInterface && !t.IsEnum && !(t.IsAbstract && t.IsSealed) && t.GetMethod("<Clone>$") is null && !IsRecordStruct(t))
            .Where(t => t.Name != "MasterDataView" && t.Name != "PostingRules") // read models handed across the interface
            .Select(t => t.FullName);
        Assert.Empty(exposed);
    }

    private static bool IsRecordStruct(Type t) =>
        t.IsValueType && t.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null;
}
