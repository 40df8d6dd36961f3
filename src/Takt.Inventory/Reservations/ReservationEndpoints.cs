using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Store;

namespace Takt.Inventory.Reservations;

public sealed record CancelRequest(string? Reason = null);

internal static class ReservationEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/reservations", async (ReservationRequest body, StockReservations reservations, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => reservations.ReserveAsync(tx, body, ct), ct), StatusCodes.Status201Created))
            .WithName("CreateReservation")
            .WithSummary("Reserves unrestricted, not yet reserved stock for a production order or an outbound delivery.");
        api.MapGet("/reservations/{id}", async (string id, TaktStore store, TimeProvider clock, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                return await StockReservations.ReservationAsync(tx, id, ct) is { } found ? Results.Json(found, Takt.Integration.Gateway.Problem.Json)
                    : InventoryHttp.Answer(Takt.Contracts.Outcome<ReservationView>.FromViolations([new Takt.Contracts.Violation("/id", "reservation.unknown", $"No reservation '{id}'.")]));
            })
            .WithName("GetReservation")
            .WithSummary("A reservation with its allocations.");
        api.MapGet("/reservations", async (TaktStore store, string? plant, string? item, CancellationToken ct) =>
            {
                await using var connection = await store.OpenConnectionAsync(ct);
                var rows = await connection.QueryAsync<(string Id, string Plant, string Item, string Kind, string Reference, long Quantity, long Picked, string Unit, long Date, string Status)>(new CommandDefinition(
                    "SELECT id, plant, item, kind, reference, quantity_e6, picked_e6, unit, requirement_date, status FROM inventory_reservation WHERE (CAST(@plant AS text) IS NULL OR plant = @plant) AND (CAST(@item AS text) IS NULL OR item = @item) ORDER BY id LIMIT 10000",
                    new { plant, item }, cancellationToken: ct));
                return Results.Ok(rows.Select(r => new ReservationView(r.Id, r.Plant, r.Item, r.Kind, r.Reference, Fixed.FromE6(r.Quantity), Fixed.FromE6(r.Picked), r.Unit, Instants.FromDateKey((int)r.Date), r.Status, [])));
            })
            .WithName("ListReservations")
            .WithSummary("Reservations of a plant (without their allocations).");
        api.MapPost("/reservations/{id}/allocations", async (string id, AllocationRequest body, StockReservations reservations, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => reservations.AllocateAsync(tx, id, body, ct), ct), StatusCodes.Status201Created))
            .WithName("AllocateReservation")
            .WithSummary("Allocates a reservation to a location and lot (or oldest lots first) and instructs the WMS to pick it.");
        api.MapPost("/reservations/{id}/cancel", async (string id, StockReservations reservations, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => reservations.CancelReservationAsync(tx, id, ct), ct)))
            .WithName("CancelReservation")
            .WithSummary("Cancels a reservation and withdraws its open pick instructions.");
        api.MapPost("/allocations/{id}/change", async (string id, AllocationChange body, StockReservations reservations, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => reservations.ChangeAsync(tx, id, body, ct), ct)))
            .WithName("ChangeAllocation")
            .WithSummary("Changes the quantity of an open pick instruction (the WMS receives the new version).");
        api.MapPost("/allocations/{id}/cancel", async (string id, CancelRequest? body, StockReservations reservations, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => reservations.CancelAllocationAsync(tx, id, body?.Reason ?? "Cancelled in Takt.", ct), ct)))
            .WithName("CancelAllocation")
            .WithSummary("Withdraws an open pick instruction (the WMS receives the cancellation).");
        api.MapGet("/stock/availability", async (TaktStore store, string? plant, string? item, DateOnly? date, IInventory inventory, TimeProvider clock, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(plant) || string.IsNullOrWhiteSpace(item) || date is null)
                    return InventoryHttp.Malformed(string.IsNullOrWhiteSpace(plant) ? "/query/plant" : string.IsNullOrWhiteSpace(item) ? "/query/item" : "/query/date", "availability.query-required", "Give ?plant=, ?item= and ?date=yyyy-mm-dd.");
                return Results.Ok(await AvailabilityAsync(store, inventory, plant, item, date.Value, ct));
            })
            .WithName("StockAvailability")
            .WithSummary("Availability on a date: on hand (as of the date) − reserved (needed by the date) − blocked and in quality inspection.");
    }

    internal static async Task<Availability> AvailabilityAsync(TaktStore store, IInventory inventory, string plant, string item, DateOnly date, CancellationToken ct)
    {
        var bins = await inventory.BinsAsync(store, plant, item, date, ct);
        await using var connection = await store.OpenConnectionAsync(ct);
        var reserved = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT CAST(SUM(quantity_e6 - picked_e6) AS bigint) FROM inventory_reservation WHERE plant = @plant AND item = @item AND status = 'open' AND requirement_date <= @date",
            new { plant, item, date = (long)date.ToDateKey() }, cancellationToken: ct)) ?? 0;
        var unit = await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT base_unit FROM masterdata_item WHERE number = @item", new { item }, cancellationToken: ct)) ?? "";
        var unrestricted = bins.Where(b => b.Status == StockStatus.Unrestricted).Sum(b => b.Quantity);
        var quality = bins.Where(b => b.Status == StockStatus.QualityInspection).Sum(b => b.Quantity);
        var blocked = bins.Where(b => b.Status == StockStatus.Blocked).Sum(b => b.Quantity);
        var reservedQuantity = Fixed.FromE6(reserved);
        return new Availability(plant, item, date, unrestricted + quality + blocked, unrestricted, quality, blocked, reservedQuantity, unrestricted - reservedQuantity, unit);
    }
}
