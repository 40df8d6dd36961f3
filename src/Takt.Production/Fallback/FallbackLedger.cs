using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Production.Fallback;

/// <summary>An open fallback record as a shop-floor batch sees it; <see cref="Matched"/> grows as plant-system events match it.</summary>
internal sealed class OpenFallback(string id, string kind, string plant, string order, string operation, string item, DateTimeOffset occurredAt, int windowMinutes, FallbackFigures recorded, FallbackFigures matched)
{
    public string Id { get; } = id;
    public string Kind { get; } = kind;
    public string Plant { get; } = plant;
    public string Order { get; } = order;
    public string Operation { get; } = operation;
    public string Item { get; } = item;
    public DateTimeOffset OccurredAt { get; } = occurredAt;
    public TimeSpan Window { get; } = TimeSpan.FromMinutes(windowMinutes);
    public FallbackFigures Recorded { get; } = recorded;
    public FallbackFigures Matched { get; set; } = matched;
    public FallbackFigures Remaining => Recorded - Matched;
}

/// <summary>
/// A plant-system event matched to a fallback record: the part of the event the record already covered; the
/// rest (<see cref="Extra"/>) is applied as if the system had sent only that.
/// </summary>
internal sealed record FallbackMatch(OpenFallback Entry, FallbackFigures Event, FallbackFigures Covered)
{
    public FallbackFigures Extra => Event - Covered;
}

/// <summary>
/// The open fallback records of a batch's orders (read only for orders whose <c>fallback_open</c> is above 0, so a
/// batch without fallback pays nothing). Matching is by business key: the same kind, plant, order and operation
/// (confirmation) or item (issue, yield), the event's time within the record's window; the nearest record in time wins.
/// </summary>
internal sealed class FallbackLedger(List<OpenFallback> open)
{
    /// <summary>Sources of Takt's own bookings; only events from plant systems are matched.</summary>
    public const string TaktSources = "/takt/";

    public static async Task<FallbackLedger?> LoadAsync(StoreTransaction transaction, IReadOnlyCollection<string> orders, CancellationToken ct)
    {
        if (orders.Count == 0)
            return null;
        var (orderIn, orderArg) = SqlList.In(transaction, "order_number", orders);
        var rows = new List<OpenFallback>();
        await using (var r = await transaction.Command(
            $"SELECT id, kind, plant, order_number, operation, item, occurred_at_us, window_minutes, quantity_e6, scrap_e6, machine_e6, labour_e6, matched_quantity_e6, matched_scrap_e6, matched_machine_e6, matched_labour_e6 FROM production_fallback_entry WHERE open = 1 AND {orderIn} ORDER BY id", orderArg).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                rows.Add(new OpenFallback(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
                    Instants.FromUnixMicroseconds(r.GetInt64(6)), (int)r.GetInt64(7),
                    new FallbackFigures(Fixed.FromE6(r.GetInt64(8)), Fixed.FromE6(r.GetInt64(9)), Fixed.FromE6(r.GetInt64(10)), Fixed.FromE6(r.GetInt64(11))),
                    new FallbackFigures(Fixed.FromE6(r.GetInt64(12)), Fixed.FromE6(r.GetInt64(13)), Fixed.FromE6(r.GetInt64(14)), Fixed.FromE6(r.GetInt64(15)))));
            }
        }

        return rows.Count == 0 ? null : new FallbackLedger(rows);
    }

    /// <summary>
    /// The open record this plant-system event matches, with what of the event it covers, or null. <paramref name="figures"/>
    /// is the event's figures in Takt's units (null when they do not convert: then the event is checked as sent).
    /// </summary>
    public FallbackMatch? Find(InboundEvent inbound, FallbackFigures? figures)
    {
        if (figures is null || inbound.Source.StartsWith(TaktSources, StringComparison.Ordinal))
            return null;
        var (kind, plant, order, operation, item) = inbound.Data switch
        {
            MaterialIssued m => ("issue", m.Plant, m.Order, "", m.Item),
            OperationConfirmed c => ("confirm", c.Plant, c.Order, c.Operation, ""),
            YieldReported y => ("yield", y.Plant, y.Order, "", y.Item),
            _ => ("", "", "", "", ""),
        };
        OpenFallback? best = null;
        foreach (var entry in open)
        {
            if (entry.Kind != kind || entry.Plant != plant || entry.Order != order || entry.Operation != operation || entry.Item != item)
                continue;
            var distance = (inbound.Time - entry.OccurredAt).Duration();
            if (distance > entry.Window || entry.Remaining.IsZero)
                continue;
            if (best is null || distance < (inbound.Time - best.OccurredAt).Duration())
                best = entry;
        }

        if (best is null)
            return null;
        return new FallbackMatch(best, figures, figures.Min(best.Remaining));
    }

    /// <summary>Stages the match (after the rest of the event, if any, was applied) and advances the record in memory.</summary>
    public static void Stage(StoreTransaction transaction, FallbackMatch match, InboundEvent inbound)
    {
        var c = match.Covered;
        var x = match.Extra;
        var entry = match.Entry;
        entry.Matched += c;
        var closes = entry.Remaining.IsZero;
        transaction.Stage(
            "INSERT INTO production_fallback_match (entry_id, event_source, event_id, event_time_us, matched_at_us, covered_quantity_e6, covered_scrap_e6, covered_machine_e6, covered_labour_e6, extra_quantity_e6, extra_scrap_e6, extra_machine_e6, extra_labour_e6) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            entry.Id, inbound.Source, inbound.Id, inbound.Time.ToUnixMicroseconds(), transaction.Clock.GetUtcNow().ToUnixMicroseconds(),
            Fixed.ToE6(c.Quantity), Fixed.ToE6(c.Scrap), Fixed.ToE6(c.MachineHours), Fixed.ToE6(c.LabourHours),
            Fixed.ToE6(x.Quantity), Fixed.ToE6(x.Scrap), Fixed.ToE6(x.MachineHours), Fixed.ToE6(x.LabourHours));
        transaction.Stage(
            "UPDATE production_fallback_entry SET matched_quantity_e6 = matched_quantity_e6 + $1, matched_scrap_e6 = matched_scrap_e6 + $2, matched_machine_e6 = matched_machine_e6 + $3, matched_labour_e6 = matched_labour_e6 + $4, extra_quantity_e6 = extra_quantity_e6 + $5, extra_scrap_e6 = extra_scrap_e6 + $6, extra_machine_e6 = extra_machine_e6 + $7, extra_labour_e6 = extra_labour_e6 + $8, open = $9 WHERE id = $10",
            Fixed.ToE6(c.Quantity), Fixed.ToE6(c.Scrap), Fixed.ToE6(c.MachineHours), Fixed.ToE6(c.LabourHours),
            Fixed.ToE6(x.Quantity), Fixed.ToE6(x.Scrap), Fixed.ToE6(x.MachineHours), Fixed.ToE6(x.LabourHours), closes ? 0 : 1, entry.Id);
        if (closes)
            transaction.Stage("UPDATE production_order SET fallback_open = fallback_open - 1 WHERE number = $1", entry.Order);
    }
}
