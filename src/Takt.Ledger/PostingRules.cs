using System.Globalization;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>A period's state: open, soft-closed (only the listed document types or <c>role:…</c> entries) or closed.</summary>
internal sealed record PeriodState(string Status, int FiscalYear, IReadOnlySet<string> Allows);

/// <summary>One version of a determination rule.</summary>
internal sealed record RuleVersion(int Version, int ValidFrom, int? ValidTo, string Debit, string Credit);

/// <summary>A company's currency and chart: account → (normal balance, control subledger).</summary>
internal sealed record CompanyBooks(Currency Currency, IReadOnlyDictionary<string, (string NormalBalance, string? Control)> Accounts);

/// <summary>
/// The rules a batch of postings is checked against: period states, chart of accounts, account determination
/// (versioned, effective-dated, with wildcard fallback) and exchange rates. Loaded once per batch.
/// </summary>
public sealed class PostingRules
{
    // Determination keys from most to least specific. Movement is always exact; of the other keys plant weighs
    // most, then item class, valuation class, cost category and company (a plant belongs to one company).
    private static readonly int[] Masks = [.. Enumerable.Range(0, 32)
        .OrderByDescending(m => int.PopCount(m))
        .ThenByDescending(m => m)];

    private const int PlantBit = 16, ItemClassBit = 8, ValuationBit = 4, CostBit = 2, CompanyBit = 1;

    private readonly IReadOnlyDictionary<(string Company, int Period), PeriodState> periods;
    private readonly IReadOnlyDictionary<DeterminationKey, RuleVersion[]> rules;
    private readonly IReadOnlySet<string> accounts;

    internal PostingRules(
        IReadOnlyDictionary<(string Company, int Period), PeriodState> periods,
        IReadOnlyDictionary<DeterminationKey, RuleVersion[]> rules,
        IReadOnlySet<string> accounts,
        IReadOnlyDictionary<string, CompanyBooks> companies,
        IReadOnlyDictionary<(string From, string To), (int ValidFrom, decimal Rate)[]> rates)
    {
        this.periods = periods;
        this.rules = rules;
        this.accounts = accounts;
        Companies = companies;
        Rates = rates;
    }

    /// <summary>Rules from plain sets (tests, tools): open periods, plant-level determination valid always, accounts.</summary>
    public PostingRules(
        IReadOnlySet<(string Company, int Period)> openPeriods,
        IReadOnlyDictionary<(string Plant, string Movement, string ItemClass), (string Debit, string Credit)> determination,
        IReadOnlySet<string> accounts)
        : this(
            openPeriods.ToDictionary(p => p, p => new PeriodState("open", p.Period / 100, new HashSet<string>())),
            determination.ToDictionary(d => new DeterminationKey("*", d.Key.Plant, d.Key.ItemClass, d.Key.Movement, "*", "*"), d => new[] { new RuleVersion(1, 0, null, d.Value.Debit, d.Value.Credit) }),
            accounts,
            new Dictionary<string, CompanyBooks>(),
            new Dictionary<(string, string), (int, decimal)[]>())
    {
    }

    internal IReadOnlyDictionary<string, CompanyBooks> Companies { get; }

    internal IReadOnlyDictionary<(string From, string To), (int ValidFrom, decimal Rate)[]> Rates { get; }

    /// <summary>True when the period of <paramref name="date"/> is fully open for the company.</summary>
    public bool IsOpen(string company, DateOnly date) => Period(company, date) is { Status: "open" };

    internal PeriodState? Period(string company, DateOnly date) =>
        periods.TryGetValue((company, (date.Year * 100) + date.Month), out var state) ? state : null;

    /// <summary>The period refuses this entry: null when it may post, else the violation (closed or soft-closed).</summary>
    internal Violation? CheckPeriod(JournalEntryDraft draft)
    {
        var state = Period(draft.Company, draft.PostingDate);
        if (state is { Status: "open" })
            return null;
        if (state is { Status: "soft-closed" } && (state.Allows.Contains(draft.DocumentType) || (draft.Role is { } role && state.Allows.Contains("role:" + role))))
            return null;
        return state is { Status: "soft-closed" }
            ? new Violation(draft.Source.DateField, "period.soft-closed",
                $"Posting period {draft.PostingDate:yyyy-MM} of company {draft.Company} is soft-closed; it admits only {string.Join(", ", state.Allows.Order(StringComparer.Ordinal))} (this is a {draft.DocumentType}{(draft.Role is null ? "" : " in role " + draft.Role)}).")
            : new Violation(draft.Source.DateField, "period.closed",
                $"Posting period {draft.PostingDate:yyyy-MM} of company {draft.Company} is not open (posting date {draft.PostingDate:yyyy-MM-dd}).");
    }

    /// <summary>Plant-level determination valid today for any company (the first key form; kept for callers).</summary>
    public (string Debit, string Credit)? Determine(string plant, string movement, string itemClass) =>
        Determine(new DeterminationKey("*", plant, itemClass, movement, "*", "*"), DateOnly.MaxValue) is { } found ? (found.Debit, found.Credit) : null;

    /// <summary>
    /// The most specific rule in force on <paramref name="date"/> for the key: the exact key first, then keys with
    /// '*' in place of company, cost category, valuation class, item class and plant, in that order of giving way.
    /// </summary>
    public DeterminedAccounts? Determine(DeterminationKey query, DateOnly date)
    {
        var day = date == DateOnly.MaxValue ? int.MaxValue : date.ToDateKey();
        var concrete = (query.Plant == "*" ? 0 : PlantBit) | (query.ItemClass == "*" ? 0 : ItemClassBit) | (query.ValuationClass == "*" ? 0 : ValuationBit)
            | (query.CostCategory == "*" ? 0 : CostBit) | (query.Company == "*" ? 0 : CompanyBit);
        foreach (var mask in Masks)
        {
            if ((mask & ~concrete) != 0)
                continue; // a key this query has no value for: the same as the wildcard mask
            var key = new DeterminationKey(
                (mask & CompanyBit) != 0 ? query.Company : "*",
                (mask & PlantBit) != 0 ? query.Plant : "*",
                (mask & ItemClassBit) != 0 ? query.ItemClass : "*",
                query.Movement,
                (mask & ValuationBit) != 0 ? query.ValuationClass : "*",
                (mask & CostBit) != 0 ? query.CostCategory : "*");
            if (!rules.TryGetValue(key, out var versions))
                continue;
            foreach (var v in versions)
            {
                if (v.ValidFrom <= day && (v.ValidTo is null || day < v.ValidTo))
                    return new DeterminedAccounts(key, v.Version, FromKey(v.ValidFrom), v.ValidTo is { } to ? FromKey(to) : null, v.Debit, v.Credit);
            }
        }

        return null;
    }

    private static DateOnly FromKey(int key) => key == 0 ? DateOnly.MinValue : Instants.FromDateKey(key);

    public bool AccountExists(string account) => accounts.Contains(account);

    /// <summary>
    /// The company-currency balance (debit − credit) a prepared entry puts on the control accounts of a subledger
    /// (<c>payables</c>, <c>procurement</c>, …): what that subledger must record to stay reconciled. Zero when the entry
    /// touches none of them; null when the entry has no company-currency side (built by hand).
    /// </summary>
    public decimal? ControlBalance(PreparedEntry entry, string subledger)
    {
        if (entry.Local is not { } local || !Companies.TryGetValue(entry.Draft.Company, out var books))
            return null;
        var e4 = 0L;
        for (var i = 0; i < entry.Lines.Count; i++)
        {
            if (books.Accounts.TryGetValue(entry.Lines[i].Account, out var account) && account.Control == subledger)
                e4 = checked(e4 + local.DebitE4[i] - local.CreditE4[i]);
        }

        return Fixed.FromE4(e4);
    }

    /// <summary>An amount in another currency at the rate valid on a date; null when no rate is recorded.</summary>
    public Money? Convert(Money amount, Currency to, DateOnly date) =>
        Rate(amount.Currency, to, date) is { } rate ? new Money(amount.Amount * rate, to).RoundToMinorUnits() : null;

    /// <summary>Units of <paramref name="to"/> per unit of <paramref name="from"/> valid on a date (1 for the same currency); null when no rate is recorded.</summary>
    public decimal? ExchangeRate(Currency from, Currency to, DateOnly date) => Rate(from, to, date);

    /// <summary>The rate from a currency to another valid on a date (the latest that started on or before it).</summary>
    internal decimal? Rate(Currency from, Currency to, DateOnly date)
    {
        if (from == to)
            return 1m;
        if (!Rates.TryGetValue((from.Code, to.Code), out var rates))
            return null;
        var day = date.ToDateKey();
        foreach (var (validFrom, rate) in rates)
        {
            if (validFrom <= day)
                return rate;
        }

        return null;
    }

    internal static string FormatRate(decimal rate) => rate.ToString("0.##########", CultureInfo.InvariantCulture);
}
