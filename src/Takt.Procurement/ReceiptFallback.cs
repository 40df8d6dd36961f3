using Takt.Contracts;
using Takt.Store;

namespace Takt.Procurement;

/// <summary>
/// A goods receipt recorded by hand while the WMS or plant system is down: against purchase order <c>order</c>, line
/// <c>line</c> (optionally naming its <c>item</c>, which must be the line's), <c>quantity</c> in the line's <c>unit</c>,
/// received by <c>receivedBy</c> at <c>occurredAt</c> (its posting date is the plant's date of that instant). <c>windowMinutes</c>
/// (1–1440, default 240) is how far from <c>occurredAt</c> the system's own receipt may lie to be matched to this record.
/// </summary>
public sealed record FallbackReceiptRequest(
    string? Order = null,
    int? Line = null,
    string? Item = null,
    decimal? Quantity = null,
    string? Unit = null,
    string? ReceivedBy = null,
    DateTimeOffset? OccurredAt = null,
    int? WindowMinutes = null,
    string? Reason = null);

/// <summary>
/// How a system receipt was matched to a hand-recorded one: the record (<see cref="Entry"/>) and the receipt it posted
/// (<see cref="RecordedReceipt"/>), what the system reported, what the record covered and what was received beyond it
/// (<see cref="Applied"/>, posted as <see cref="Receipt"/>; null when the record covered everything).
/// </summary>
public sealed record ReceiptFallbackMatch(string Entry, string RecordedReceipt, decimal Reported, decimal Covered, decimal Applied, string? Receipt, DateTimeOffset ReceivedAt);

/// <summary>
/// A hand-recorded receipt and its reconciliation. Status as for production fallback records: <c>waiting</c>,
/// <c>matched</c> (the system reported exactly the recorded quantity), <c>difference-applied</c> (it reported more; the
/// difference was received), <c>conflicting</c> (the window closed with less reported than recorded: the difference
/// stays in stock and GR/IR as recorded, for someone to check), <c>unmatched</c> (nothing reported in the window).
/// </summary>
public sealed record FallbackReceiptView(
    string Id,
    string Plant,
    string Order,
    int Line,
    string Item,
    string Unit,
    string Receipt,
    DateTimeOffset OccurredAt,
    int WindowMinutes,
    string RecordedBy,
    DateTimeOffset RecordedAt,
    string Reason,
    string Status,
    decimal Recorded,
    decimal Matched,
    decimal Applied,
    IReadOnlyList<ReceiptFallbackMatch> Matches);

/// <summary>What recording a receipt by hand did: the record and the receipt it posted.</summary>
public sealed record FallbackReceiptRecorded(FallbackReceiptView Entry, GoodsReceiptView Receipt);

/// <summary>The reconciliation report of hand-recorded receipts: each with its status, and the count per status.</summary>
public sealed record FallbackReceiptReport(DateTimeOffset At, IReadOnlyDictionary<string, int> Counts, IReadOnlyList<FallbackReceiptView> Entries);

/// <summary>Manual fallback for goods receipts (API, CLI): recording by hand in the caller's transaction, and the reconciliation report.</summary>
public interface IFallbackReceipts
{
    /// <summary>Records and posts a goods receipt by hand, in the caller's transaction (as the system's receipt would post).</summary>
    Task<Outcome<FallbackReceiptRecorded>> RecordFallbackReceiptAsync(StoreTransaction transaction, FallbackReceiptRequest request, string actor, CancellationToken ct);

    /// <summary>The reconciliation report, by plant and by the time the receipts occurred.</summary>
    Task<FallbackReceiptReport> FallbackReceiptReportAsync(StoreTransaction transaction, string? plant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct);
}

/// <summary>Open hand-recorded receipts of a purchase order line, and matching a system receipt to one of them.</summary>
internal static class ReceiptFallback
{
    public const int DefaultWindowMinutes = FallbackRecord.DefaultWindowMinutes;

    public static readonly string[] Statuses = ["waiting", "matched", "difference-applied", "conflicting", "unmatched"];

    internal sealed record Open(string Id, string Plant, string Order, int Line, string Receipt, DateTimeOffset OccurredAt, TimeSpan Window, decimal Recorded, decimal Matched)
    {
        public decimal Remaining => Recorded - Matched;
    }

    internal sealed record Match(Open Entry, decimal Reported, decimal Covered)
    {
        public decimal Extra => Reported - Covered;

        public ReceiptFallbackMatch View(string? receipt, DateTimeOffset receivedAt) => new(Entry.Id, Entry.Receipt, Reported, Covered, Extra, receipt, receivedAt);
    }

    /// <summary>The open record of the line nearest in time to <paramref name="receivedAt"/> within its window, with what of the receipt it covers; or null.</summary>
    public static async Task<Match?> FindAsync(StoreTransaction tx, string order, int line, DateTimeOffset receivedAt, decimal quantity, CancellationToken ct)
    {
        Open? best = null;
        await using (var r = await tx.Command(
            "SELECT id, plant, receipt, occurred_at_us, window_minutes, quantity_e6, matched_e6 FROM proc_fallback_receipt WHERE po = $1 AND line = $2 AND open = 1 ORDER BY id",
            order, (long)line).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var entry = new Open(r.GetString(0), r.GetString(1), order, line, r.GetString(2), Instants.FromUnixMicroseconds(r.GetInt64(3)),
                    TimeSpan.FromMinutes(r.GetInt64(4)), Fixed.FromE6(r.GetInt64(5)), Fixed.FromE6(r.GetInt64(6)));
                var distance = (receivedAt - entry.OccurredAt).Duration();
                if (distance > entry.Window || entry.Remaining <= 0m)
                    continue;
                if (best is null || distance < (receivedAt - best.OccurredAt).Duration())
                    best = entry;
            }
        }

        return best is null ? null : new Match(best, quantity, Math.Min(quantity, best.Remaining));
    }

    /// <summary>Stages the match; <paramref name="receipt"/> is the receipt that took the difference, if any.</summary>
    public static void Stage(StoreTransaction tx, Match match, string? receipt, DateTimeOffset receivedAt)
    {
        var now = tx.Clock.GetUtcNow();
        var closes = match.Entry.Remaining - match.Covered == 0m;
        tx.Stage(
            "INSERT INTO proc_fallback_receipt_match (id, entry_id, receipt, received_at_us, matched_at_us, reported_e6, covered_e6, extra_e6) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            Uuid7.New(now).ToString(), match.Entry.Id, receipt, receivedAt.ToUnixMicroseconds(), now.ToUnixMicroseconds(),
            Fixed.ToE6(match.Reported), Fixed.ToE6(match.Covered), Fixed.ToE6(match.Extra));
        tx.Stage("UPDATE proc_fallback_receipt SET matched_e6 = matched_e6 + $1, extra_e6 = extra_e6 + $2, open = $3 WHERE id = $4",
            Fixed.ToE6(match.Covered), Fixed.ToE6(match.Extra), closes ? 0L : 1L, match.Entry.Id);
    }

    public static string StatusOf(decimal recorded, decimal matched, decimal applied, DateTimeOffset occurredAt, int windowMinutes, DateTimeOffset now) =>
        FallbackStatus.Of(recorded - matched == 0m, applied != 0m, matched != 0m, occurredAt, windowMinutes, now);
}

/// <summary>Manual fallback for goods receipts: recording by hand and the reconciliation report.</summary>
internal sealed partial class ProcurementService : IFallbackReceipts
{
    public async Task<Outcome<FallbackReceiptRecorded>> RecordFallbackReceiptAsync(StoreTransaction tx, FallbackReceiptRequest request, string actor, CancellationToken ct)
    {
        var now = tx.Clock.GetUtcNow();
        var v = new List<Violation>();
        if (string.IsNullOrWhiteSpace(request.Order))
            v.Add(new Violation("/order", "field.required", "A fallback receipt names the purchase order."));
        if (request.Line is null)
            v.Add(new Violation("/line", "field.required", "A fallback receipt names the purchase order line."));
        if (request.Quantity is null)
            v.Add(new Violation("/quantity", "field.required", "A fallback receipt needs a quantity."));
        if (string.IsNullOrWhiteSpace(request.Unit))
            v.Add(new Violation("/unit", "field.required", "A fallback receipt gives the quantity's unit (the line's unit)."));
        var window = FallbackRecord.Check(request.OccurredAt, request.WindowMinutes, request.Reason, now, "A fallback receipt says when the goods arrived", v);
        if (v.Count > 0)
            return v.ToArray();

        var order = await OrderForUpdateAsync(tx, request.Order!, ct);
        if (order is null)
            return new Violation("/order", "purchase-order.unknown", $"Purchase order '{request.Order}' does not exist.");
        var line = order.View.Lines.FirstOrDefault(l => l.Line == request.Line);
        if (line is null)
            return new Violation("/line", "receipt.line-unknown", $"Purchase order {request.Order} has no line {request.Line}.");
        if (request.Item is { } item && item != line.Item)
            return new Violation("/item", "fallback.item-mismatch", $"Line {line.Line} of {order.View.Number} is for item {line.Item}, not {item}.");
        var plant = (await masterData.LoadAsync(tx, [order.View.Plant], [], [], ct)).Plant(order.View.Plant)!;
        var time = request.OccurredAt!.Value;
        var received = await ReceiveAsync(tx, new ReceiveGoods(order.View.Number, line.Line, request.Quantity!.Value, request.Unit!, request.ReceivedBy ?? "", null, plant.DateOf(time), time), matchFallback: false, ct);
        if (received.IsRejected)
            return received.Violations.Select(x => x.Field == "/postingDate" ? x with { Field = "/occurredAt" } : x).ToArray();

        var id = Uuid7.New(now).ToString();
        tx.Stage(
            "INSERT INTO proc_fallback_receipt (id, plant, po, line, item, unit, receipt, occurred_at_us, window_minutes, recorded_by, recorded_at_us, reason, open, quantity_e6) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13)",
            id, order.View.Plant, order.View.Number, (long)line.Line, line.Item, line.Unit, received.Value.Id, time.ToUnixMicroseconds(), (long)window, actor, now.ToUnixMicroseconds(),
            request.Reason!.Trim(), Fixed.ToE6(request.Quantity.Value));
        var view = new FallbackReceiptView(id, order.View.Plant, order.View.Number, line.Line, line.Item, line.Unit, received.Value.Id, time, window, actor, now, request.Reason.Trim(),
            "waiting", request.Quantity.Value, 0m, 0m, []);
        return new FallbackReceiptRecorded(view, received.Value);
    }

    public async Task<FallbackReceiptReport> FallbackReceiptReportAsync(StoreTransaction tx, string? plant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var now = tx.Clock.GetUtcNow();
        var entries = new List<FallbackReceiptView>();
        var matches = new Dictionary<string, List<ReceiptFallbackMatch>>(StringComparer.Ordinal);
        await using (var r = await tx.Command(
            "SELECT id, plant, po, line, item, unit, receipt, occurred_at_us, window_minutes, recorded_by, recorded_at_us, reason, quantity_e6, matched_e6, extra_e6 FROM proc_fallback_receipt WHERE ($1 = '' OR plant = $1) AND occurred_at_us >= $2 AND occurred_at_us < $3 ORDER BY occurred_at_us, id",
            plant ?? "", (from ?? DateTimeOffset.UnixEpoch).ToUnixMicroseconds(), (to ?? DateTimeOffset.MaxValue.AddYears(-1)).ToUnixMicroseconds()).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var id = r.GetString(0);
                var list = matches[id] = [];
                var (recorded, matched, applied) = (Fixed.FromE6(r.GetInt64(12)), Fixed.FromE6(r.GetInt64(13)), Fixed.FromE6(r.GetInt64(14)));
                var occurred = Instants.FromUnixMicroseconds(r.GetInt64(7));
                var window = (int)r.GetInt64(8);
                entries.Add(new FallbackReceiptView(id, r.GetString(1), r.GetString(2), (int)r.GetInt64(3), r.GetString(4), r.GetString(5), r.GetString(6), occurred, window,
                    r.GetString(9), Instants.FromUnixMicroseconds(r.GetInt64(10)), r.GetString(11), ReceiptFallback.StatusOf(recorded, matched, applied, occurred, window, now),
                    recorded, matched, applied, list));
            }
        }

        if (entries.Count > 0)
        {
            var (idIn, idArg) = SqlList.In(tx, "m.entry_id", matches.Keys);
            await using var r = await tx.Command(
                $"SELECT m.entry_id, e.receipt, m.reported_e6, m.covered_e6, m.extra_e6, m.receipt, m.received_at_us FROM proc_fallback_receipt_match m JOIN proc_fallback_receipt e ON e.id = m.entry_id WHERE {idIn} ORDER BY m.matched_at_us, m.id", idArg).ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                matches[r.GetString(0)].Add(new ReceiptFallbackMatch(r.GetString(0), r.GetString(1), Fixed.FromE6(r.GetInt64(2)), Fixed.FromE6(r.GetInt64(3)), Fixed.FromE6(r.GetInt64(4)),
                    r.IsDBNull(5) ? null : r.GetString(5), Instants.FromUnixMicroseconds(r.GetInt64(6))));
            }
        }

        var counts = ReceiptFallback.Statuses.ToDictionary(s => s, s => entries.Count(x => x.Status == s), StringComparer.Ordinal);
        return new FallbackReceiptReport(now, counts, entries);
    }
}
