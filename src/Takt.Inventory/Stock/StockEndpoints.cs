using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Inventory.Stock;

/// <summary>A line of <c>POST /api/v1/stock/movements</c>.</summary>
/// <remarks>Kind: receipt | issue | transfer | status-change | adjustment | return.</remarks>
/// <remarks>Quantity: Greater than 0 (adjustments: signed, not 0), in a unit convertible to the item's base unit.</remarks>
/// <remarks>Location: Storage location (from); empty or absent: stock not put away to a location.</remarks>
/// <remarks>Status: unrestricted (default), quality-inspection or blocked.</remarks>
/// <remarks>ToLocation: Transfers: the location the stock goes to.</remarks>
/// <remarks>ToLot: Transfers: another lot (re-labelling), if any.</remarks>
/// <remarks>ToStatus: Status changes: the new status.</remarks>
/// <remarks>Order: Production order the movement is for, if any.</remarks>
public sealed record MovementLineRequest(string? Kind, string? Item, QuantityValue? Quantity, string? Location = null, string? Lot = null, string? Status = null, string? ToLocation = null, string? ToLot = null, string? ToStatus = null, string? Order = null);

/// <remarks>PostingDate: Posting date (plant time zone); absent: today at the plant.</remarks>
public sealed record MovementRequest(string? Plant, DateOnly? PostingDate, IReadOnlyList<MovementLineRequest>? Lines);

/// <summary>Per-plant inventory settings.</summary>
/// <remarks>AllowNegativeStock: Whether stock may go below 0 (default false: movements that would are refused).</remarks>
/// <remarks>AdjustmentApprovalThreshold: Count differences above this value (company currency) wait for the stock-adjustment approval flow.</remarks>
/// <remarks>StagingLocation: Where picks for production orders go (production supply area).</remarks>
public sealed record InventorySettings(bool AllowNegativeStock, decimal AdjustmentApprovalThreshold, string StagingLocation);

public sealed record StorageLocationRequest(string? Name, bool WmsManaged = true);

public sealed record StorageLocation(string Plant, string Code, string Name, bool WmsManaged);

public sealed record MovementView(string Id, string Document, string MovementType, string Plant, string Item, string Location, string Lot, string Status, decimal Quantity, string Unit, decimal Value, string Currency, string? Order, string? JournalEntry, DateOnly PostingDate, string? SourceEventId);

internal static class StockEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/stock/movements", async (MovementRequest body, StockPosting posting, TaktStore store, TimeProvider clock, CancellationToken ct) =>
            {
                var document = Parse(body, clock);
                if (document.IsRejected)
                    return InventoryHttp.Answer(document);
                return InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => posting.PostAsync(tx, document.Value, ct), ct), StatusCodes.Status201Created);
            })
            .WithName("PostStockMovement")
            .WithSummary("Posts a material document (receipt, issue, transfer, status change, adjustment, return) with its journal entry in one transaction.");
        api.MapGet("/stock/bins", async (IInventory inventory, TaktStore store, string? plant, string? item, DateOnly? asOf, CancellationToken ct) =>
                Results.Ok(await inventory.BinsAsync(store, plant, item, asOf, ct)))
            .WithName("ListStockBins")
            .WithSummary("Stock per storage location, lot and status; ?asOf=yyyy-mm-dd replays the movements up to that posting date.");
        api.MapGet("/stock/movements", async (TaktStore store, string? plant, string? item, int? limit, CancellationToken ct) =>
                Results.Ok(await MovementsAsync(store, plant, item, Math.Clamp(limit ?? 1000, 1, 100_000), ct)))
            .WithName("ListStockMovements")
            .WithSummary("Stock movements in the order they were posted.");
        api.MapPut("/inventory/plants/{plant}/settings", async (string plant, InventorySettings body, IMasterData masterData, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => SaveSettingsAsync(tx, masterData, plant, body, ct), ct)))
            .WithName("SetInventorySettings")
            .WithSummary("Per-plant inventory settings: negative stock, adjustment approval threshold, staging location.");
        api.MapPut("/inventory/plants/{plant}/locations/{code}", async (string plant, string code, StorageLocationRequest body, IMasterData masterData, TaktStore store, TimeProvider clock, CancellationToken ct) =>
                InventoryHttp.Answer(await InventoryHttp.WriteAsync(store, clock, tx => SaveLocationAsync(tx, masterData, plant, code, body, ct), ct)))
            .WithName("SaveStorageLocation")
            .WithSummary("Creates or renames a storage location of a plant.");
        api.MapGet("/inventory/plants/{plant}/locations", async (string plant, TaktStore store, CancellationToken ct) =>
            {
                await using var connection = await store.OpenConnectionAsync(ct);
                var rows = await connection.QueryAsync<(string Plant, string Code, string Name, long Wms)>(new CommandDefinition(
                    "SELECT plant, code, name, wms_managed FROM inventory_location WHERE plant = @plant ORDER BY code", new { plant }, cancellationToken: ct));
                return Results.Ok(rows.Select(r => new StorageLocation(r.Plant, r.Code, r.Name, r.Wms != 0)));
            })
            .WithName("ListStorageLocations")
            .WithSummary("A plant's storage locations.");
    }

    internal static Outcome<MovementDocument> Parse(MovementRequest body, TimeProvider clock)
    {
        var violations = new List<Violation>();
        if (string.IsNullOrWhiteSpace(body.Plant))
            violations.Add(new Violation("/plant", "plant.required", "Name the plant."));
        if (body.Lines is not { Count: > 0 })
            violations.Add(new Violation("/lines", "movement.lines-required", "A material document has at least one line."));
        var lines = new List<MovementLine>();
        for (var i = 0; i < (body.Lines?.Count ?? 0); i++)
        {
            var l = body.Lines![i];
            var field = $"/lines/{i}";
            if (string.IsNullOrWhiteSpace(l.Kind))
                violations.Add(new Violation(field + "/kind", "movement.kind-required", "Give the kind: " + string.Join(", ", MovementKind.All) + "."));
            if (string.IsNullOrWhiteSpace(l.Item))
                violations.Add(new Violation(field + "/item", "item.required", "Name the item."));
            if (l.Quantity is null)
                violations.Add(new Violation(field + "/quantity", "quantity.required", "A quantity {value, unit} is required."));
            else if (l.Kind == MovementKind.Adjustment ? l.Quantity.Value == 0 : l.Quantity.Value <= 0)
                violations.Add(new Violation(field + "/quantity/value", l.Kind == MovementKind.Adjustment ? "quantity.non-zero" : "quantity.positive",
                    l.Kind == MovementKind.Adjustment ? "An adjustment's quantity is not 0 (negative takes stock away)." : $"Quantity must be greater than 0; got {l.Quantity.Value}."));
            lines.Add(new MovementLine(l.Kind ?? "", l.Item ?? "", l.Quantity?.Value ?? 0, l.Location ?? "", l.Lot ?? "", l.Status ?? StockStatus.Unrestricted, l.ToLocation, l.ToLot, l.ToStatus, l.Order, field, l.Quantity?.Unit));
        }

        if (violations.Count > 0)
            return violations.ToArray();
        var id = Uuid7.New(clock.GetUtcNow()).ToString();
        return new MovementDocument(body.Plant!, body.PostingDate, EventTypes.StockMoved, id, "/takt/inventory/api", clock.GetUtcNow(), lines);
    }

    private static async Task<Outcome<InventorySettings>> SaveSettingsAsync(StoreTransaction tx, IMasterData masterData, string plant, InventorySettings body, CancellationToken ct)
    {
        if ((await masterData.LoadAsync(tx, [plant], [], [], ct)).Plant(plant) is null)
            return new Violation("/plant", "plant.unknown", $"Plant '{plant}' does not exist.");
        if (body.AdjustmentApprovalThreshold < 0 || !Fixed.FitsE6(body.AdjustmentApprovalThreshold))
            return new Violation("/adjustmentApprovalThreshold", "amount.non-negative", "The threshold is 0 or more.");
        if (string.IsNullOrWhiteSpace(body.StagingLocation))
            return new Violation("/stagingLocation", "location.required", "Name the staging location.");
        await tx.ExecuteAsync(
            "INSERT INTO inventory_plant_setting (plant, allow_negative, adjustment_threshold_e4, staging_location) VALUES ($1, $2, $3, $4) ON CONFLICT (plant) DO UPDATE SET allow_negative = excluded.allow_negative, adjustment_threshold_e4 = excluded.adjustment_threshold_e4, staging_location = excluded.staging_location",
            ct, plant, body.AllowNegativeStock ? 1L : 0L, Fixed.ToE4(body.AdjustmentApprovalThreshold), body.StagingLocation);
        return body;
    }

    internal static async Task<Outcome<StorageLocation>> SaveLocationAsync(StoreTransaction tx, IMasterData masterData, string plant, string code, StorageLocationRequest body, CancellationToken ct)
    {
        if ((await masterData.LoadAsync(tx, [plant], [], [], ct)).Plant(plant) is null)
            return new Violation("/plant", "plant.unknown", $"Plant '{plant}' does not exist.");
        if (code.Length is 0 or > 20 || !code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return new Violation("/code", "location.code-invalid", "A location code has 1–20 letters, digits, '-', '_' or '.'.");
        if (string.IsNullOrWhiteSpace(body.Name))
            return new Violation("/name", "location.name-required", "Name the location.");
        await tx.ExecuteAsync(
            "INSERT INTO inventory_location (plant, code, name, wms_managed) VALUES ($1, $2, $3, $4) ON CONFLICT (plant, code) DO UPDATE SET name = excluded.name, wms_managed = excluded.wms_managed",
            ct, plant, code, body.Name, body.WmsManaged ? 1L : 0L);
        return new StorageLocation(plant, code, body.Name, body.WmsManaged);
    }

    internal static async Task<IReadOnlyList<MovementView>> MovementsAsync(TaktStore store, string? plant, string? item, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Id, string Document, string Type, string Plant, string Item, string Location, string Lot, string Status, long Quantity, string Unit, long Value, string Currency, string? Order, string? Entry, long Date, string? Source)>(new CommandDefinition(
            $"SELECT id, COALESCE(document, id), movement_type, plant, item, location, lot, status, quantity_e6, unit, value_e4, currency, order_number, journal_entry_id, posting_date, source_event_id FROM inventory_movement WHERE (CAST(@plant AS text) IS NULL OR plant = @plant) AND (CAST(@item AS text) IS NULL OR item = @item) ORDER BY created_at_us, id LIMIT {limit}",
            new { plant, item }, cancellationToken: ct));
        return [.. rows.Select(r => new MovementView(r.Id, r.Document, r.Type, r.Plant, r.Item, r.Location, r.Lot, r.Status, Fixed.FromE6(r.Quantity), r.Unit, Fixed.FromE4(r.Value), r.Currency, r.Order, r.Entry, Instants.FromDateKey((int)r.Date), r.Source))];
    }
}
