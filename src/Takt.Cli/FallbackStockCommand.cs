using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Inventory.Stock;
using Takt.Procurement;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt fallback receipt|move|receipts|movements</c>: goods receipts and stock transfers recorded by hand while the
/// WMS is down, and their reconciliation with the system's own receipts and moves (docs/operations.md).
/// </summary>
internal static class FallbackStockCommand
{
    public static IEnumerable<Command> Create(Func<string, Func<IServiceProvider, TaktStore, Task<int>>, Task<int>> withServices)
    {
        var at = new Option<DateTimeOffset>("--at") { Description = "When it happened (ISO 8601 with offset).", Required = true };
        var window = new Option<int?>("--window-minutes") { Description = "How far from --at the system's own record may lie to match (1–1440, default 240)." };
        var reason = new Option<string>("--reason") { Description = "Why by hand: the outage and its incident.", Required = true };
        var by = new Option<string>("--by") { Description = "Who records it.", DefaultValueFactory = _ => $"cli:{Environment.UserName}" };
        var quantity = new Option<decimal>("--quantity") { Description = "The quantity.", Required = true };
        var unit = new Option<string>("--unit") { Description = "The unit of --quantity (UN/ECE Rec 20).", Required = true };

        var db = RunCommand.DbOption();
        var order = new Option<string>("--order") { Description = "The purchase order.", Required = true };
        var line = new Option<int>("--line") { Description = "The purchase order line.", Required = true };
        var item = new Option<string?>("--item") { Description = "The line's item (checked against the line)." };
        var receivedBy = new Option<string>("--received-by") { Description = "Who received the goods.", Required = true };
        var receipt = new Command("receipt", "Record a goods receipt against a purchase order line by hand; it posts at once and the system's own receipt later receives only the difference.")
        {
            order, line, item, quantity, unit, receivedBy, at, window, reason, by, db,
        };
        receipt.SetAction(async (parse, ct) => await withServices(parse.GetValue(db)!, async (services, store) =>
        {
            var request = new FallbackReceiptRequest(parse.GetValue(order), parse.GetValue(line), parse.GetValue(item), parse.GetValue(quantity), parse.GetValue(unit),
                parse.GetValue(receivedBy), parse.GetValue(at), parse.GetValue(window), parse.GetValue(reason));
            var recorded = await store.WriteAsync(services.GetRequiredService<TimeProvider>(), tx => services.GetRequiredService<IFallbackReceipts>().RecordFallbackReceiptAsync(tx, request, parse.GetValue(by)!, ct), ct);
            if (Refused(recorded))
                return 1;
            AnsiConsole.MarkupLineInterpolated($"[green]Recorded[/] fallback receipt {recorded.Value.Entry.Id}: {recorded.Value.Entry.Recorded} {recorded.Value.Entry.Unit} of {recorded.Value.Entry.Item} on {recorded.Value.Entry.Order}/{recorded.Value.Entry.Line}; receipt {recorded.Value.Receipt.Id}, journal entry {recorded.Value.Receipt.JournalEntry ?? "-"}.");
            return 0;
        }));

        var db2 = RunCommand.DbOption();
        var plant = new Option<string>("--plant") { Description = "The plant.", Required = true };
        var moveItem = new Option<string>("--item") { Description = "The item.", Required = true };
        var from = new Option<string?>("--from") { Description = "The storage location or bin it left (empty: not put away)." };
        var to = new Option<string>("--to") { Description = "The storage location or bin it went to.", Required = true };
        var lot = new Option<string?>("--lot") { Description = "The lot, if any." };
        var move = new Command("move", "Record a stock transfer by hand; it moves stock at once and the WMS's own confirmation later moves only the difference.")
        {
            plant, moveItem, from, to, lot, quantity, unit, at, window, reason, by, db2,
        };
        move.SetAction(async (parse, ct) => await withServices(parse.GetValue(db2)!, async (services, store) =>
        {
            var request = new FallbackMovementRequest(parse.GetValue(plant), parse.GetValue(moveItem), parse.GetValue(from), parse.GetValue(to), parse.GetValue(lot), null,
                new QuantityValue(parse.GetValue(quantity), parse.GetValue(unit)!), parse.GetValue(at), parse.GetValue(window), parse.GetValue(reason));
            var recorded = await store.WriteAsync(services.GetRequiredService<TimeProvider>(), tx => services.GetRequiredService<IFallbackMovements>().RecordAsync(tx, request, parse.GetValue(by)!, ct), ct);
            if (Refused(recorded))
                return 1;
            var e = recorded.Value.Entry;
            AnsiConsole.MarkupLineInterpolated($"[green]Recorded[/] fallback movement {e.Id}: {e.Recorded} {e.Unit} of {e.Item} from '{e.Location}' to '{e.ToLocation}'; document {recorded.Value.Document.Document}.");
            return 0;
        }));

        var db3 = RunCommand.DbOption();
        var reportPlant = new Option<string?>("--plant") { Description = "Only this plant." };
        var receipts = new Command("receipts", "The reconciliation of hand-recorded goods receipts: waiting, matched, difference-applied, conflicting, unmatched.") { reportPlant, db3 };
        receipts.SetAction(async (parse, ct) => await withServices(parse.GetValue(db3)!, async (services, store) =>
        {
            var report = await store.ReadAsync(services.GetRequiredService<TimeProvider>(), tx => services.GetRequiredService<IFallbackReceipts>().FallbackReceiptReportAsync(tx, parse.GetValue(reportPlant), null, null, ct), CancellationToken.None);
            var table = new Table().AddColumns("record", "order/line", "item", "occurred (UTC)", "recorded", "matched", "applied beyond", "status");
            foreach (var e in report.Entries)
                table.AddRow(e.Id, Markup.Escape($"{e.Order}/{e.Line}"), Markup.Escape(e.Item), Utc(e.OccurredAt), Q(e.Recorded, e.Unit), Q(e.Matched, e.Unit), Q(e.Applied, e.Unit), Status(e.Status));
            return Finish(table, report.Counts);
        }));

        var db4 = RunCommand.DbOption();
        var movePlant = new Option<string?>("--plant") { Description = "Only this plant." };
        var movements = new Command("movements", "The reconciliation of hand-recorded stock transfers: waiting, matched, difference-applied, conflicting, unmatched.") { movePlant, db4 };
        movements.SetAction(async (parse, ct) => await withServices(parse.GetValue(db4)!, async (services, store) =>
        {
            var report = await store.ReadAsync(services.GetRequiredService<TimeProvider>(), tx => services.GetRequiredService<IFallbackMovements>().ReportAsync(tx, parse.GetValue(movePlant), null, null, ct), CancellationToken.None);
            var table = new Table().AddColumns("record", "item", "from → to", "occurred (UTC)", "recorded", "matched", "applied beyond", "status");
            foreach (var e in report.Entries)
                table.AddRow(e.Id, Markup.Escape(e.Item), Markup.Escape($"'{e.Location}' → '{e.ToLocation}'"), Utc(e.OccurredAt), Q(e.Recorded, e.Unit), Q(e.Matched, e.Unit), Q(e.Applied, e.Unit), Status(e.Reconciliation));
            return Finish(table, report.Counts);
        }));

        return [receipt, move, receipts, movements];
    }

    private static bool Refused<T>(Outcome<T> outcome)
    {
        if (!outcome.IsRejected)
            return false;
        foreach (var v in outcome.Violations)
            AnsiConsole.MarkupLineInterpolated($"[red]{v.Rule}[/] {v.Field}: {v.Detail}");
        return true;
    }

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Q(decimal quantity, string unit) => Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{quantity} {unit}"));

    private static string Status(string status) => status switch { "conflicting" or "unmatched" => $"[red]{status}[/]", "waiting" => $"[yellow]{status}[/]", _ => $"[green]{status}[/]" };

    private static int Finish(Table table, IReadOnlyDictionary<string, int> counts)
    {
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
        return counts["conflicting"] + counts["unmatched"] > 0 ? 2 : 0;
    }
}
