using Takt.Orchestration;
using Takt.Orchestration.Calendar;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// The demo's flows: the five standard flows shipped with Takt, published, each with one plant variant that went
/// through its process owner's approval (a real task, approved by the demo's owner), the procurement approval
/// matrix, both plants' business calendars, people with roles, and one conflicting role pair.
/// </summary>
public static class DemoFlows
{
    /// <summary>The demo's process owner (every standard), who approves plant variants.</summary>
    public const string Owner = "olga.owner";

    // Before the calendars below: static fields initialize in declaration order.
    private static readonly string[] WorkingDays = ["monday", "tuesday", "wednesday", "thursday", "friday"];

    public static readonly RoleAssignment[] People =
    [
        new(Owner, "procurement-owner", "*"), new(Owner, "finance-owner", "*"), new(Owner, "inventory-owner", "*"),
        new(Owner, "quality-owner", "*"), new(Owner, "production-owner", "*"),
        new("anna.buyer", "buyer", DemoData.PlantA), new("bernd.controller", "plant-controller", DemoData.PlantA),
        new("carla.manager", "plant-manager", DemoData.PlantA), new("dieter.cfo", "cfo", "*"),
        new("emil.risk", "supplier-risk-officer", "*"), new("frieda.inspector", "quality-inspector", DemoData.PlantA),
        new("gustav.qm", "quality-manager", DemoData.PlantA), new("hana.inspector", "quality-inspector", DemoData.PlantB),
        new("ivo.qm", "quality-manager", DemoData.PlantB), new("jana.ap", "ap-clerk", DemoData.PlantB),
        new("karel.ap", "ap-supervisor", DemoData.PlantB), new("lukas.planner", "planner-lead", DemoData.PlantA),
        new("marta.wh", "warehouse-lead", DemoData.PlantA), new("nils.inv", "inventory-controller", DemoData.PlantA),
        new("bernd.controller", "plant-controller", DemoData.PlantA, "CC-4100"),
        new("pavel.controller", "plant-controller", DemoData.PlantB), // approves Plant B's expedites in the outage scenario (issue 11)
    ];

    public static BusinessCalendar PlantACalendar { get; } = new("Europe/Berlin", Weekdays(["06:00-14:00", "14:00-22:00"]), Holidays(
        "2026-01-01", "2026-01-06", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-06-04", "2026-08-15", "2026-10-03", "2026-11-01", "2026-12-25", "2026-12-26",
        "2027-01-01", "2027-01-06", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-17", "2027-05-27", "2027-08-15", "2027-10-03", "2027-11-01", "2027-12-25", "2027-12-26"));

    public static BusinessCalendar PlantBCalendar { get; } = new("Europe/Prague", new Dictionary<string, IReadOnlyList<string>>(Weekdays(["06:00-14:00", "14:00-22:00"]), StringComparer.Ordinal) { ["saturday"] = ["06:00-12:00"] }, Holidays(
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-08", "2026-07-05", "2026-07-06", "2026-09-28", "2026-10-28", "2026-11-17", "2026-12-24", "2026-12-25", "2026-12-26",
        "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-08", "2027-07-05", "2027-07-06", "2027-09-28", "2027-10-28", "2027-11-17", "2027-12-24", "2027-12-25", "2027-12-26"));

    private static Dictionary<string, IReadOnlyList<string>> Weekdays(IReadOnlyList<string> shifts) =>
        WorkingDays.ToDictionary(d => d, _ => shifts, StringComparer.Ordinal);

    private static DateOnly[] Holidays(params string[] days) => [.. days.Select(d => DateOnly.Parse(d, System.Globalization.CultureInfo.InvariantCulture))];

    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var flows = services.GetRequiredService<IOrchestration>();
        var store = services.GetRequiredService<TaktStore>();
        var clock = services.GetRequiredService<TimeProvider>();
        Check(await flows.PublishDoaAsync(store, ShippedDocuments.ProcurementMatrix, ct));
        Check(await flows.SetCalendarAsync(store, DemoData.PlantA, PlantACalendar, ct));
        Check(await flows.SetCalendarAsync(store, DemoData.PlantB, PlantBCalendar, ct));
        foreach (var person in People)
            Check(await flows.AssignRoleAsync(store, person, ct));
        await flows.AddSodConflictAsync(store, "buyer", "plant-controller", ct);
        foreach (var (name, document) in ShippedDocuments.Standards())
        {
            var saved = Check(await flows.SaveStandardAsync(store, document, "takt-demo", ct));
            Check(await flows.PublishStandardAsync(store, name, saved.Version, ct));
        }

        // Each variant is proposed by its plant and approved by the process owner through the approval flow.
        foreach (var (_, document) in ShippedDocuments.Variants())
            Check(await flows.ProposeVariantAsync(store, document, "plant-process-lead", ct));
        await using (var session = await store.OpenSessionAsync(clock, ct))
        {
            while (await flows.RunDueAsync(session, 500, ct) > 0)
            {
            }

            foreach (var task in await flows.InboxAsync(store, Owner, null, ct))
                Check(await flows.ActAsync(store, task.Id, new TaskAction(TaskVerb.Approve, Owner, "Within the standard's bounds; approved."), ct));
            while (await flows.RunDueAsync(session, 500, ct) > 0)
            {
            }
        }
    }

    private static T Check<T>(Contracts.Outcome<T> outcome) => outcome.IsRejected
        ? throw new InvalidOperationException("Demo flows: " + string.Join("; ", outcome.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")))
        : outcome.Value;
}
