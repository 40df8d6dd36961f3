using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Inventory.Reconciliation;
using Takt.Store;

namespace Takt.Inventory.Counts;

internal static class CountEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/inventory/counts", async (CountRequest body, CycleCounts counts, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => counts.CreateAsync(tx, body, ct), ct), StatusCodes.Status201Created))
            .WithName("CreateCycleCount")
            .WithSummary("Creates a cycle-count document for a storage location or an ABC class, with the book quantities.");
        api.MapGet("/inventory/counts/{id}", async (string id, TaktStore store, TimeProvider clock, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                return await CycleCounts.CountAsync(tx, id, ct) is { } found ? Results.Json(found, Takt.Integration.Gateway.Problem.Json)
                    : InventoryHttp.Answer(Outcome<CountView>.FromViolations([new Violation("/id", "count.unknown", $"No count '{id}'.")]));
            })
            .WithName("GetCycleCount")
            .WithSummary("A count document with its lines: book, counted, difference value, tolerance, status.");
        api.MapPost("/inventory/counts/{id}/results", async (string id, CountResults body, CycleCounts counts, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => counts.RecordAsync(tx, id, body, "/takt/inventory/counts", ct), ct)))
            .WithName("RecordCountResults")
            .WithSummary("Records counted quantities: within tolerance or the approval threshold they post; above it they wait for the stock-adjustment approval flow.");
        api.MapGet("/kpis/inventory-accuracy", async (TaktStore store, string? plant, CancellationToken ct) => Results.Ok(await AccuracyAsync(store, plant, ct)))
            .WithName("InventoryAccuracy")
            .WithSummary("KPI inventory accuracy (DESIGN §5): counted lines within tolerance ÷ counted lines, by plant.");
        api.MapPost("/inventory/reconciliations", async (StockSnapshot body, WmsReconciliation reconciliation, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => reconciliation.ReconcileAsync(tx, body, ct), ct), StatusCodes.Status201Created))
            .WithName("ReconcileWmsSnapshot")
            .WithSummary("Compares a WMS stock snapshot with Takt's stock at its time; in-flight movements explain timing differences, the rest are discrepancies with value.");
    }

    /// <summary>Inventory accuracy per plant over the lines counted in [from, to) (open ends: all).</summary>
    public static async Task<IReadOnlyList<InventoryAccuracy>> AccuracyAsync(TaktStore store, string? plant, CancellationToken ct, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Plant, long Counted, long Within)>(new CommandDefinition(
            "SELECT c.plant, COUNT(*), CAST(SUM(l.within_tolerance) AS bigint) FROM inventory_count_line l JOIN inventory_count c ON c.id = l.count_id WHERE l.counted_e6 IS NOT NULL AND (CAST(@plant AS text) IS NULL OR c.plant = @plant) AND COALESCE(l.counted_at_us, c.created_at_us) >= @from AND COALESCE(l.counted_at_us, c.created_at_us) < @to GROUP BY c.plant ORDER BY c.plant",
            new { plant, from = from?.ToUnixMicroseconds() ?? long.MinValue, to = to?.ToUnixMicroseconds() ?? long.MaxValue }, cancellationToken: ct));
        return [.. rows.Select(r => new InventoryAccuracy(r.Plant, r.Counted, r.Within, r.Counted == 0 ? 0 : Math.Round((double)r.Within / r.Counted, 4)))];
    }
}
