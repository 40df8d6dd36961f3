using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Inventory;

internal sealed class StockLedger : IInventory
{
    internal const string StockUpsert =
        "INSERT INTO inventory_stock (plant, item, quantity_e6, value_e4) VALUES ($1, $2, $3, $4) ON CONFLICT (plant, item) DO UPDATE SET quantity_e6 = inventory_stock.quantity_e6 + excluded.quantity_e6, value_e4 = inventory_stock.value_e4 + excluded.value_e4";

    internal const string BinUpsert =
        "INSERT INTO inventory_bin (plant, item, location, lot, status, quantity_e6, value_e4) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (plant, item, location, lot, status) DO UPDATE SET quantity_e6 = inventory_bin.quantity_e6 + excluded.quantity_e6, value_e4 = inventory_bin.value_e4 + excluded.value_e4";

    public StockMovementId Stage(StoreTransaction transaction, StockMovementDraft movement)
    {
        var id = StockMovementId.New(transaction.Clock);
        var quantity = Fixed.ToE6(movement.Quantity.Value);
        var value = Fixed.ToE4(movement.Value.Amount);
        transaction.Stage(
            "INSERT INTO inventory_movement (id, movement_type, plant, item, quantity_e6, unit, value_e4, currency, order_number, journal_entry_id, posting_date, source_event_id, created_at_us, location, lot, status, document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            id.ToString(), movement.MovementType, movement.Plant, movement.Item, quantity, movement.Quantity.Unit.Code, value,
            movement.Value.Currency.Code, movement.Order, movement.JournalEntry?.ToString(), movement.PostingDate.ToDateKey(),
            movement.SourceEventId, transaction.Clock.GetUtcNow().ToUnixMicroseconds(), movement.Location, movement.Lot, movement.Status, movement.Document);
        // Integer deltas add exactly on both engines; one upsert per key and transaction (a batch of issues of one
        // component writes its stock rows once), and concurrent writers on PostgreSQL serialize on the row.
        transaction.AddTo(StockUpsert, [movement.Plant, movement.Item], quantity, value);
        transaction.AddTo(BinUpsert, [movement.Plant, movement.Item, movement.Location, movement.Lot, movement.Status], quantity, value);
        return id;
    }

    public async Task<IReadOnlyList<StockBalance>> StockAsync(TaktStore store, string? plant, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Plant, string Item, long Quantity, long Value)>(new CommandDefinition(
            "SELECT plant, item, quantity_e6, value_e4 FROM inventory_stock WHERE CAST(@plant AS text) IS NULL OR plant = @plant ORDER BY plant, item",
            new { plant }, cancellationToken: ct));
        return [.. rows.Select(r => new StockBalance(r.Plant, r.Item, Fixed.FromE6(r.Quantity), Fixed.FromE4(r.Value)))];
    }

    public async Task<IReadOnlyList<BinBalance>> BinsAsync(TaktStore store, string? plant, string? item, DateOnly? asOf, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        // As of a date: replayed from the movements posted up to that date (the movements are the history; the bin
        // rows are their running total).
        var sql = asOf is null
            ? "SELECT plant, item, location, lot, status, quantity_e6, value_e4 FROM inventory_bin WHERE (CAST(@plant AS text) IS NULL OR plant = @plant) AND (CAST(@item AS text) IS NULL OR item = @item) AND (quantity_e6 <> 0 OR value_e4 <> 0) ORDER BY plant, item, location, lot, status"
            : "SELECT plant, item, location, lot, status, CAST(SUM(quantity_e6) AS bigint), CAST(SUM(value_e4) AS bigint) FROM inventory_movement WHERE (CAST(@plant AS text) IS NULL OR plant = @plant) AND (CAST(@item AS text) IS NULL OR item = @item) AND posting_date <= @date GROUP BY plant, item, location, lot, status HAVING SUM(quantity_e6) <> 0 OR SUM(value_e4) <> 0 ORDER BY plant, item, location, lot, status";
        var rows = await connection.QueryAsync<(string Plant, string Item, string Location, string Lot, string Status, long Quantity, long Value)>(new CommandDefinition(
            sql, new { plant, item, date = (long)(asOf?.ToDateKey() ?? 0) }, cancellationToken: ct));
        return [.. rows.Select(r => new BinBalance(r.Plant, r.Item, r.Location, r.Lot, r.Status, Fixed.FromE6(r.Quantity), Fixed.FromE4(r.Value)))];
    }
}
