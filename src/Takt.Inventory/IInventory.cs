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
public sealed record StockMovementDraft(
    string MovementType,
    string Plant,
    string Item,
    Quantity Quantity,
    Money Value,
    string? Order,
    JournalEntryId? JournalEntry,
    DateOnly PostingDate,
    string? SourceEventId);

public sealed record StockBalance(string Plant, string Item, decimal Quantity, decimal Value);

/// <summary>Stock and its movements.</summary>
public interface IInventory
{
    /// <summary>Stages the movement and the stock change in the caller's transaction.</summary>
    StockMovementId Stage(StoreTransaction transaction, StockMovementDraft movement);

    Task<IReadOnlyList<StockBalance>> StockAsync(TaktStore store, string? plant, CancellationToken ct);

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
}
