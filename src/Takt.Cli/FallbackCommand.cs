using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Takt.Production.Fallback;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt fallback record|report</c>: manual fallback on the database the servers share — record a shop-floor fact
/// by hand while a plant system is down, and the reconciliation with the plant system's events (docs/operations.md).
/// </summary>
internal static class FallbackCommand
{
    public static Command Create()
    {
        var db = RunCommand.DbOption();
        var kind = new Argument<string>("kind") { Description = "issue, confirm or yield." };
        var order = new Option<string>("--order") { Description = "The production order.", Required = true };
        var operation = new Option<string?>("--operation") { Description = "confirm: the operation, e.g. 0010." };
        var item = new Option<string?>("--item") { Description = "issue: the component." };
        var quantity = new Option<decimal?>("--quantity") { Description = "issue, yield: the quantity (item's base unit unless --unit)." };
        var unit = new Option<string?>("--unit") { Description = "The unit of --quantity, --good and --scrap (UN/ECE Rec 20)." };
        var good = new Option<decimal?>("--good") { Description = "confirm: good quantity." };
        var scrap = new Option<decimal?>("--scrap") { Description = "confirm: scrapped quantity." };
        var machine = new Option<decimal?>("--machine-hours") { Description = "confirm: machine hours." };
        var labour = new Option<decimal?>("--labour-hours") { Description = "confirm: labour hours." };
        var at = new Option<DateTimeOffset>("--at") { Description = "When it happened (ISO 8601 with offset, e.g. 2026-06-10T08:15:00+02:00).", Required = true };
        var window = new Option<int?>("--window-minutes") { Description = "How far from --at the plant system's own event may lie to match (1–1440, default 240)." };
        var reason = new Option<string>("--reason") { Description = "Why by hand: the outage and its incident.", Required = true };
        var by = new Option<string>("--by") { Description = "Who records it.", DefaultValueFactory = _ => $"cli:{Environment.UserName}" };
        var record = new Command("record", "Record an issue, confirmation or yield by hand; it posts at once and is matched later to the plant system's own event.")
        {
            kind, order, operation, item, quantity, unit, good, scrap, machine, labour, at, window, reason, by, db,
        };
        record.SetAction(async (parse, ct) => await WithServicesAsync(parse.GetValue(db)!, async (services, store) =>
        {
            var request = new FallbackRequest(parse.GetValue(kind), parse.GetValue(order), parse.GetValue(operation), parse.GetValue(item), parse.GetValue(quantity), parse.GetValue(unit),
                parse.GetValue(good), parse.GetValue(scrap), parse.GetValue(machine), parse.GetValue(labour), parse.GetValue(at), parse.GetValue(window), parse.GetValue(reason));
            var fallback = services.GetRequiredService<IFallback>();
            var recorded = await store.WriteAsync(services.GetRequiredService<TimeProvider>(), tx => fallback.RecordAsync(tx, request, parse.GetValue(by)!, ct), ct);
            if (recorded.IsRejected)
            {
                foreach (var v in recorded.Violations)
                    AnsiConsole.MarkupLineInterpolated($"[red]{v.Rule}[/] {v.Field}: {v.Detail}");
                return 1;
            }

            AnsiConsole.MarkupLineInterpolated($"[green]Recorded[/] fallback {recorded.Value.Entry.Id} ({recorded.Value.Entry.Kind} {recorded.Value.Entry.Order}); journal entries: {string.Join(' ', recorded.Value.JournalEntries)}.");
            return 0;
        }));

        var plant = new Option<string?>("--plant") { Description = "Only this plant." };
        var report = new Command("report", "The reconciliation of fallback records with the plant systems' events: waiting, matched, difference-applied, conflicting, unmatched.") { plant, db };
        report.SetAction(async (parse, ct) => await WithServicesAsync(parse.GetValue(db)!, async (services, store) =>
        {
            var result = await services.GetRequiredService<IFallback>().ReportAsync(store, parse.GetValue(plant), null, null, ct);
            var table = new Table().AddColumns("record", "kind", "order", "op / item", "occurred (UTC)", "recorded", "matched", "applied beyond", "status");
            foreach (var e in result.Entries)
            {
                table.AddRow(e.Id, e.Kind, Markup.Escape(e.Order), Markup.Escape(e.Operation ?? e.Item ?? ""), e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                    Figures(e.Kind, e.Recorded), Figures(e.Kind, e.Matched), Figures(e.Kind, e.Applied),
                    e.Status switch { "conflicting" or "unmatched" => $"[red]{e.Status}[/]", "waiting" => $"[yellow]{e.Status}[/]", _ => $"[green]{e.Status}[/]" });
            }

            AnsiConsole.Write(table);
            AnsiConsole.WriteLine(string.Join(", ", result.Counts.Select(c => $"{c.Key} {c.Value}")));
            return result.Counts["conflicting"] + result.Counts["unmatched"] > 0 ? 2 : 0;
        }));

        var command = new Command("fallback", "Manual fallback while a plant system is down, and its reconciliation (docs/operations.md).") { record, report };
        foreach (var sub in FallbackStockCommand.Create(WithServicesAsync))
            command.Subcommands.Add(sub);
        return command;
    }

    private static string Figures(string kind, FallbackFigures f) => kind == "confirm"
        ? string.Create(CultureInfo.InvariantCulture, $"good {f.Quantity} scrap {f.Scrap} mh {f.MachineHours} lh {f.LabourHours}")
        : f.Quantity.ToString(CultureInfo.InvariantCulture);

    private static async Task<int> WithServicesAsync(string database, Func<IServiceProvider, TaktStore, Task<int>> work)
    {
        var settings = new ServerSettings { Database = database, Urls = "http://127.0.0.1:0", SeedDemo = false, BootstrapAdmin = false, RunDispatcher = false, MinimumLogLevel = LogLevel.Warning };
        settings.Orchestration.RunWorker = false;
        await using var app = TaktServer.Build(settings);
        await Migrations.ApplyAsync(app.Services.GetRequiredService<TaktStore>(), TaktServer.Schemas, CancellationToken.None);
        return await work(app.Services, app.Services.GetRequiredService<TaktStore>());
    }
}
