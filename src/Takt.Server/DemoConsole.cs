using System.Text.Json.Nodes;
using Takt.Orchestration;
using Takt.Server.Web;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// The console's demo: a console user for every person of the demo flows (their orchestration roles and plants),
/// an integration owner, and (when asked) three expedited requisitions at Plant A waiting in the plant controller's inbox.
/// </summary>
public static class DemoConsole
{
    /// <summary>Every demo user's password (demo data only; README "Web console").</summary>
    public const string Password = "takt-demo";

    /// <summary>The integration owner (integration health, dead letters).</summary>
    public const string IntegrationOwner = "ines.integration";

    /// <summary>The person whose inbox holds the demo's open approvals.</summary>
    public const string Approver = "bernd.controller";

    public static readonly (string Requisition, decimal Value, string Category, string SupplierRisk)[] Requisitions =
    [
        ("REQ-7001", 48_200m, "direct", "low"),
        ("REQ-7002", 36_500m, "direct", "low"),
        ("REQ-7003", 41_900m, "indirect", "low"),
    ];

    public static async Task SeedAsync(IServiceProvider services, bool openTasks, CancellationToken ct)
    {
        var store = services.GetRequiredService<TaktStore>();
        var clock = services.GetRequiredService<TimeProvider>();
        var flows = services.GetRequiredService<IOrchestration>();
        var hash = ConsoleUsers.HashPassword(Password);
        foreach (var person in DemoFlows.People.GroupBy(p => p.User, StringComparer.Ordinal))
        {
            var plants = person.Select(p => p.Plant).Distinct(StringComparer.Ordinal).ToArray();
            Check(await ConsoleUsers.CreateAsync(store, clock, person.Key, DisplayName(person.Key), Password,
                [.. person.Select(p => p.Role).Distinct(StringComparer.Ordinal)], plants.Contains("*") ? ["*"] : plants, ct, hash));
        }

        Check(await ConsoleUsers.CreateAsync(store, clock, IntegrationOwner, DisplayName(IntegrationOwner), Password, [ConsoleRoles.IntegrationOwner], ["*"], ct, hash));
        if (!openTasks)
            return;

        foreach (var (requisition, value, category, risk) in Requisitions)
        {
            Check(await flows.StartAsync(store, new StartFlow("expedite-procurement-approval", DemoData.PlantA, "anna.buyer", new JsonObject
            {
                ["requisition"] = requisition,
                ["value"] = new JsonObject { ["amount"] = value, ["currency"] = "EUR" },
                ["category"] = category,
                ["urgency"] = "expedite",
                ["supplierRisk"] = risk,
                ["costCenter"] = "CC-4100",
            }), ct));
        }

        await using var session = await store.OpenSessionAsync(clock, ct);
        while (await flows.RunDueAsync(session, 500, ct) > 0)
        {
        }
    }

    /// <summary>"bernd.controller" → "Bernd (controller)".</summary>
    private static string DisplayName(string user)
    {
        var parts = user.Split('.');
        var first = char.ToUpperInvariant(parts[0][0]) + parts[0][1..];
        return parts.Length > 1 ? $"{first} ({parts[1]})" : first;
    }

    private static T Check<T>(Contracts.Outcome<T> outcome) => outcome.IsRejected
        ? throw new InvalidOperationException("Demo console: " + string.Join("; ", outcome.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")))
        : outcome.Value;
}
