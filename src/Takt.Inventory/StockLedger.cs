using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Inventory;

internal sealed class StockLedger : IInventory
{
    public StockMovementId Stage(StoreTransaction transaction, StockMovementDraft movement)
    {
        var id = StockMovementId.New(transaction.Clock);
        var quantity = Fixed.ToE6(movement.Quantity.Value);
        var value = Fixed.ToE4(movement.Value.Amount);
        transaction.Stage(
            "INSERT INTO inventory_movement (id, movement_type, plant, item, quantity_e6, unit, value_e4, currency, order_number, journal_entry_id, posting_date, source_event_id, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            id.ToString(), movement.MovementType, movement.Plant, movement.Item, quantity, movement.Quantity.Unit.Code, value,
            movement.Value.Currency.Code, movement.Order, movement.JournalEntry?.ToString(), movement.PostingDate.ToDateKey(),
            movement.SourceEventId, transaction.Clock.GetUtcNow().ToUnixMicroseconds());
        // Integer deltas add exactly on both engines, and concurrent writers on PostgreSQL serialize on the row.
        transaction.Stage(
            "INSERT INTO inventory_stock (plant, item, quantity_e6, value_e4) VALUES ($1, $2, $3, $4) ON CONFLICT (plant, item) DO UPDATE SET quantity_e6 = inventory_stock.quantity_e6 + excluded.quantity_e6, value_e4 = inventory_stock.value_e4 + excluded.value_e4",
            movement.Plant, movement.Item, quantity, value);
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
}
