using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>
/// Checks a draft against the posting rules and resolves it into balanced lines, in the transaction currency and
/// in the company currency (DESIGN §2.1: a posting that cannot be made rejects the whole transaction).
/// </summary>
internal static class JournalRules
{
    public static Outcome<PreparedEntry> Prepare(PostingRules rules, JournalEntryDraft draft)
    {
        var violations = new List<Violation>();
        if (rules.CheckPeriod(draft) is { } closed)
            violations.Add(closed);
        if (draft.Manual && string.IsNullOrWhiteSpace(draft.Reason))
            violations.Add(new Violation("/reason", "journal.reason-required", "A manual entry or reversal needs a reason."));

        var lines = new List<JournalLineDraft>(draft.Pairs.Count * 2);
        foreach (var pair in draft.Pairs)
        {
            if (pair.Amount.Currency != draft.Currency)
            {
                violations.Add(new Violation(pair.Field, "posting.currency-mismatch", $"Amount is in {pair.Amount.Currency}; the entry is in {draft.Currency}."));
                continue;
            }

            if (pair.Amount.Amount == 0m)
                continue;
            if (pair.Amount.Amount < 0m || pair.Amount != pair.Amount.RoundToMinorUnits())
            {
                violations.Add(new Violation(pair.Field, "posting.amount-invalid", $"A posted amount must be positive and rounded to {draft.Currency.MinorUnits} decimals; got {pair.Amount}."));
                continue;
            }

            var key = new DeterminationKey(draft.Company, draft.Plant, pair.ItemClass, pair.Movement, pair.ValuationClass ?? "*", pair.CostCategory ?? "*");
            if (rules.Determine(key, draft.PostingDate) is not { } accounts)
            {
                violations.Add(new Violation(pair.Field, "posting.account-determination-missing",
                    $"No account determination for plant {draft.Plant}, movement {pair.Movement}, item class {pair.ItemClass}: no rule for {key} valid on {draft.PostingDate:yyyy-MM-dd}, nor one with '*' in any of its keys but movement."));
                continue;
            }

            var zero = Money.Zero(draft.Currency);
            lines.Add(new JournalLineDraft(accounts.Debit, pair.Amount, zero, pair.Order, pair.Item, pair.WorkCenter));
            lines.Add(new JournalLineDraft(accounts.Credit, zero, pair.Amount, pair.Order, pair.Item, pair.WorkCenter));
        }

        foreach (var line in draft.Lines ?? [])
            lines.Add(line);

        rules.Companies.TryGetValue(draft.Company, out var books);
        var chart = books is { Accounts.Count: > 0 } ? books.Accounts : null;
        var debit = Money.Zero(draft.Currency);
        var credit = Money.Zero(draft.Currency);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (!rules.AccountExists(line.Account))
                violations.Add(new Violation($"/lines/{i}/account", "posting.account-unknown", $"Account {line.Account} does not exist."));
            else if (chart is not null && !chart.ContainsKey(line.Account))
                violations.Add(new Violation($"/lines/{i}/account", "posting.account-not-in-chart", $"Account {line.Account} is not in the chart of accounts of company {draft.Company}."));
            else if (draft.Manual && chart is not null && chart[line.Account].Control is { } subledger)
                violations.Add(new Violation($"/lines/{i}/account", "posting.control-account", $"Account {line.Account} is a control account of the {subledger} subledger; only that subledger posts to it, never a manual entry."));
            if (line.Debit.Currency != draft.Currency || line.Credit.Currency != draft.Currency)
            {
                violations.Add(new Violation($"/lines/{i}", "posting.currency-mismatch", $"Line currency differs from the entry's {draft.Currency}."));
                continue;
            }

            if (line.Debit.Amount < 0 || line.Credit.Amount < 0 || (line.Debit.Amount != 0) == (line.Credit.Amount != 0))
                violations.Add(new Violation($"/lines/{i}", "posting.line-one-sided", "A line has either a positive debit or a positive credit."));
            else if (line.Debit != line.Debit.RoundToMinorUnits() || line.Credit != line.Credit.RoundToMinorUnits())
                violations.Add(new Violation($"/lines/{i}", "posting.amount-invalid", $"A posted amount must be rounded to {draft.Currency.MinorUnits} decimals."));
            debit += line.Debit;
            credit += line.Credit;
        }

        var companyCurrency = books?.Currency ?? draft.Currency;
        var rate = draft.FixedLocal is { } fixedLocal ? fixedLocal.Rate : rules.Rate(draft.Currency, companyCurrency, draft.PostingDate);
        if (rate is null)
            violations.Add(new Violation("/currency", "posting.rate-missing", $"No exchange rate {draft.Currency} → {companyCurrency} valid on {draft.PostingDate:yyyy-MM-dd}."));

        if (violations.Count == 0 && lines.Count == 0)
            violations.Add(new Violation("", "posting.empty", "The journal entry has no lines with an amount."));
        if (violations.Count == 0 && debit != credit)
            violations.Add(new Violation("", "posting.unbalanced", $"Debits {debit} do not equal credits {credit}."));
        if (violations.Count > 0)
            return violations.ToArray();

        var fiscalYear = rules.Period(draft.Company, draft.PostingDate)?.FiscalYear ?? draft.PostingDate.Year;
        var local = draft.FixedLocal is { } given && given.DebitE4.Length == lines.Count && given.DebitE4.Sum() == given.CreditE4.Sum()
            ? new LocalPosting(companyCurrency, given.Rate, given.DebitE4, given.CreditE4, fiscalYear)
            : Localize(lines, companyCurrency, rate!.Value, fiscalYear);
        return new PreparedEntry(draft, lines) { Local = local };
    }

    /// <summary>
    /// Company-currency amounts: each line at the rate, rounded to the company currency; a rounding difference
    /// goes to the largest line of the lighter side, so the entry balances in both currencies.
    /// </summary>
    internal static LocalPosting Localize(IReadOnlyList<JournalLineDraft> lines, Currency companyCurrency, decimal rate, int fiscalYear)
    {
        var debit = new long[lines.Count];
        var credit = new long[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            debit[i] = Fixed.ToE4(new Money(lines[i].Debit.Amount * rate, companyCurrency).RoundToMinorUnits().Amount);
            credit[i] = Fixed.ToE4(new Money(lines[i].Credit.Amount * rate, companyCurrency).RoundToMinorUnits().Amount);
        }

        var difference = debit.Sum() - credit.Sum();
        if (difference != 0)
        {
            var side = difference > 0 ? credit : debit;
            var largest = 0;
            for (var i = 1; i < side.Length; i++)
            {
                if (side[i] > side[largest])
                    largest = i;
            }

            side[largest] += Math.Abs(difference);
        }

        return new LocalPosting(companyCurrency, rate, debit, credit, fiscalYear);
    }
}
