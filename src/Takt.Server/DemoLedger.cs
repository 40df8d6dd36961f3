using Takt.Contracts;
using Takt.Ledger;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// The demo company's books: currency, chart of accounts with control accounts (inventory, WIP, GR/IR, payables),
/// calendar fiscal years, accrual accounts and their determination, and exchange rates into EUR.
/// </summary>
public static class DemoLedger
{
    public static readonly ChartAccount[] Accounts =
    [
        new("140000", "Raw materials inventory", "asset", "inventory"),
        new("141000", "Semi-finished goods inventory", "asset", "inventory"),
        new("142000", "Finished goods inventory", "asset", "inventory"),
        new("145000", "Work in process", "asset", "production"),
        new("191000", "GR/IR clearing", "liability", "procurement"),
        new("160000", "Accounts payable", "liability", "payables"),
        new("195000", "Accrued liabilities", "liability"),
        new("300000", "Opening balance (stock take-over)", "equity"),
        new("510000", "Absorbed machine cost", "expense"),
        new("511000", "Absorbed labour cost", "expense"),
        new("520000", "Scrap expense", "expense"),
        new("530000", "Production variances", "expense"),
        new("610000", "Freight expense (premium freight)", "expense"),
        new("620000", "External services expense", "expense"),
        new("690000", "Other operating expense", "expense"),
        new("100000", "Bank", "asset"),
    ];

    public static async Task SeedAsync(ILedger ledger, StoreTransaction tx, string company, DateOnly today, CancellationToken ct)
    {
        var previous = today.AddMonths(-1);
        await ledger.SetUpCompanyAsync(tx, new CompanySetup(company, Currency.Eur, Accounts, today.Year - 1, today.Year + 1, (previous.Year * 100) + previous.Month), ct);
        // DESIGN §3: accruals for services received not invoiced and premium freight: expense / accrued liabilities.
        foreach (var (movement, category, debit) in new[] { ("accrual", "services", "620000"), ("accrual", "freight", "610000"), ("accrual", "*", "690000") })
        {
            await ledger.AddDeterminationRuleAsync(tx, new DeterminationRuleDraft(
                new DeterminationKey(company, "*", "*", movement, "*", category), new DateOnly(today.Year - 1, 1, 1), null, debit, "195000"), "demo", ct);
        }

        await ledger.SetExchangeRateAsync(tx, Currency.Of("USD"), Currency.Eur, new DateOnly(today.Year - 1, 1, 1), 0.92m, ct);
        await ledger.SetExchangeRateAsync(tx, Currency.Of("CZK"), Currency.Eur, new DateOnly(today.Year - 1, 1, 1), 0.0398m, ct);
    }
}
