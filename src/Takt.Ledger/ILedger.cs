using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>Where a posting came from (the event that caused it) and which request field names its date.</summary>
public sealed record PostingSource(string Type, string Id, string Origin, DateTimeOffset EventTime, string DateField);

/// <summary>
/// A pair of lines found by account determination: debit and credit accounts come from
/// (plant, movement, item class), the amount from the caller (DESIGN §3).
/// </summary>
/// <param name="Movement">Movement key, e.g. <c>goods-issue-to-order</c>.</param>
/// <param name="ItemClass">Item class of what is valued, or <c>*</c>.</param>
/// <param name="Amount">Positive amount, already rounded to the currency's minor units.</param>
/// <param name="Field">JSON Pointer of the request field the posting values (for errors).</param>
/// <param name="Order">Production order the lines are assigned to (cost object), if any.</param>
/// <param name="Item">Item valued, if any.</param>
/// <param name="WorkCenter">Work center whose activity is valued, if any.</param>
public sealed record PostingPair(string Movement, string ItemClass, Money Amount, string Field, string? Order = null, string? Item = null, string? WorkCenter = null);

/// <summary>An explicit line (manual entries, reversals).</summary>
public sealed record JournalLineDraft(string Account, Money Debit, Money Credit, string? Order = null, string? Item = null, string? WorkCenter = null);

public sealed record JournalEntryDraft(
    string Company,
    string Plant,
    Currency Currency,
    DateOnly PostingDate,
    string DocumentType,
    PostingSource Source,
    IReadOnlyList<PostingPair> Pairs,
    IReadOnlyList<JournalLineDraft>? Lines = null);

/// <summary>A validated entry with resolved, balanced lines; staging it cannot fail on business rules.</summary>
public sealed record PreparedEntry(JournalEntryDraft Draft, IReadOnlyList<JournalLineDraft> Lines);

/// <summary>The rules a batch of postings is checked against: open periods and account determination.</summary>
public sealed class PostingRules(
    IReadOnlySet<(string Company, int Period)> openPeriods,
    IReadOnlyDictionary<(string Plant, string Movement, string ItemClass), (string Debit, string Credit)> determination,
    IReadOnlySet<string> accounts)
{
    public bool IsOpen(string company, DateOnly date) => openPeriods.Contains((company, (date.Year * 100) + date.Month));

    public (string Debit, string Credit)? Determine(string plant, string movement, string itemClass) =>
        determination.TryGetValue((plant, movement, itemClass), out var exact) ? exact
        : determination.TryGetValue((plant, movement, "*"), out var any) ? any
        : null;

    public bool AccountExists(string account) => accounts.Contains(account);
}

public sealed record AccountBalance(string Account, string Name, string Kind, decimal Debit, decimal Credit)
{
    public decimal Balance => Debit - Credit;
}

public sealed record LedgerSetup(
    IReadOnlyList<(string Number, string Name, string Kind)> Accounts,
    IReadOnlyList<(string Plant, string Movement, string ItemClass, string Debit, string Credit)> Determinations,
    IReadOnlyList<(string Company, int Period, bool Open)> Periods);

/// <summary>The general ledger: postings join the caller's transaction and commit or roll back with it.</summary>
public interface ILedger
{
    Task<PostingRules> LoadRulesAsync(StoreTransaction transaction, CancellationToken ct);

    /// <summary>Resolves accounts and checks every rule; changes nothing.</summary>
    Outcome<PreparedEntry> Prepare(PostingRules rules, JournalEntryDraft draft);

    /// <summary>Stages the entry's rows in the transaction.</summary>
    JournalEntryId Stage(StoreTransaction transaction, PreparedEntry entry);

    Task ConfigureAsync(StoreTransaction transaction, LedgerSetup setup, CancellationToken ct);

    /// <summary>Opens or closes a period.</summary>
    Task SetPeriodAsync(TaktStore store, string company, int period, bool open, CancellationToken ct);

    /// <summary>Debits and credits per account, optionally for one cost object (production order).</summary>
    Task<IReadOnlyList<AccountBalance>> BalancesAsync(TaktStore store, string? order, CancellationToken ct);
}
