namespace Takt.Contracts.Events;

/// <summary><c>takt.ledger.journal-entry-posted.v1</c>: a balanced journal entry was committed.</summary>
/// <param name="JournalEntryId">The entry's id.</param>
/// <param name="Company">Company code.</param>
/// <param name="Plant">Plant code.</param>
/// <param name="PostingDate">Posting date in the plant's time zone.</param>
/// <param name="Currency">ISO 4217 code of every line.</param>
/// <param name="SourceEventType">CloudEvents type of the event that caused the entry.</param>
/// <param name="SourceEventSource">CloudEvents source of that event.</param>
/// <param name="SourceEventId">CloudEvents id of that event.</param>
/// <param name="Lines">The lines; debits equal credits.</param>
public sealed record JournalEntryPosted(
    Guid JournalEntryId,
    string Company,
    string Plant,
    DateOnly PostingDate,
    string Currency,
    string SourceEventType,
    string SourceEventSource,
    string SourceEventId,
    JournalLineData[] Lines);

/// <summary>A line of a posted journal entry.</summary>
/// <param name="Account">G/L account number.</param>
/// <param name="Debit">Debit amount, 0 or more, in the entry's currency.</param>
/// <param name="Credit">Credit amount, 0 or more, in the entry's currency.</param>
/// <param name="Order">Production order the line is assigned to, if any (cost object).</param>
/// <param name="Item">Item the line values, if any.</param>
/// <param name="WorkCenter">Work center whose activity the line values, if any.</param>
public sealed record JournalLineData(string Account, decimal Debit, decimal Credit, string? Order = null, string? Item = null, string? WorkCenter = null);

/// <summary><c>takt.inventory.stock-moved.v1</c>: stock of an item changed at a plant.</summary>
/// <param name="MovementId">The movement's id.</param>
/// <param name="Plant">Plant code.</param>
/// <param name="Item">Item number.</param>
/// <param name="MovementType">
/// <c>goods-issue-to-order</c> or <c>goods-receipt-from-order</c>.
/// </param>
/// <param name="Quantity">Signed quantity in the item's base unit: negative leaves stock.</param>
/// <param name="JournalEntryId">The journal entry that values the movement; absent when its value rounds to zero.</param>
/// <param name="Order">Production order, if the movement is for one.</param>
public sealed record StockMoved(
    Guid MovementId,
    string Plant,
    string Item,
    string MovementType,
    QuantityValue Quantity,
    Guid? JournalEntryId = null,
    string? Order = null);
