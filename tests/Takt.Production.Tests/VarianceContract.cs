using System.Net;
using System.Text.Json;
using Takt.MasterData;
using Takt.Testing;
using Xunit;
using static Takt.Production.Tests.Bookings;

namespace Takt.Production.Tests;

/// <summary>
/// Each variance category alone: an order of 10 V (standard 20.10 = its target per unit) worked exactly to plan
/// except for one thing; settlement must put exactly that amount on that category's account and WIP to zero.
/// </summary>
public abstract class VarianceContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProductionHost
{
    private TaktHost Host => fixture.Host;

    /// <summary>The plan: 20 kg R1, 10 R2, 1 machine hour, 0.5 labour hour, yield 10.</summary>
    private sealed record Work(decimal R1 = 20m, decimal R2 = 10m, decimal R4 = 0m, decimal Machine = 1m, decimal Labour = 0.5m, decimal Yield = 10m, decimal RecordedScrap = 0m,
        decimal? R1CostAtIssue = null, decimal? ProductCostAtYield = null);

    public static TheoryData<string, string, decimal> Scenarios => new()
    {
        { "baseline", "", 0m },
        { "usage", "usage", 4.00m },           // 22 kg instead of 20: 2 × 2.00
        { "efficiency", "efficiency", 42.50m }, // 1.5 machine hours instead of 1: 0.5 × 85
        { "scrap", "scrap", 20.10m },           // inputs for 11, 10 good, 1 recorded scrap: 1 × 221.10 ÷ 11
        { "price", "price", 10.00m },           // R1 issued at 2.50 after the order planned it at 2.00: 20 × 0.50
        { "mix", "mix", 10.00m },               // the alternate R4 (6.00) instead of R2 (5.00): 10 × 1.00
        { "remaining", "remaining", -10.00m },  // V's standard rose to 21.10 before yield: 10 × (20.10 − 21.10)
    };

    private static Work WorkOf(string scenario) => scenario switch
    {
        "usage" => new Work(R1: 22m),
        "efficiency" => new Work(Machine: 1.5m),
        "scrap" => new Work(R1: 22m, R2: 11m, Machine: 1.1m, Labour: 0.55m, RecordedScrap: 1m),
        "price" => new Work(R1CostAtIssue: 2.50m),
        "mix" => new Work(R2: 0m, R4: 10m),
        "remaining" => new Work(ProductCostAtYield: 21.10m),
        _ => new Work(),
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task each_variance_category_is_isolated_with_its_expected_amount(string scenario, string category, decimal amount)
    {
        var p = "VAR" + scenario.ToUpperInvariant()[..3];
        var order = p + "-1";
        var work = WorkOf(scenario);
        await Structures.OneLevelAsync(Host, p);
        using (var created = await Host.PostJsonAsync("/api/v1/production-orders", new { number = order, plant = "PA01", item = $"{p}-V", quantity = 10, dueDate = "2026-06-17" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await ActAsync(Host, order, "release");
        if (work.R1CostAtIssue is { } r1)
            await ImportAsync(Host, new MasterDataDocument(StandardCosts: [new StandardCostRecord("PA01", $"{p}-R1", r1)]));
        foreach (var (item, quantity) in new[] { ($"{p}-R1", work.R1), ($"{p}-R2", work.R2), ($"{p}-R4", work.R4) })
        {
            if (quantity > 0)
                await ActAsync(Host, order, "issue", new { item, quantity });
        }

        await ActAsync(Host, order, "confirm", new { operation = "0010", good = work.Yield, machineHours = work.Machine, labourHours = work.Labour });
        if (work.RecordedScrap > 0)
            await ActAsync(Host, order, "scrap", new { quantity = work.RecordedScrap, reasonCode = "setup" });
        if (work.ProductCostAtYield is { } v)
            await ImportAsync(Host, new MasterDataDocument(StandardCosts: [new StandardCostRecord("PA01", $"{p}-V", v)]));
        await ActAsync(Host, order, "yield", new { quantity = work.Yield });
        await ActAsync(Host, order, "complete");
        var wipBefore = await WipAsync(Host, order);
        Assert.Equal(amount, wipBefore);
        var settled = await ActAsync(Host, order, "settle");

        Assert.Equal(0m, await WipAsync(Host, order));
        var rows = (await Host.GetAsync<JsonElement>($"/api/v1/production/variances?order={order}")).GetProperty("rows").EnumerateArray()
            .Select(r => (r.GetProperty("category").GetString()!, r.GetProperty("amount").GetDecimal())).ToList();
        if (category.Length == 0)
        {
            Assert.Empty(rows);
            Assert.Equal(0, settled.GetProperty("journalEntries").GetArrayLength());
            return;
        }

        Assert.Equal([(category, amount)], rows);
        var account = Takt.Server.DemoProduction.VarianceAccounts.Single(a => a.Category == category).Account;
        var lines = await EntryLinesAsync(Host, settled.GetProperty("journalEntries")[0].GetString()!);
        Assert.Equal(amount > 0 ? [(account, amount, 0m), ("145000", 0m, amount)] : [("145000", -amount, 0m), (account, 0m, -amount)], lines);
    }
}

public sealed class VarianceOnSqlite(ProductionSqliteHost fixture) : VarianceContract<ProductionSqliteHost>(fixture);

public sealed class VarianceOnPostgres(ProductionPostgresHost fixture) : VarianceContract<ProductionPostgresHost>(fixture);
