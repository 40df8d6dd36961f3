using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// The published B2MML XSDs (MESA International), copied under <c>Fixtures/b2mml/</c> from <c>../shared/data/b2mml/</c>,
/// loaded with a resolver that reads only inside that folder.
/// </summary>
internal static class B2mmlSchemas
{
    private static readonly Lazy<XmlSchemaSet> V0401Set = new(() => Load("schema-v0401", "B2MML-V0401-ProductionSchedule.xsd", "B2MML-V0401-ProductionPerformance.xsd"));
    private static readonly Lazy<XmlSchemaSet> V0701Set = new(() => Load("schema-v0701", "B2MML-OperationsSchedule.xsd", "B2MML-OperationsPerformance.xsd"));

    public static XmlSchemaSet V0401 => V0401Set.Value;

    public static XmlSchemaSet V0701 => V0701Set.Value;

    /// <summary>Every validation error of the document (empty when it is valid).</summary>
    public static IReadOnlyList<string> Errors(XDocument document, XmlSchemaSet schemas)
    {
        // A root the schemas do not declare would only be "not validated", silently: that is an error here.
        var root = document.Root!.Name;
        if (!schemas.GlobalElements.Contains(new XmlQualifiedName(root.LocalName, root.NamespaceName)))
            return [$"Error: the schemas declare no element {root}."];
        var errors = new List<string>();
        document.Validate(schemas, (_, e) => errors.Add($"{e.Severity}: {e.Message}"));
        return errors;
    }

    public static void AssertValid(XDocument document, XmlSchemaSet schemas)
    {
        var errors = Errors(document, schemas);
        Assert.True(errors.Count == 0, $"{errors.Count} schema errors:\n" + string.Join("\n", errors.Take(5)));
    }

    public static IReadOnlyList<string> Errors(byte[] document, XmlSchemaSet schemas)
    {
        using var reader = XmlReader.Create(new MemoryStream(document), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        return Errors(XDocument.Load(reader), schemas);
    }

    private static XmlSchemaSet Load(string folder, params string[] files)
    {
        // Copied from ../shared/data/b2mml (Fixtures/README.md), so a clean checkout validates on its own.
        var root = Path.Combine(AppContext.BaseDirectory, "Fixtures", "b2mml", folder);
        if (!Directory.Exists(root))
            throw new InvalidOperationException($"The B2MML schemas are missing beside the test assembly: {root}");

        var resolver = new LocalOnly(root);
        var set = new XmlSchemaSet { XmlResolver = resolver };
        foreach (var file in files)
        {
            using var reader = XmlReader.Create(Path.Combine(root, file), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = resolver });
            set.Add(null, reader);
        }

        set.Compile();
        return set;
    }

    /// <summary>Resolves schema includes and imports from one local folder only: nothing is fetched from anywhere else.</summary>
    private sealed class LocalOnly(string root) : XmlResolver
    {
        public override object GetEntity(Uri absoluteUri, string? role, Type? ofObjectToReturn)
        {
            var path = absoluteUri.IsFile ? Path.GetFullPath(absoluteUri.LocalPath) : "";
            if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new XmlException($"Refusing to load {absoluteUri}: schemas come from {root} only.");
            return File.OpenRead(path);
        }
    }
}
