using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Production.Fallback;

/// <summary>
/// A shop-floor fact recorded by hand while the plant system is down: <c>issue</c> (item, quantity), <c>confirm</c>
/// (operation, good, scrap, machineHours, labourHours) or <c>yield</c> (quantity), for an order, when it happened
/// (<c>occurredAt</c>) and why it is recorded by hand. <c>windowMinutes</c> (1–1440, default 240) is how far from
/// <c>occurredAt</c> the plant system's own event may lie to be matched to this record.
/// </summary>
public sealed record FallbackRequest(
    string? Kind = null,
    string? Order = null,
    string? Operation = null,
    string? Item = null,
    decimal? Quantity = null,
    string? Unit = null,
    decimal? Good = null,
    decimal? Scrap = null,
    decimal? MachineHours = null,
    decimal? LabourHours = null,
    DateTimeOffset? OccurredAt = null,
    int? WindowMinutes = null,
    string? Reason = null);

/// <summary>A plant-system event matched to a fallback record: what the record had covered and what was applied beyond it.</summary>
public sealed record FallbackMatchView(string Source, string Id, DateTimeOffset Time, FallbackFigures Covered, FallbackFigures Applied);

/// <summary>
/// A fallback record and its reconciliation. Status: <c>waiting</c> (the window is still open), <c>matched</c> (the
/// plant system reported exactly what was recorded), <c>difference-applied</c> (it reported more; the difference
/// was posted), <c>conflicting</c> (the window closed with the system having reported less than recorded),
/// <c>unmatched</c> (the window closed with nothing from the system).
/// </summary>
public sealed record FallbackEntryView(
    string Id,
    string Kind,
    string Plant,
    string Order,
    string? Operation,
    string? Item,
    DateTimeOffset OccurredAt,
    int WindowMinutes,
    string RecordedBy,
    DateTimeOffset RecordedAt,
    string Reason,
    string Status,
    FallbackFigures Recorded,
    FallbackFigures Matched,
    FallbackFigures Applied,
    IReadOnlyList<FallbackMatchView> Matches);

/// <summary>What recording a fallback entry did: the record, the process-log event and the journal entries it posted.</summary>
public sealed record FallbackRecorded(FallbackEntryView Entry, string ProcessEvent, IReadOnlyList<string> JournalEntries);

/// <summary>The reconciliation report: every fallback record of the selection with its status, and the count per status.</summary>
public sealed record FallbackReport(DateTimeOffset At, IReadOnlyDictionary<string, int> Counts, IReadOnlyList<FallbackEntryView> Entries);

/// <summary>Manual fallback: recording shop-floor facts by hand and reconciling them with the plant system's events.</summary>
public interface IFallback
{
    /// <summary>Records and posts a fact by hand, in the caller's transaction (as the plant system's event would post).</summary>
    Task<Outcome<FallbackRecorded>> RecordAsync(StoreTransaction transaction, FallbackRequest request, string actor, CancellationToken ct);

    /// <summary>The reconciliation report, by plant and by the time the facts occurred.</summary>
    Task<FallbackReport> ReportAsync(TaktStore store, string? plant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct);
}

internal sealed class FallbackEntries(IMasterData masterData, ILedger ledger, IInventory inventory, IIntelligence intelligence, Outbox outbox, TimeProvider clock) : IFallback
{
    /// <summary>The CloudEvents source of facts recorded by hand; the event id is the record's id.</summary>
    public const string Source = "/takt/fallback";

    public const int DefaultWindowMinutes = FallbackRecord.DefaultWindowMinutes;

    private static readonly string[] Statuses = ["waiting", "matched", "difference-applied", "conflicting", "unmatched"];

    private readonly ShopFloorEvents shopFloor = new(masterData, ledger, inventory, intelligence, outbox);

    public async Task<Outcome<FallbackRecorded>> RecordAsync(StoreTransaction transaction, FallbackRequest request, string actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var v = new List<Violation>();
        if (request.Kind is not ("issue" or "confirm" or "yield"))
            v.Add(new Violation("/kind", "fallback.kind-unknown", $"kind is issue, confirm or yield; got '{request.Kind}'."));
        if (string.IsNullOrWhiteSpace(request.Order))
            v.Add(new Violation("/order", "field.required", "A fallback record names the production order."));
        var window = FallbackRecord.Check(request.OccurredAt, request.WindowMinutes, request.Reason, now, "A fallback record says when the fact happened", v);
        switch (request.Kind)
        {
            case "issue":
                if (string.IsNullOrWhiteSpace(request.Item))
                    v.Add(new Violation("/item", "field.required", "An issue names the component (item)."));
                if (request.Quantity is null)
                    v.Add(new Violation("/quantity", "field.required", "An issue needs a quantity."));
                break;
            case "yield":
                if (request.Quantity is null)
                    v.Add(new Violation("/quantity", "field.required", "A yield needs a quantity."));
                break;
            case "confirm":
                if (string.IsNullOrWhiteSpace(request.Operation))
                    v.Add(new Violation("/operation", "field.required", "A confirmation names the operation."));
                break;
        }

        if (v.Count > 0)
            return v.ToArray();

        string plant, product, unit;
        await using (var r = await transaction.Command("SELECT plant, item, unit FROM production_order WHERE number = $1", request.Order).ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct))
                return new Violation("/order", "order.unknown", $"Production order '{request.Order}' does not exist or is not released.");
            (plant, product, unit) = (r.GetString(0), r.GetString(1), r.GetString(2));
        }

        var id = Uuid7.New(now).ToString();
        var time = request.OccurredAt!.Value;
        InboundEvent Event<T>(string type, T data, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) where T : notnull =>
            new(Source, id, type, time, request.Order, data, JsonSerializer.Serialize(data, info));
        InboundEvent inbound;
        string operation = "", item = "";
        switch (request.Kind)
        {
            case "issue":
                item = request.Item!;
                var itemUnit = request.Unit ?? (await masterData.LoadAsync(transaction, [], [item], [], ct)).Item(item)?.BaseUnit.Code ?? "H87";
                inbound = Event(EventTypes.MaterialIssued, new MaterialIssued(plant, request.Order!, item, new QuantityValue(request.Quantity!.Value, itemUnit)), EventJson.Default.MaterialIssued);
                break;
            case "yield":
                item = product;
                inbound = Event(EventTypes.YieldReported, new YieldReported(plant, request.Order!, product, new QuantityValue(request.Quantity!.Value, request.Unit ?? unit)), EventJson.Default.YieldReported);
                break;
            default:
                operation = request.Operation!;
                var workCenter = await transaction.Command("SELECT work_center FROM production_order_operation WHERE order_number = $1 AND operation = $2", request.Order, operation).ExecuteScalarAsync(ct) as string;
                if (workCenter is null)
                    return new Violation("/operation", "order.operation-unknown", $"Order {request.Order} has no operation {operation}.");
                inbound = Event(EventTypes.OperationConfirmed, new OperationConfirmed(plant, request.Order!, operation, workCenter,
                    new QuantityValue(request.Good ?? 0m, request.Unit ?? unit),
                    request.Scrap is null ? null : new QuantityValue(request.Scrap.Value, request.Unit ?? unit),
                    request.MachineHours is null ? null : new QuantityValue(request.MachineHours.Value, UnitOfMeasure.Hour.Code),
                    request.LabourHours is null ? null : new QuantityValue(request.LabourHours.Value, UnitOfMeasure.Hour.Code)), EventJson.Default.OperationConfirmed);
                break;
        }

        var batch = (ShopFloorBatch)await shopFloor.BeginAsync(transaction, [inbound], ct);
        var figures = batch.FiguresOf(inbound.Data);
        var applied = batch.Apply(inbound);
        if (applied.IsRejected)
            return applied.Violations.Select(x => x with { Field = MapField(x.Field) }).ToArray();

        var recorded = figures!;
        transaction.Stage(
            "INSERT INTO production_fallback_entry (id, kind, plant, order_number, operation, item, occurred_at_us, window_minutes, recorded_by, recorded_at_us, reason, open, quantity_e6, scrap_e6, machine_e6, labour_e6) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $14, $15)",
            id, request.Kind, plant, request.Order, operation, item, time.ToUnixMicroseconds(), window, actor, now.ToUnixMicroseconds(), request.Reason!.Trim(),
            Fixed.ToE6(recorded.Quantity), Fixed.ToE6(recorded.Scrap), Fixed.ToE6(recorded.MachineHours), Fixed.ToE6(recorded.LabourHours));
        transaction.Stage("UPDATE production_order SET fallback_open = fallback_open + 1 WHERE number = $1", request.Order);
        var view = new FallbackEntryView(id, request.Kind!, plant, request.Order!, operation.Length == 0 ? null : operation, item.Length == 0 ? null : item,
            time, window, actor, now, request.Reason.Trim(), "waiting", recorded, FallbackFigures.Zero, FallbackFigures.Zero, []);
        return new FallbackRecorded(view, applied.Value.ProcessEventId, applied.Value.JournalEntries);
    }

    private static string MapField(string field) => field switch
    {
        "/data/quantity" or "/data/quantity/value" or "/data/goodQuantity/value" => field.StartsWith("/data/good", StringComparison.Ordinal) ? "/good" : "/quantity",
        "/data/goodQuantity" => "/good",
        "/data/quantity/unit" or "/data/goodQuantity/unit" or "/data/scrapQuantity/unit" => "/unit",
        "/data/scrapQuantity" or "/data/scrapQuantity/value" => "/scrap",
        "/data/machineTime" or "/data/machineTime/value" => "/machineHours",
        "/data/labourTime" or "/data/labourTime/value" => "/labourHours",
        "/data/order" => "/order",
        "/data" => "",
        "/time" => "/occurredAt",
        _ => field.StartsWith("/data/", StringComparison.Ordinal) ? field[5..] : field,
    };

    public async Task<FallbackReport> ReportAsync(TaktStore store, string? plant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return await store.ReadAsync(clock, async tx =>
        {
            var entries = new List<(FallbackEntryView View, FallbackFigures Remaining)>();
            var matches = new Dictionary<string, List<FallbackMatchView>>(StringComparer.Ordinal);
            await using (var r = await tx.Command(
                "SELECT id, kind, plant, order_number, operation, item, occurred_at_us, window_minutes, recorded_by, recorded_at_us, reason, quantity_e6, scrap_e6, machine_e6, labour_e6, matched_quantity_e6, matched_scrap_e6, matched_machine_e6, matched_labour_e6, extra_quantity_e6, extra_scrap_e6, extra_machine_e6, extra_labour_e6 FROM production_fallback_entry WHERE ($1 = '' OR plant = $1) AND occurred_at_us >= $2 AND occurred_at_us < $3 ORDER BY occurred_at_us, id",
                plant ?? "", (from ?? DateTimeOffset.UnixEpoch).ToUnixMicroseconds(), (to ?? DateTimeOffset.MaxValue.AddYears(-1)).ToUnixMicroseconds()).ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    FallbackFigures Figures(int at) => new(Fixed.FromE6(r.GetInt64(at)), Fixed.FromE6(r.GetInt64(at + 1)), Fixed.FromE6(r.GetInt64(at + 2)), Fixed.FromE6(r.GetInt64(at + 3)));
                    var recorded = Figures(11);
                    var matched = Figures(15);
                    var occurred = Instants.FromUnixMicroseconds(r.GetInt64(6));
                    var window = (int)r.GetInt64(7);
                    var id = r.GetString(0);
                    var list = matches[id] = [];
                    entries.Add((new FallbackEntryView(id, r.GetString(1), r.GetString(2), r.GetString(3), NullIfEmpty(r.GetString(4)), NullIfEmpty(r.GetString(5)), occurred, window,
                        r.GetString(8), Instants.FromUnixMicroseconds(r.GetInt64(9)), r.GetString(10), "", recorded, matched, Figures(19), list), recorded - matched));
                }
            }

            if (entries.Count > 0)
            {
                var (idIn, idArg) = SqlList.In(tx, "entry_id", matches.Keys);
                await using var r = await tx.Command(
                    $"SELECT entry_id, event_source, event_id, event_time_us, covered_quantity_e6, covered_scrap_e6, covered_machine_e6, covered_labour_e6, extra_quantity_e6, extra_scrap_e6, extra_machine_e6, extra_labour_e6 FROM production_fallback_match WHERE {idIn} ORDER BY matched_at_us, event_id", idArg).ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct))
                {
                    FallbackFigures Figures(int at) => new(Fixed.FromE6(r.GetInt64(at)), Fixed.FromE6(r.GetInt64(at + 1)), Fixed.FromE6(r.GetInt64(at + 2)), Fixed.FromE6(r.GetInt64(at + 3)));
                    matches[r.GetString(0)].Add(new FallbackMatchView(r.GetString(1), r.GetString(2), Instants.FromUnixMicroseconds(r.GetInt64(3)), Figures(4), Figures(8)));
                }
            }

            var views = entries.Select(e => e.View with { Status = StatusOf(e.View, e.Remaining, now) }).ToList();
            var counts = Statuses.ToDictionary(s => s, s => views.Count(x => x.Status == s), StringComparer.Ordinal);
            return new FallbackReport(now, counts, views);
        }, ct);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static string StatusOf(FallbackEntryView entry, FallbackFigures remaining, DateTimeOffset now) =>
        FallbackStatus.Of(remaining.IsZero, !entry.Applied.IsZero, !entry.Matched.IsZero, entry.OccurredAt, entry.WindowMinutes, now);
}
