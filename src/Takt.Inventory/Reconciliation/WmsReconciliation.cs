using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Inventory.Reconciliation;

/// <summary>A line of a WMS stock snapshot: what the WMS holds of an item at a location and lot (base unit).</summary>
public sealed record SnapshotLine(string? Item, string? Location, string? Lot, decimal Quantity);

/// <summary><c>POST /api/v1/inventory/reconciliations</c>: the WMS's stock of a plant at an instant.</summary>
public sealed record StockSnapshot(string? Plant, DateTimeOffset? TakenAt, IReadOnlyList<SnapshotLine>? Lines);

/// <summary>A difference between the WMS and Takt at the snapshot's time that in-flight movements do not explain.</summary>
/// <remarks>Difference = WMS − Takt − explained; Value: the difference at standard cost (signed); Status: open until an adjustment settles it.</remarks>
public sealed record Discrepancy(string Id, string Item, string Location, string Lot, decimal Takt, decimal Wms, decimal InFlight, decimal Difference, decimal Value, string Status);

/// <summary>The result of a reconciliation.</summary>
/// <remarks>Timing: lines whose difference in-flight movements explain (confirmations Takt received after the snapshot, parked ones, open picks).</remarks>
public sealed record ReconciliationResult(string Id, string Plant, DateTimeOffset TakenAt, int Lines, int Matched, int Timing, int Discrepancies, decimal DiscrepancyValue, string Currency, IReadOnlyList<Discrepancy> Details, long ElapsedMs);

/// <summary>
/// Compares a WMS stock snapshot with Takt's stock at the snapshot's time (today's bins less what was posted after
/// it), explains differences by in-flight movements (WMS confirmations Takt applied after the snapshot, parked
/// confirmations, picks instructed but not yet confirmed) and raises a discrepancy exception with its value for the
/// rest. Each discrepancy asks for a WMS correction through the <c>stock-adjustment-approval</c> standard flow
/// (<c>takt.inventory.stock-adjustment-requested.v1</c>); it posts only when approved.
/// </summary>
internal sealed class WmsReconciliation(IMasterData masterData, Outbox outbox)
{
    public async Task<Outcome<ReconciliationResult>> ReconcileAsync(StoreTransaction tx, StockSnapshot snapshot, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var violations = new List<Violation>();
        if (string.IsNullOrWhiteSpace(snapshot.Plant))
            violations.Add(new Violation("/plant", "plant.required", "Name the plant."));
        if (snapshot.TakenAt is null)
            violations.Add(new Violation("/takenAt", "snapshot.time-required", "Give the instant the snapshot was taken (takenAt)."));
        if (snapshot.Lines is null)
            violations.Add(new Violation("/lines", "snapshot.lines-required", "Give the snapshot's lines (an empty list: the WMS holds nothing)."));
        if (violations.Count > 0)
            return violations.ToArray();
        var plant = snapshot.Plant!;
        var takenAt = snapshot.TakenAt!.Value;
        if (takenAt > tx.Clock.GetUtcNow())
            return new Violation("/takenAt", "snapshot.time-future", "A snapshot cannot be taken in the future.");

        var wms = new Dictionary<(string Item, string Location, string Lot), decimal>();
        for (var i = 0; i < snapshot.Lines!.Count; i++)
        {
            var line = snapshot.Lines[i];
            if (string.IsNullOrEmpty(line.Item) || string.IsNullOrEmpty(line.Location))
                violations.Add(new Violation($"/lines/{i}/{(string.IsNullOrEmpty(line.Item) ? "item" : "location")}", "snapshot.line-incomplete", "A line names an item and a location."));
            else if (line.Quantity < 0 || !Fixed.FitsE6(line.Quantity))
                violations.Add(new Violation($"/lines/{i}/quantity", "quantity.non-negative", "A snapshot quantity is 0 or more with at most 6 decimals."));
            else if (!wms.TryAdd((line.Item, line.Location, line.Lot ?? ""), line.Quantity))
                violations.Add(new Violation($"/lines/{i}", "snapshot.line-duplicate", $"{line.Item} at {line.Location}, lot '{line.Lot}' is on the snapshot twice."));
            if (violations.Count >= 20)
                break;
        }

        if (violations.Count > 0)
            return violations.ToArray();

        var view = await masterData.LoadAsync(tx, [plant], [], [], ct);
        if (view.Plant(plant) is not { } plantInfo)
            return new Violation("/plant", "plant.unknown", $"Plant '{plant}' does not exist.");
        var currency = plantInfo.Company.Currency;

        // Takt at the snapshot's time: today's bins (all statuses: the WMS holds blocked stock too) less what was
        // posted after it. Only storage locations count: stock without one is not in the warehouse.
        var takt = new Dictionary<(string, string, string), decimal>();
        await using (var reader = await tx.Command("SELECT item, location, lot, CAST(SUM(quantity_e6) AS bigint) FROM inventory_bin WHERE plant = $1 AND location <> '' GROUP BY item, location, lot", plant).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                takt[(reader.GetString(0), reader.GetString(1), reader.GetString(2))] = Fixed.FromE6(reader.GetInt64(3));
        }

        var explained = new Dictionary<(string, string, string), decimal>();
        await using (var reader = await tx.Command(
            "SELECT m.item, m.location, m.lot, m.quantity_e6, c.event_id FROM inventory_movement m LEFT JOIN inventory_wms_confirmation c ON c.event_id = m.source_event_id WHERE m.plant = $1 AND m.location <> '' AND m.created_at_us > $2",
            plant, takenAt.ToUnixMicroseconds()).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                var quantity = Fixed.FromE6(reader.GetInt64(3));
                takt[key] = takt.GetValueOrDefault(key) - quantity;
                // A WMS confirmation Takt applied after the snapshot: the WMS had done it already.
                if (!reader.IsDBNull(4))
                    explained[key] = explained.GetValueOrDefault(key) + quantity;
            }
        }

        // Parked confirmations: the WMS did them; Takt waits for their predecessor.
        var parked = await Wms.WmsConfirmations.ParkedAsync(tx, plant, ct);
        foreach (var (key, quantity) in parked)
            explained[key] = explained.GetValueOrDefault(key) + quantity;

        // Picks instructed and not yet confirmed: the WMS may have done any part of them.
        var open = new Dictionary<(string, string, string), (decimal Low, decimal High)>();
        await using (var reader = await tx.Command(
            "SELECT a.item, a.location, a.lot, a.quantity_e6 - a.picked_e6, r.kind, COALESCE(s.staging_location, 'PSA') FROM inventory_allocation a JOIN inventory_reservation r ON r.id = a.reservation_id LEFT JOIN inventory_plant_setting s ON s.plant = a.plant WHERE a.plant = $1 AND a.status = 'instructed'",
            plant).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var remaining = Fixed.FromE6(reader.GetInt64(3));
                var from = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                open[from] = (open.GetValueOrDefault(from).Low - remaining, open.GetValueOrDefault(from).High);
                if (reader.GetString(4) == "production-order")
                {
                    var to = (reader.GetString(0), reader.GetString(5), reader.GetString(2));
                    open[to] = (open.GetValueOrDefault(to).Low, open.GetValueOrDefault(to).High + remaining);
                }
            }
        }

        var items = wms.Keys.Select(k => k.Item).Concat(takt.Keys.Select(k => k.Item1)).Distinct(StringComparer.Ordinal).ToList();
        var costs = await masterData.LoadAsync(tx, [plant], items, [], ct);
        var id = "RC-" + Uuid7.New(tx.Clock.GetUtcNow()).ToString("N")[..20];
        var keys = wms.Keys.Select(k => (k.Item, k.Location, k.Lot)).Union(takt.Keys.Where(k => takt[k] != 0)).ToList();
        int matched = 0, timing = 0;
        var details = new List<Discrepancy>();
        var now = tx.Clock.GetUtcNow();
        foreach (var key in keys)
        {
            var (item, location, lot) = key;
            var theirs = wms.GetValueOrDefault((item, location, lot));
            var ours = takt.GetValueOrDefault(key);
            if (theirs == ours)
            {
                matched++;
                continue;
            }

            var inFlight = explained.GetValueOrDefault(key);
            var residual = theirs - ours - inFlight;
            var (low, high) = open.GetValueOrDefault(key);
            if (residual >= low && residual <= high)
            {
                timing++;
                continue;
            }

            var cost = costs.StandardCost(plant, item) ?? 0m;
            var value = new Money(cost * residual, currency).RoundToMinorUnits().Amount;
            var discrepancy = new Discrepancy("DS-" + Uuid7.New(now).ToString("N")[..20], item, location, lot, ours, theirs, inFlight, residual, value, "open");
            details.Add(discrepancy);
            tx.Stage(
                "INSERT INTO inventory_discrepancy (id, reconciliation_id, plant, item, location, lot, takt_e6, wms_e6, in_flight_e6, difference_e6, value_e4, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open')",
                discrepancy.Id, id, plant, item, location, lot, Fixed.ToE6(ours), Fixed.ToE6(theirs), Fixed.ToE6(inFlight), Fixed.ToE6(residual), Fixed.ToE4(value));
            var request = new StockAdjustmentRequested(discrepancy.Id, plant, item, location, lot.Length == 0 ? null : lot, new QuantityValue(residual, costs.Item(item)?.BaseUnit.Code ?? "H87"),
                new MoneyValue(Math.Abs(value), currency.Code), "WMS", "wms-reconciliation");
            outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.StockAdjustmentRequested, Counts.AdjustmentApprovals.SourcePrefix + discrepancy.Id, discrepancy.Id, plant, now,
                JsonSerializer.Serialize(request, EventJson.Default.StockAdjustmentRequested)));
        }

        var total = details.Sum(d => Math.Abs(d.Value));
        tx.Stage(
            "INSERT INTO inventory_reconciliation (id, plant, snapshot_at_us, lines, matched, timing, discrepancies, discrepancy_value_e4, currency, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            id, plant, takenAt.ToUnixMicroseconds(), (long)wms.Count, (long)matched, (long)timing, (long)details.Count, Fixed.ToE4(total), currency.Code, now.ToUnixMicroseconds());
        var elapsed = (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new ReconciliationResult(id, plant, takenAt, wms.Count, matched, timing, details.Count, total, currency.Code,
            [.. details.OrderBy(d => d.Item, StringComparer.Ordinal).ThenBy(d => d.Location, StringComparer.Ordinal).ThenBy(d => d.Lot, StringComparer.Ordinal)], elapsed);
    }
}
