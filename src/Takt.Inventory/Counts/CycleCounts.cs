using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Inventory.Stock;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Inventory.Counts;

/// <summary><c>POST /api/v1/inventory/counts</c>: count one storage location, or every bin of the items of an ABC class.</summary>
/// <remarks>AbcClass: A, B or C; an item's class is set per plant, or else follows its share of the plant's stock value (A: the first 80 %, B: the next 15 %, C: the rest).</remarks>
public sealed record CountRequest(string? Plant, string? Location = null, string? AbcClass = null);

public sealed record CountedLine(int Line, QuantityValue? Quantity);

public sealed record CountResults(IReadOnlyList<CountedLine>? Lines);

/// <summary>A line of a count document.</summary>
/// <remarks>Status: open, no-difference, posted, awaiting-approval, rejected.</remarks>
public sealed record CountLineView(int Line, string Item, string Location, string Lot, decimal Book, decimal? Counted, decimal? DifferenceValue, bool? WithinTolerance, string Status, string? ApprovalRequest, string? Movement);

public sealed record CountView(string Id, string Plant, string Selection, string Status, IReadOnlyList<CountLineView> Lines);

/// <summary>KPI inventory accuracy (DESIGN §5): counted lines within tolerance ÷ counted lines.</summary>
public sealed record InventoryAccuracy(string Plant, long CountedLines, long WithinTolerance, double Accuracy);

/// <summary>
/// Cycle counts: a document lists the bins to count with their book quantity; counted quantities come from a
/// person (API) or the WMS. A difference within the item class's tolerance posts at once; one outside it posts at
/// once when its value is at most the plant's approval threshold, and otherwise asks for approval through the
/// <c>stock-adjustment-approval</c> standard flow (<c>takt.inventory.stock-adjustment-requested.v1</c>) and posts
/// only when the flow approves it (DESIGN §3).
/// </summary>
internal sealed class CycleCounts(IMasterData masterData, StockPosting posting, Outbox outbox)
{
    public async Task<Outcome<CountView>> CreateAsync(StoreTransaction tx, CountRequest request, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Plant))
            return new Violation("/plant", "plant.required", "Name the plant.");
        if ((request.Location is null) == (request.AbcClass is null))
            return new Violation("/location", "count.selection-required", "Count either a location or an ABC class.");
        if (request.AbcClass is not (null or "A" or "B" or "C"))
            return new Violation("/abcClass", "count.abc-class-unknown", "abcClass is A, B or C.");
        if ((await masterData.LoadAsync(tx, [request.Plant], [], [], ct)).Plant(request.Plant) is null)
            return new Violation("/plant", "plant.unknown", $"Plant '{request.Plant}' does not exist.");

        var bins = new List<(string Item, string Location, string Lot, long Quantity, long Value)>();
        await using (var reader = await tx.Command("SELECT item, location, lot, CAST(SUM(quantity_e6) AS bigint), CAST(SUM(value_e4) AS bigint) FROM inventory_bin WHERE plant = $1 AND location <> '' GROUP BY item, location, lot", request.Plant).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                bins.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        List<(string Item, string Location, string Lot, long Quantity, long Value)> selected;
        if (request.Location is { } location)
        {
            var exists = false;
            await using (var reader = await tx.Command("SELECT 1 FROM inventory_location WHERE plant = $1 AND code = $2", request.Plant, location).ExecuteReaderAsync(ct))
                exists = await reader.ReadAsync(ct);
            if (!exists)
                return new Violation("/location", "location.unknown", $"Storage location '{location}' does not exist at plant {request.Plant}.");
            selected = [.. bins.Where(b => b.Location == location && b.Quantity != 0)];
        }
        else
        {
            var classes = await AbcAsync(tx, request.Plant, bins, ct);
            selected = [.. bins.Where(b => b.Quantity != 0 && classes.GetValueOrDefault(b.Item) == request.AbcClass)];
        }

        var id = "CC-" + Uuid7.New(tx.Clock.GetUtcNow()).ToString("N")[..20];
        var selection = request.Location is { } l ? "location:" + l : "abc:" + request.AbcClass;
        tx.Stage("INSERT INTO inventory_count (id, plant, selection, status, created_at_us) VALUES ($1, $2, $3, 'open', $4)", id, request.Plant, selection, tx.Clock.GetUtcNow().ToUnixMicroseconds());
        var lineNo = 0;
        foreach (var b in selected.OrderBy(b => b.Location, StringComparer.Ordinal).ThenBy(b => b.Item, StringComparer.Ordinal).ThenBy(b => b.Lot, StringComparer.Ordinal))
        {
            tx.Stage("INSERT INTO inventory_count_line (count_id, line_no, item, location, lot, book_e6, status) VALUES ($1, $2, $3, $4, $5, $6, 'open')",
                id, (long)++lineNo, b.Item, b.Location, b.Lot, b.Quantity);
        }

        await tx.FlushAsync(ct);
        return (await CountAsync(tx, id, ct))!;
    }

    /// <summary>An item's ABC class: the plant's setting, else its share of the plant's stock value.</summary>
    private static async Task<Dictionary<string, string>> AbcAsync(StoreTransaction tx, string plant, List<(string Item, string Location, string Lot, long Quantity, long Value)> bins, CancellationToken ct)
    {
        var byValue = bins.GroupBy(b => b.Item, StringComparer.Ordinal).Select(g => (Item: g.Key, Value: g.Sum(b => b.Value))).OrderByDescending(i => i.Value).ThenBy(i => i.Item, StringComparer.Ordinal).ToList();
        var total = Math.Max(1, byValue.Sum(i => i.Value));
        var classes = new Dictionary<string, string>(StringComparer.Ordinal);
        long running = 0;
        foreach (var (item, value) in byValue)
        {
            classes[item] = running * 100 < total * 80 ? "A" : running * 100 < total * 95 ? "B" : "C";
            running += value;
        }

        await using var reader = await tx.Command("SELECT item, abc FROM inventory_abc_class WHERE plant = $1", plant).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            classes[reader.GetString(0)] = reader.GetString(1);
        return classes;
    }

    public async Task<Outcome<CountView>> RecordAsync(StoreTransaction tx, string countId, CountResults results, string source, CancellationToken ct)
    {
        var count = await CountAsync(tx, countId, ct);
        if (count is null)
            return new Violation("/id", "count.unknown", $"No count '{countId}'.");
        if (results.Lines is not { Count: > 0 })
            return new Violation("/lines", "count.lines-required", "Give counted lines.");
        var items = count.Lines.Select(l => l.Item).Distinct(StringComparer.Ordinal).ToList();
        var context = await posting.OpenAsync(tx, [.. items.Select(i => (count.Plant, i))], ct, transfers: false); // adjustments only
        var tolerances = await TolerancesAsync(tx, ct);
        var violations = new List<Violation>();
        var planned = new List<(CountLineView Line, decimal Counted)>();
        for (var i = 0; i < results.Lines.Count; i++)
        {
            var r = results.Lines[i];
            if (count.Lines.FirstOrDefault(l => l.Line == r.Line) is not { } line)
            {
                violations.Add(new Violation($"/lines/{i}/line", "count.line-unknown", $"Count {countId} has no line {r.Line}."));
                continue;
            }

            if (line.Status != "open")
            {
                violations.Add(new Violation($"/lines/{i}/line", "count.line-counted", $"Line {r.Line} of count {countId} is {line.Status} already."));
                continue;
            }

            var item = context.View.Item(line.Item)!;
            if (r.Quantity is { Value: 0 } zero)
                planned.Add((line, 0m));
            else if (QuantityInput.Convert(r.Quantity, item.BaseUnit, $"/lines/{i}/quantity", violations) is { } counted)
                planned.Add((line, counted));
        }

        if (violations.Count > 0)
            return violations.ToArray();

        var now = tx.Clock.GetUtcNow();
        foreach (var (line, counted) in planned)
        {
            var settled = Settle(tx, context, tolerances, count.Plant, countId, line, counted, source, now);
            if (settled.IsRejected)
                return Outcome<CountView>.FromViolations([.. settled.Violations.Select(v => v with { Field = $"/lines/{planned.FindIndex(p => p.Line.Line == line.Line)}{(v.Field == "/lines/0/quantity" ? "/quantity" : "")}" })]);
            StageCounted(tx, countId, line, settled.Value);
        }

        await tx.FlushAsync(ct);
        var open = 0L;
        await using (var reader = await tx.Command("SELECT COUNT(*) FROM inventory_count_line WHERE count_id = $1 AND status = 'open'", countId).ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            open = reader.GetInt64(0);
        }

        if (open == 0)
            await tx.ExecuteAsync("UPDATE inventory_count SET status = 'completed' WHERE id = $1", ct, countId);
        return (await CountAsync(tx, countId, ct))!;
    }

    /// <summary>Counting tolerances per item class (percent of the book quantity, value).</summary>
    internal static async Task<Dictionary<string, (decimal Percent, decimal Value)>> TolerancesAsync(StoreTransaction tx, CancellationToken ct)
    {
        var tolerances = new Dictionary<string, (decimal Percent, decimal Value)>(StringComparer.Ordinal);
        await using var reader = await tx.Command("SELECT item_class, percent_e4, value_e4 FROM inventory_count_tolerance").ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            tolerances[reader.GetString(0)] = (Fixed.FromE4(reader.GetInt64(1)), Fixed.FromE4(reader.GetInt64(2)));
        return tolerances;
    }

    /// <summary>What counting a line decided: the counted quantity, the difference's signed value, whether within tolerance, the line's status, the approval request or the adjustment's movement.</summary>
    internal sealed record Settled(decimal Counted, decimal DifferenceValue, bool Within, string Status, string? Request, string? Movement, DateTimeOffset At, PostedDocument? Posted = null);

    /// <summary>
    /// Settles a counted line in the caller's transaction (the context holds the stock lock of its item): no difference;
    /// within tolerance or at most the plant's approval threshold, the adjustment posts; above it, a stock-adjustment
    /// request goes to the approval flow. The caller stages the line (<see cref="StageCounted"/>).
    /// </summary>
    internal Outcome<Settled> Settle(StoreTransaction tx, StockContext context, IReadOnlyDictionary<string, (decimal Percent, decimal Value)> tolerances, string plantCode,
        string countId, CountLineView line, decimal counted, string source, DateTimeOffset now)
    {
        var plant = context.View.Plant(plantCode)!;
        var book = context.Book(plantCode)!;
        var item = context.View.Item(line.Item)!;
        var difference = counted - line.Book;
        var cost = context.View.StandardCost(plantCode, line.Item) ?? 0m;
        var value = new Money(Math.Abs(cost * difference), plant.Company.Currency).RoundToMinorUnits().Amount;
        var (percent, valueTolerance) = tolerances.GetValueOrDefault(item.ItemClass);
        var within = Math.Abs(difference) <= Math.Abs(line.Book) * percent / 100m || value <= valueTolerance;
        if (difference == 0)
            return new Settled(counted, 0m, within, "no-difference", null, null, now);
        if (within || value <= book.AdjustmentThreshold)
        {
            var posted = posting.Post(tx, context, Adjustment(plantCode, line, difference, source, now));
            if (posted.IsRejected)
                return Outcome<Settled>.FromViolations(posted.Violations);
            return new Settled(counted, difference < 0 ? -value : value, within, "posted", null, posted.Value.Movements[0], now, posted.Value);
        }

        var request = $"CL-{countId}-{line.Line}";
        var data = new StockAdjustmentRequested(request, plantCode, line.Item, line.Location, line.Lot.Length == 0 ? null : line.Lot, new QuantityValue(difference, item.BaseUnit.Code),
            new MoneyValue(value, plant.Company.Currency.Code), "INV-" + plantCode, "cycle-count");
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.StockAdjustmentRequested, AdjustmentApprovals.SourcePrefix + request, request, plantCode, now,
            JsonSerializer.Serialize(data, EventJson.Default.StockAdjustmentRequested)));
        return new Settled(counted, difference < 0 ? -value : value, within, "awaiting-approval", request, null, now);
    }

    /// <summary>Stages a settled line of an existing count document.</summary>
    internal static void StageCounted(StoreTransaction tx, string countId, CountLineView line, Settled s) =>
        tx.Stage(
            "UPDATE inventory_count_line SET counted_e6 = $1, difference_value_e4 = $2, within_tolerance = $3, status = $4, approval_request = $5, movement_id = $6, counted_at_us = $7 WHERE count_id = $8 AND line_no = $9",
            Fixed.ToE6(s.Counted), Fixed.ToE4(s.DifferenceValue), s.Within ? 1L : 0L, s.Status, s.Request, s.Movement, s.At.ToUnixMicroseconds(), countId, (long)line.Line);

    internal static MovementDocument Adjustment(string plant, CountLineView line, decimal difference, string source, DateTimeOffset now) =>
        new(plant, null, EventTypes.StockMoved, Uuid7.New(now).ToString(), source, now,
            [new MovementLine(MovementKind.Adjustment, line.Item, difference, line.Location, line.Lot, StockStatus.Unrestricted, null, null, null, null, "/lines/0")]);

    public static async Task<CountView?> CountAsync(StoreTransaction tx, string id, CancellationToken ct)
    {
        CountView? head = null;
        await using (var reader = await tx.Command("SELECT id, plant, selection, status FROM inventory_count WHERE id = $1", id).ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
                head = new CountView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), []);
        }

        if (head is null)
            return null;
        var lines = new List<CountLineView>();
        await using (var reader = await tx.Command("SELECT line_no, item, location, lot, book_e6, counted_e6, difference_value_e4, within_tolerance, status, approval_request, movement_id FROM inventory_count_line WHERE count_id = $1 ORDER BY line_no", id).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                lines.Add(new CountLineView((int)reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Fixed.FromE6(reader.GetInt64(4)),
                    reader.IsDBNull(5) ? null : Fixed.FromE6(reader.GetInt64(5)), reader.IsDBNull(6) ? null : Fixed.FromE4(reader.GetInt64(6)),
                    reader.IsDBNull(7) ? null : reader.GetInt64(7) != 0, reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10)));
            }
        }

        return head with { Lines = lines };
    }
}
