using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>Where a posting came from (the event that caused it) and which request field names its date.</summary>
public sealed record PostingSource(string Type, string Id, string Origin, DateTimeOffset EventTime, string DateField);

/// <summary>
/// A pair of lines found by account determination: debit and credit accounts come from the rule for
/// (company, plant, item class, movement, valuation class, cost category) in force on the posting date, the amount
/// from the caller (DESIGN §3).
/// </summary>
/// <param name="Movement">Movement key, e.g. <c>goods-issue-to-order</c>.</param>
/// <param name="ItemClass">Item class of what is valued, or <c>*</c>.</param>
/// <param name="Amount">Positive amount, already rounded to the currency's minor units.</param>
/// <param name="Field">JSON Pointer of the request field the posting values (for errors).</param>
/// <param name="Order">Production order the lines are assigned to (cost object), if any.</param>
/// <param name="Item">Item valued, if any.</param>
/// <param name="WorkCenter">Work center whose activity is valued, if any.</param>
/// <param name="ValuationClass">Valuation class of what is valued; null or <c>*</c> for any.</param>
/// <param name="CostCategory">Cost category (freight, services, …); null or <c>*</c> for any.</param>
public sealed record PostingPair(
    string Movement,
    string ItemClass,
    Money Amount,
    string Field,
    string? Order = null,
    string? Item = null,
    string? WorkCenter = null,
    string? ValuationClass = null,
    string? CostCategory = null);

/// <summary>An explicit line (manual entries, reversals).</summary>
public sealed record JournalLineDraft(string Account, Money Debit, Money Credit, string? Order = null, string? Item = null, string? WorkCenter = null);

/// <summary>
/// A journal entry to prepare: pairs through account determination and/or explicit lines. Currency is the
/// transaction currency; the ledger adds company-currency amounts at the rate valid on the posting date.
/// </summary>
public sealed record JournalEntryDraft(
    string Company,
    string Plant,
    Currency Currency,
    DateOnly PostingDate,
    string DocumentType,
    PostingSource Source,
    IReadOnlyList<PostingPair> Pairs,
    IReadOnlyList<JournalLineDraft>? Lines = null)
{
    /// <summary>A manual entry (not a subledger's): it needs a reason and may not post to control accounts.</summary>
    public bool Manual { get; init; }

    /// <summary>Who asked for the entry (manual entries, reversals, accruals).</summary>
    public string? Actor { get; init; }

    /// <summary>The role the actor posts in; a soft-closed period may admit it.</summary>
    public string? Role { get; init; }

    /// <summary>Why (manual entries and reversals need one).</summary>
    public string? Reason { get; init; }

    /// <summary>The entry this one reverses, fully or partly.</summary>
    public JournalEntryId? Reverses { get; init; }

    /// <summary>Company-currency amounts and rate fixed by the caller (a reversal takes the reversed entry's).</summary>
    internal (decimal Rate, long[] DebitE4, long[] CreditE4)? FixedLocal { get; init; }
}

/// <summary>A validated entry with resolved, balanced lines; staging it cannot fail on business rules.</summary>
public sealed record PreparedEntry(JournalEntryDraft Draft, IReadOnlyList<JournalLineDraft> Lines)
{
    /// <summary>Company currency, rate, company-currency amounts and fiscal year (null when built by hand).</summary>
    internal LocalPosting? Local { get; init; }
}

/// <summary>Company-currency side of a prepared entry.</summary>
internal sealed record LocalPosting(Currency CompanyCurrency, decimal Rate, long[] DebitE4, long[] CreditE4, int FiscalYear);

/// <summary>The rule account determination found: its key as stored (with wildcards), version, validity and accounts.</summary>
public sealed record DeterminedAccounts(DeterminationKey Key, int Version, DateOnly ValidFrom, DateOnly? ValidTo, string Debit, string Credit);

/// <summary>The key of an account determination rule; <c>*</c> matches any value.</summary>
public readonly record struct DeterminationKey(string Company, string Plant, string ItemClass, string Movement, string ValuationClass, string CostCategory)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"company {Company}, plant {Plant}, item class {ItemClass}, movement {Movement}, valuation class {ValuationClass}, cost category {CostCategory}";
}

public sealed record AccountBalance(string Account, string Name, string Kind, decimal Debit, decimal Credit)
{
    public decimal Balance => Debit - Credit;
}

public sealed record LedgerSetup(
    IReadOnlyList<(string Number, string Name, string Kind)> Accounts,
    IReadOnlyList<(string Plant, string Movement, string ItemClass, string Debit, string Credit)> Determinations,
    IReadOnlyList<(string Company, int Period, bool Open)> Periods);

/// <summary>
/// An account in a company's chart. Kind is asset, liability, equity, expense or revenue; ControlSubledger names the
/// subledger that alone posts to it (inventory, production, procurement, payables), or null.
/// </summary>
public sealed record ChartAccount(string Number, string Name, string Kind, string? ControlSubledger = null)
{
    /// <summary>Assets and expenses carry debit balances; liabilities, equity and revenue credit balances.</summary>
    public string NormalBalance => Kind is "asset" or "expense" ? "debit" : "credit";
}

/// <summary>
/// A company's books: currency, chart of accounts and fiscal years (calendar years, monthly periods). OpenFrom is the
/// first period (yyyymm) to open; earlier periods of the fiscal years are closed.
/// </summary>
public sealed record CompanySetup(string Company, Currency Currency, IReadOnlyList<ChartAccount> Accounts, int FirstFiscalYear, int LastFiscalYear, int OpenFrom);

/// <summary>An account determination rule version to add.</summary>
public sealed record DeterminationRuleDraft(DeterminationKey Key, DateOnly ValidFrom, DateOnly? ValidTo, string Debit, string Credit);

/// <summary>The general ledger: postings join the caller's transaction and commit or roll back with it.</summary>
public interface ILedger
{
    /// <summary>
    /// Reads what a batch of postings is checked against (periods, chart, determination, rates) and the journal
    /// counters of this transaction; call it once per transaction before <see cref="Stage"/>.
    /// </summary>
    Task<PostingRules> LoadRulesAsync(StoreTransaction transaction, CancellationToken ct);

    /// <summary>Resolves accounts and checks every rule; changes nothing.</summary>
    Outcome<PreparedEntry> Prepare(PostingRules rules, JournalEntryDraft draft);

    /// <summary>Stages the entry's rows in the transaction: its number, audit-chain hash, lines and balances.</summary>
    JournalEntryId Stage(StoreTransaction transaction, PreparedEntry entry);

    /// <summary>Global accounts, plant-level determination (any company, valid from the start) and periods.</summary>
    Task ConfigureAsync(StoreTransaction transaction, LedgerSetup setup, CancellationToken ct);

    /// <summary>A company's currency, chart of accounts and fiscal years; accounts are upserted, existing periods kept.</summary>
    Task SetUpCompanyAsync(StoreTransaction transaction, CompanySetup setup, CancellationToken ct);

    /// <summary>Adds the next version of a determination rule (its predecessor ends where it starts).</summary>
    Task<Outcome<DeterminedAccounts>> AddDeterminationRuleAsync(StoreTransaction transaction, DeterminationRuleDraft draft, string actor, CancellationToken ct);

    /// <summary>
    /// The determination rules written for one plant (not the '*' rules every plant shares), in the version valid on
    /// <paramref name="on"/> or later, as drafts a new plant can copy (plant onboarding).
    /// </summary>
    async Task<IReadOnlyList<DeterminationRuleDraft>> PlantRulesAsync(StoreTransaction transaction, string plant, DateOnly on, CancellationToken ct)
    {
        var rules = new List<DeterminationRuleDraft>();
        await using var reader = await transaction.Command(
            "SELECT company, plant, item_class, movement, valuation_class, cost_category, valid_from, valid_to, debit_account, credit_account FROM ledger_determination_rule WHERE plant = $1 AND (valid_to IS NULL OR valid_to > $2) ORDER BY movement, company, item_class, valuation_class, cost_category, version",
            plant, on.ToDateKey()).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var from = checked((int)reader.GetInt64(6));
            rules.Add(new DeterminationRuleDraft(
                new DeterminationKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)),
                from == 0 ? on : Instants.FromDateKey(from), reader.IsDBNull(7) ? null : Instants.FromDateKey(checked((int)reader.GetInt64(7))), reader.GetString(8), reader.GetString(9)));
        }

        return rules;
    }

    /// <summary>Records an exchange rate (units of <paramref name="to"/> per unit of <paramref name="from"/>) valid from a date.</summary>
    Task SetExchangeRateAsync(StoreTransaction transaction, Currency from, Currency to, DateOnly validFrom, decimal rate, CancellationToken ct);

    /// <summary>Opens or closes a period.</summary>
    Task SetPeriodAsync(TaktStore store, string company, int period, bool open, CancellationToken ct);

    /// <summary>Debits and credits per account, optionally for one cost object (production order).</summary>
    Task<IReadOnlyList<AccountBalance>> BalancesAsync(TaktStore store, string? order, CancellationToken ct);

    /// <summary>The trial balance of a company for a period (yyyymm), from the totals kept at posting.</summary>
    Task<TrialBalance> TrialBalanceAsync(TaktStore store, string company, int period, CancellationToken ct);

    /// <summary>Drill-down: entries of a period on an account with their source event and objects.</summary>
    Task<IReadOnlyList<AccountEntry>> AccountEntriesAsync(TaktStore store, string company, string account, int period, int limit, CancellationToken ct);
}
