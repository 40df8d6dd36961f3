using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Takt.Contracts;
using Takt.Ledger;
using Takt.Store;

namespace Takt.Ledger.Tests;

/// <summary>Properties of preparing an entry, without a database: whatever the amounts, an entry balances.</summary>
public sealed class PostingProperties
{
    private static readonly PostingRules Rules = new(
        new HashSet<(string, int)> { ("TK01", 202611) },
        new Dictionary<(string, string, string), (string, string)>
        {
            [("PA01", "goods-issue-to-order", "RAW")] = ("145000", "140000"),
            [("PA01", "activity-machine", "*")] = ("145000", "510000"),
            [("PA01", "scrap", "*")] = ("520000", "145000"),
        },
        new HashSet<string>(StringComparer.Ordinal) { "140000", "145000", "510000", "520000" });

    private static readonly string[] Movements = ["goods-issue-to-order", "activity-machine", "scrap"];

    private static JournalEntryDraft Draft(IEnumerable<PostingPair> pairs, Currency currency) => new(
        "TK01", "PA01", currency, new DateOnly(2026, 11, 26), "test",
        new PostingSource("t", "1", "/test", DateTimeOffset.UnixEpoch, "/time"), [.. pairs]);

    /// <summary>Cents from 1 to 10,000,000 (up to 100,000.00 EUR).</summary>
    private static Arbitrary<PostingPair[]> Pairs() =>
        Gen.Zip(Gen.Choose(0, Movements.Length - 1), Gen.Choose(1, 10_000_000))
            .Select(t => new PostingPair(Movements[t.Item1], "RAW", new Money(t.Item2 / 100m, Currency.Eur), "/x"))
            .ArrayOf()
            .Where(a => a.Length > 0)
            .ToArbitrary();

    [Property(MaxTest = 300)]
    public Property every_prepared_entry_balances_and_every_line_is_one_sided() =>
        Prop.ForAll(Pairs(), pairs =>
        {
            var entry = GeneralLedgerAccess.Prepare(Rules, Draft(pairs, Currency.Eur)).Value;
            var debit = entry.Lines.Sum(l => l.Debit.Amount);
            var credit = entry.Lines.Sum(l => l.Credit.Amount);
            return debit == credit
                && debit == pairs.Sum(p => p.Amount.Amount)
                && entry.Lines.All(l => (l.Debit.Amount > 0) != (l.Credit.Amount > 0));
        });

    [Property(MaxTest = 200)]
    public Property an_amount_in_another_currency_is_refused_never_mixed() =>
        Prop.ForAll(Pairs(), pairs =>
        {
            var usd = Currency.Of("USD");
            var mixed = pairs.Select((p, i) => i == 0 ? p with { Amount = new Money(p.Amount.Amount, usd) } : p);
            var outcome = GeneralLedgerAccess.Prepare(Rules, Draft(mixed, Currency.Eur));
            return outcome.IsRejected && outcome.Violations.Any(v => v.Rule == "posting.currency-mismatch");
        });

    [Property(MaxTest = 200)]
    public Property amounts_finer_than_the_currency_are_refused() =>
        Prop.ForAll(Gen.Choose(1, 1_000_000).ToArbitrary(), tenthsOfCents =>
        {
            var amount = (tenthsOfCents * 10 + 3) / 1000m; // always a third decimal
            var outcome = GeneralLedgerAccess.Prepare(Rules, Draft([new PostingPair("scrap", "*", new Money(amount, Currency.Eur), "/x")], Currency.Eur));
            return outcome.IsRejected && outcome.Violations.Single().Rule == "posting.amount-invalid";
        });

    [Property(MaxTest = 200)]
    public Property stored_money_round_trips_exactly() =>
        Prop.ForAll(Gen.Choose(int.MinValue, int.MaxValue).Select(c => c / 100m).ToArbitrary(), amount =>
            Fixed.FromE4(Fixed.ToE4(amount)) == amount);
}
