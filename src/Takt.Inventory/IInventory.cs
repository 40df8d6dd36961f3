using Takt.Contracts;
using Takt.Store;

namespace Takt.Inventory;

/// <summary>A stock movement: signed quantity in the item's base unit, valued at standard.</summary>
/// <param name="MovementType"><c>goods-issue-to-order</c>, <c>goods-receipt-from-order</c> or <c>initial-stock</c>.</param>
/// <param name="Plant">Plant code.</param>
/// <param name="Item">Item number.</param>
/// <param name="Quantity">Signed quantity in the base unit (negative leaves stock).</param>
/// <param name="Value">Signed value at standard cost.</param>
/// <param name="Order">Production order, if any.</param>
/// <param name="JournalEntry">The entry that posts the movement's value; none when the value rounds to zero.</param>
/// <param name="PostingDate">Posting date (plant time zone).</param>
/// <param name="SourceEventId">The CloudEvents id of the cause, if any.</param>
/// <param name="Location">Storage location; empty when the stock is not yet put away to one (shop-floor events).</param>
/// <param name="Lot">Lot (batch); empty when the item is not lot-managed.</param>
/// <param name="Status">Stock status: <c>unrestricted</c> (default), <c>quality-inspection</c> or <c>blocked</c>.</param>
/// <param name="Document">The material document several lines share (a transfer's two sides), if any.</param>
public sealed record StockMovementDraft(
    string MovementType,
    string Plant,
    string Item,
    Quantity Quantity,
    Money Value,
    string? Order,
    JournalEntryId? JournalEntry,
    DateOnly PostingDate,
    string? SourceEventId,
    string Location = "",
    string Lot = "",
    string Status = StockStatus.Unrestricted,
    string? Document = null);

/// <summary>Stock statuses (DESIGN §1 Inventory): only unrestricted stock can be reserved, allocated and issued.</summary>
public static class StockStatus
{
    public const string Unrestricted = "unrestricted";
    public const string QualityInspection = "quality-inspection";
    public const string Blocked = "blocked";

    public static bool IsKnown(string? status) => status is Unrestricted or QualityInspection or Blocked;
}

/// <summary>Stock of one item at one storage location, lot and status.</summary>
public sealed record BinBalance(string Plant, string Item, string Location, string Lot, string Status, decimal Quantity, decimal Value);

public sealed record StockBalance(string Plant, string Item, decimal Quantity, decimal Value);

/// <summary>Stock and its movements.</summary>
public interface IInventory
{
    /// <summary>Stages the movement and the stock change in the caller's transaction.</summary>
    StockMovementId Stage(StoreTransaction transaction, StockMovementDraft movement);

    Task<IReadOnlyList<StockBalance>> StockAsync(TaktStore store, string? plant, CancellationToken ct);

    /// <summary>
    /// Stock per storage location, lot and status; with <paramref name="asOf"/>, as it was at the end of that posting
    /// date, replayed from the movements.
    /// </summary>
    Task<IReadOnlyList<BinBalance>> BinsAsync(TaktStore store, string? plant, string? item, DateOnly? asOf, CancellationToken ct);

    /// <summary>
    /// The orders that stock of some items went into at a plant by goods issue (<c>goods-issue-to-order</c>) at or
    /// after an instant, read inside the caller's transaction; in order-number order.
    /// </summary>
    async Task<IReadOnlyList<string>> IssuedToOrdersAsync(StoreTransaction transaction, string plant, IReadOnlyCollection<string> items, DateTimeOffset since, CancellationToken ct)
    {
        if (items.Count == 0)
            return [];
        var (itemIn, itemArg) = SqlList.In(transaction, "item", items, 3);
        var orders = new List<string>();
        await using var reader = await transaction.Command(
            $"SELECT DISTINCT order_number FROM inventory_movement WHERE plant = $1 AND created_at_us >= $2 AND movement_type = 'goods-issue-to-order' AND order_number IS NOT NULL AND {itemIn} ORDER BY order_number",
            plant, since.ToUnixMicroseconds(), itemArg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            orders.Add(reader.GetString(0));
        return orders;
    }

    /// <summary>
    /// Stock of some items at a plant read inside the caller's transaction (release checks, revaluation); items
    /// without stock are absent.
    /// </summary>
    async Task<IReadOnlyDictionary<string, StockBalance>> OnHandAsync(StoreTransaction transaction, string plant, IReadOnlyCollection<string> items, CancellationToken ct)
    {
        var result = new Dictionary<string, StockBalance>(StringComparer.Ordinal);
        var (itemIn, itemArg) = SqlList.In(transaction, "item", items, 2);
        await using var reader = await transaction.Command($"SELECT item, quantity_e6, value_e4 FROM inventory_stock WHERE plant = $1 AND {itemIn}", plant, itemArg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result[reader.GetString(0)] = new StockBalance(plant, reader.GetString(0), Fixed.FromE6(reader.GetInt64(1)), Fixed.FromE4(reader.GetInt64(2)));
        return result;
    }

    /// <summary>
    /// The stock value the plants' movements posted after a date added (negative: removed), read inside the caller's
    /// transaction: stock value now less this is the stock value at the end of that date.
    /// </summary>
    async Task<decimal> ValuePostedAfterAsync(StoreTransaction transaction, IReadOnlyCollection<string> plants, DateOnly after, CancellationToken ct)
    {
        var (plantIn, plantArg) = SqlList.In(transaction, "plant", plants, 2);
        await using var reader = await transaction.Command($"SELECT CAST(COALESCE(SUM(value_e4), 0) AS bigint) FROM inventory_movement WHERE posting_date > $1 AND {plantIn}", after.ToDateKey(), plantArg).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Fixed.FromE4(reader.GetInt64(0)) : 0m;
    }

    /// <summary>Stock discrepancies (WMS reconciliation) of the plants found up to an instant and still open, oldest first.</summary>
    async Task<IReadOnlyList<OpenStockDiscrepancy>> OpenDiscrepanciesAsync(StoreTransaction transaction, IReadOnlyCollection<string> plants, DateTimeOffset until, CancellationToken ct)
    {
        var (plantIn, plantArg) = SqlList.In(transaction, "d.plant", plants, 2);
        var rows = new List<OpenStockDiscrepancy>();
        await using var reader = await transaction.Command(
            $"SELECT d.id, d.plant, d.item, d.location, d.difference_e6, d.value_e4, r.created_at_us FROM inventory_discrepancy d JOIN inventory_reconciliation r ON r.id = d.reconciliation_id WHERE d.status = 'open' AND r.created_at_us <= $1 AND {plantIn} ORDER BY r.created_at_us, d.id",
            until.ToUnixMicroseconds(), plantArg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new OpenStockDiscrepancy(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Fixed.FromE6(reader.GetInt64(4)), Fixed.FromE4(reader.GetInt64(5)),
                Instants.FromUnixMicroseconds(reader.GetInt64(6))));
        }

        return rows;
    }
}

/// <summary>A stock discrepancy still open: where, how much (base unit) and its value at standard, when it was found.</summary>
public sealed record OpenStockDiscrepancy(string Id, string Plant, string Item, string Location, decimal Difference, decimal Value, DateTimeOffset FoundAt);
