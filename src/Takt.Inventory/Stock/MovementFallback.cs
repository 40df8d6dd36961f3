using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Integration.Gateway;
using Takt.Contracts.Events;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Inventory.Stock;

/// <summary>
/// A stock transfer recorded by hand while the WMS is down: <c>item</c> of <c>plant</c> moved from <c>location</c> (a
/// storage location or bin; empty: stock not put away) to <c>toLocation</c>, optionally of <c>lot</c> and <c>status</c>
/// (default unrestricted), <c>quantity</c> with its unit, at <c>occurredAt</c> (the posting date is the plant's date of that
/// instant). <c>windowMinutes</c> (1–1440, default 240) is how far from <c>occurredAt</c> the WMS's own confirmation of the
/// move may lie to be matched to this record.
/// </summary>
public sealed record FallbackMovementRequest(
    string? Plant = null,
    string? Item = null,
    string? Location = null,
    string? ToLocation = null,
    string? Lot = null,
    string? Status = null,
    QuantityValue? Quantity = null,
    DateTimeOffset? OccurredAt = null,
    int? WindowMinutes = null,
    string? Reason = null);

/// <summary>A system movement matched to a hand-recorded one: what it reported, what the record covered, what was moved beyond it (base unit).</summary>
public sealed record MovementFallbackMatch(string SourceType, string SourceId, string Document, DateTimeOffset Time, decimal Reported, decimal Covered, decimal Applied);

/// <summary>
/// A hand-recorded transfer and its reconciliation (quantities in the item's base unit). Status as for the other
/// fallback records: <c>waiting</c>, <c>matched</c>, <c>difference-applied</c>, <c>conflicting</c> (the window closed with
/// less confirmed than recorded: the stock stays where the record put it, for someone to check), <c>unmatched</c>.
/// </summary>
public sealed record FallbackMovementView(
    string Id,
    string Plant,
    string Item,
    string Location,
    string ToLocation,
    string Lot,
    string Status,
    string Unit,
    string Document,
    DateTimeOffset OccurredAt,
    int WindowMinutes,
    string RecordedBy,
    DateTimeOffset RecordedAt,
    string Reason,
    string Reconciliation,
    decimal Recorded,
    decimal Matched,
    decimal Applied,
    IReadOnlyList<MovementFallbackMatch> Matches);

/// <summary>What recording a transfer by hand did: the record and the material document it posted.</summary>
public sealed record FallbackMovementRecorded(FallbackMovementView Entry, PostedDocument Document);

/// <summary>The reconciliation report of hand-recorded transfers: each with its status, and the count per status.</summary>
public sealed record FallbackMovementReport(DateTimeOffset At, IReadOnlyDictionary<string, int> Counts, IReadOnlyList<FallbackMovementView> Entries);

/// <summary>
/// The open hand-recorded transfers of a posting context's plants and items (one read per batch). A transfer line of a
/// system document (WMS confirmation, API) is matched by plant, item, from and to location, lot, status and the
/// document's time within the record's window, the nearest record in time first; only the rest of the line moves.
/// </summary>
internal sealed class MovementFallbacks(List<MovementFallbacks.Open> open)
{
    /// <summary>The origin of documents posted by hand records; they are never matched themselves.</summary>
    public const string Origin = "/takt/fallback";

    public const int DefaultWindowMinutes = FallbackRecord.DefaultWindowMinutes;

    public static readonly string[] Statuses = ["waiting", "matched", "difference-applied", "conflicting", "unmatched"];

    internal sealed class Open(string id, string plant, string item, string location, string toLocation, string lot, string status, DateTimeOffset occurredAt, int windowMinutes, decimal recorded, decimal matched)
    {
        public string Id { get; } = id;
        public string Plant { get; } = plant;
        public string Item { get; } = item;
        public string Location { get; } = location;
        public string ToLocation { get; } = toLocation;
        public string Lot { get; } = lot;
        public string Status { get; } = status;
        public DateTimeOffset OccurredAt { get; } = occurredAt;
        public TimeSpan Window { get; } = TimeSpan.FromMinutes(windowMinutes);
        public decimal Recorded { get; } = recorded;
        public decimal Matched { get; set; } = matched;
    }

    internal sealed record Match(Open Entry, decimal Reported, decimal Covered)
    {
        public decimal Extra => Reported - Covered;
    }

    public static async Task<MovementFallbacks?> LoadAsync(StoreTransaction tx, IReadOnlyCollection<string> plants, IReadOnlyCollection<string> items, CancellationToken ct)
    {
        if (plants.Count == 0 || items.Count == 0)
            return null;
        var (plantIn, plantArg) = SqlList.In(tx, "plant", plants, 1);
        var (itemIn, itemArg) = SqlList.In(tx, "item", items, 2);
        var rows = new List<Open>();
        await using (var r = await tx.Command(
            $"SELECT id, plant, item, location, to_location, lot, status, occurred_at_us, window_minutes, quantity_e6, matched_e6 FROM inventory_fallback_movement WHERE open = 1 AND {plantIn} AND {itemIn} ORDER BY id",
            plantArg, itemArg).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                rows.Add(new Open(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                    Instants.FromUnixMicroseconds(r.GetInt64(7)), (int)r.GetInt64(8), Fixed.FromE6(r.GetInt64(9)), Fixed.FromE6(r.GetInt64(10))));
            }
        }

        return rows.Count == 0 ? null : new MovementFallbacks(rows);
    }

    /// <summary>The record a transfer of <paramref name="quantity"/> (base unit, positive) matches, given what this document already took of each record; or null.</summary>
    public Match? Find(string plant, string item, string location, string toLocation, string lot, string status, DateTimeOffset time, decimal quantity, IReadOnlyDictionary<string, decimal> pending)
    {
        Open? best = null;
        foreach (var entry in open)
        {
            if (entry.Plant != plant || entry.Item != item || entry.Location != location || entry.ToLocation != toLocation || entry.Lot != lot || entry.Status != status)
                continue;
            var distance = (time - entry.OccurredAt).Duration();
            if (distance > entry.Window || entry.Recorded - entry.Matched - pending.GetValueOrDefault(entry.Id) <= 0m)
                continue;
            if (best is null || distance < (time - best.OccurredAt).Duration())
                best = entry;
        }

        return best is null ? null : new Match(best, quantity, Math.Min(quantity, best.Recorded - best.Matched - pending.GetValueOrDefault(best.Id)));
    }

    /// <summary>Stages a match of the document and advances the record in memory (later documents of the batch see it).</summary>
    public static void Stage(StoreTransaction tx, Match match, MovementDocument doc, string document)
    {
        var now = tx.Clock.GetUtcNow();
        var entry = match.Entry;
        entry.Matched += match.Covered;
        var closes = entry.Recorded - entry.Matched == 0m;
        tx.Stage(
            "INSERT INTO inventory_fallback_movement_match (id, entry_id, source_type, source_id, document, event_time_us, matched_at_us, reported_e6, covered_e6, extra_e6) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            Uuid7.New(now).ToString(), entry.Id, doc.SourceType, doc.SourceId, document, doc.EventTime.ToUnixMicroseconds(), now.ToUnixMicroseconds(),
            Fixed.ToE6(match.Reported), Fixed.ToE6(match.Covered), Fixed.ToE6(match.Extra));
        tx.Stage("UPDATE inventory_fallback_movement SET matched_e6 = matched_e6 + $1, extra_e6 = extra_e6 + $2, open = $3 WHERE id = $4",
            Fixed.ToE6(match.Covered), Fixed.ToE6(match.Extra), closes ? 0L : 1L, entry.Id);
    }

    public static string StatusOf(decimal recorded, decimal matched, decimal applied, DateTimeOffset occurredAt, int windowMinutes, DateTimeOffset now) =>
        FallbackStatus.Of(recorded - matched == 0m, applied != 0m, matched != 0m, occurredAt, windowMinutes, now);
}

/// <summary>Manual fallback for stock movements (API, CLI): recording a transfer by hand in the caller's transaction, and the reconciliation report.</summary>
public interface IFallbackMovements
{
    /// <summary>Records and posts a transfer by hand, in the caller's transaction.</summary>
    Task<Outcome<FallbackMovementRecorded>> RecordAsync(StoreTransaction transaction, FallbackMovementRequest request, string actor, CancellationToken ct);

    /// <summary>The reconciliation report, by plant and by the time the movements occurred.</summary>
    Task<FallbackMovementReport> ReportAsync(StoreTransaction transaction, string? plant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct);
}

/// <summary>Manual fallback for stock movements: recording a transfer by hand, the reconciliation report, and their endpoints.</summary>
internal sealed class StockFallback(StockPosting posting, IMasterData masterData) : IFallbackMovements
{
    public async Task<Outcome<FallbackMovementRecorded>> RecordAsync(StoreTransaction tx, FallbackMovementRequest request, string actor, CancellationToken ct)
    {
        var now = tx.Clock.GetUtcNow();
        var v = new List<Violation>();
        if (string.IsNullOrWhiteSpace(request.Plant))
            v.Add(new Violation("/plant", "field.required", "A fallback movement names the plant."));
        if (string.IsNullOrWhiteSpace(request.Item))
            v.Add(new Violation("/item", "field.required", "A fallback movement names the item."));
        if (request.ToLocation is null)
            v.Add(new Violation("/toLocation", "field.required", "A fallback movement names the location (or bin) the stock went to."));
        if (request.Quantity is null)
            v.Add(new Violation("/quantity", "field.required", "A fallback movement needs a quantity {value, unit}."));
        else if (request.Quantity.Value <= 0)
            v.Add(new Violation("/quantity/value", "quantity.positive", $"Quantity must be greater than 0; got {request.Quantity.Value}."));
        var window = FallbackRecord.Check(request.OccurredAt, request.WindowMinutes, request.Reason, now, "A fallback movement says when the stock moved", v);
        if (v.Count > 0)
            return v.ToArray();

        var view = await masterData.LoadAsync(tx, [request.Plant!], [], [], ct);
        if (view.Plant(request.Plant!) is not { } plant)
            return new Violation("/plant", "plant.unknown", $"Plant '{request.Plant}' does not exist.");
        var time = request.OccurredAt!.Value;
        var (location, lot, status) = (request.Location ?? "", request.Lot ?? "", request.Status ?? StockStatus.Unrestricted);
        var line = new MovementLine(MovementKind.Transfer, request.Item!, request.Quantity!.Value, location, lot, status, request.ToLocation, null, null, null, "", request.Quantity.Unit);
        var id = Uuid7.New(now).ToString();
        var posted = await posting.PostAsync(tx, new MovementDocument(plant.Code, plant.DateOf(time), EventTypes.StockMoved, id, MovementFallbacks.Origin, time, [line], "/occurredAt"), ct);
        if (posted.IsRejected)
            return Outcome<FallbackMovementRecorded>.FromViolations(posted.Violations);
        var unit = (await masterData.LoadAsync(tx, [], [request.Item!], [], ct)).Item(request.Item!)!.BaseUnit.Code;
        tx.Stage(
            "INSERT INTO inventory_fallback_movement (id, plant, item, location, to_location, lot, status, unit, document, occurred_at_us, window_minutes, recorded_by, recorded_at_us, reason, open, quantity_e6) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15)",
            id, plant.Code, request.Item, location, request.ToLocation, lot, status, unit, posted.Value.Document, time.ToUnixMicroseconds(), (long)window, actor, now.ToUnixMicroseconds(),
            request.Reason!.Trim(), Fixed.ToE6(posted.Value.Quantity));
        return new FallbackMovementRecorded(new FallbackMovementView(id, plant.Code, request.Item!, location, request.ToLocation!, lot, status, unit, posted.Value.Document, time, window, actor, now,
            request.Reason.Trim(), "waiting", posted.Value.Quantity, 0m, 0m, []), posted.Value);
    }

    public async Task<FallbackMovementReport> ReportAsync(StoreTransaction tx, string? plant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var now = tx.Clock.GetUtcNow();
        var entries = new List<FallbackMovementView>();
        var matches = new Dictionary<string, List<MovementFallbackMatch>>(StringComparer.Ordinal);
        await using (var r = await tx.Command(
            "SELECT id, plant, item, location, to_location, lot, status, unit, document, occurred_at_us, window_minutes, recorded_by, recorded_at_us, reason, quantity_e6, matched_e6, extra_e6 FROM inventory_fallback_movement WHERE ($1 = '' OR plant = $1) AND occurred_at_us >= $2 AND occurred_at_us < $3 ORDER BY occurred_at_us, id",
            plant ?? "", (from ?? DateTimeOffset.UnixEpoch).ToUnixMicroseconds(), (to ?? DateTimeOffset.MaxValue.AddYears(-1)).ToUnixMicroseconds()).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var id = r.GetString(0);
                var list = matches[id] = [];
                var (recorded, matched, applied) = (Fixed.FromE6(r.GetInt64(14)), Fixed.FromE6(r.GetInt64(15)), Fixed.FromE6(r.GetInt64(16)));
                var occurred = Instants.FromUnixMicroseconds(r.GetInt64(9));
                var window = (int)r.GetInt64(10);
                entries.Add(new FallbackMovementView(id, r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), r.GetString(8),
                    occurred, window, r.GetString(11), Instants.FromUnixMicroseconds(r.GetInt64(12)), r.GetString(13),
                    MovementFallbacks.StatusOf(recorded, matched, applied, occurred, window, now), recorded, matched, applied, list));
            }
        }

        if (entries.Count > 0)
        {
            var (idIn, idArg) = SqlList.In(tx, "entry_id", matches.Keys);
            await using var r = await tx.Command(
                $"SELECT entry_id, source_type, source_id, document, event_time_us, reported_e6, covered_e6, extra_e6 FROM inventory_fallback_movement_match WHERE {idIn} ORDER BY matched_at_us, id", idArg).ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                matches[r.GetString(0)].Add(new MovementFallbackMatch(r.GetString(1), r.GetString(2), r.GetString(3), Instants.FromUnixMicroseconds(r.GetInt64(4)),
                    Fixed.FromE6(r.GetInt64(5)), Fixed.FromE6(r.GetInt64(6)), Fixed.FromE6(r.GetInt64(7))));
            }
        }

        var counts = MovementFallbacks.Statuses.ToDictionary(s => s, s => entries.Count(x => x.Reconciliation == s), StringComparer.Ordinal);
        return new FallbackMovementReport(now, counts, entries);
    }

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/fallback/stock-movements", async (HttpContext http, StockFallback fallback, TaktStore store, TimeProvider clock, FallbackMovementRequest? body, CancellationToken ct) =>
            {
                var actor = http.User.FindFirst("client_id")?.Value ?? "unknown";
                var recorded = await InventoryHttp.WriteAsync(store, clock, tx => fallback.RecordAsync(tx, body ?? new FallbackMovementRequest(), actor, ct), ct);
                if (!recorded.IsRejected)
                    return Results.Json(recorded.Value, Problem.Json, statusCode: StatusCodes.Status201Created);
                // As the other fallback records: every refusal is a broken rule (422), a missing field included.
                var problem = Problem.RuleViolated(recorded.Violations);
                return Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);
            })
            .WithName("RecordFallbackStockMovement")
            .WithTags("Operations")
            .WithSummary("Manual fallback: record a stock transfer (item, from and to location or bin, quantity) by hand while the WMS is down; it moves stock at once and the WMS's own confirmation of the same move later moves only the difference.");
        api.MapGet("/fallback/stock-movements", async (StockFallback fallback, TaktStore store, TimeProvider clock, string? plant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
                Results.Json(await store.ReadAsync(clock, tx => fallback.ReportAsync(tx, plant, from, to, ct), ct), Problem.Json))
            .WithName("FallbackStockMovementReconciliation")
            .WithTags("Operations")
            .WithSummary("The reconciliation of hand-recorded stock transfers with the WMS's movements: waiting, matched, difference-applied, conflicting, unmatched, with each match.");
    }
}
