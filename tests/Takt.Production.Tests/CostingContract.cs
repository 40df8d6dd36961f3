using System.Net;
using System.Text.Json;
using Takt.Testing;
using Xunit;
using static Takt.Production.Tests.Bookings;

namespace Takt.Production.Tests;

/// <summary>Standard cost rollup over three levels, computed by hand, and the revaluation a cost release posts.</summary>
public abstract class CostingContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProductionHost
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task a_three_level_rollup_matches_the_hand_computation_and_its_release_revalues_stock_with_a_balanced_entry()
    {
        const string p = "CST";
        await Structures.ThreeLevelsAsync(Host, p);
        await StockAsync(Host, "PA01", $"{p}-S1", 5m, 40.00m, "SEMI", "H87");
        await StockAsync(Host, "PA01", $"{p}-S2", 10m, 80.00m, "SEMI", "H87");

        using var simulated = await Host.PostJsonAsync("/api/v1/costing/versions", new { plant = "PA01", validFrom = "2026-06-01", reason = "mid-year costing" });
        Assert.Equal(HttpStatusCode.Created, simulated.StatusCode);
        var version = await OkAsync(simulated);
        var id = version.GetProperty("id").GetString()!;
        var estimates = version.GetProperty("estimates").EnumerateArray().ToDictionary(e => e.GetProperty("item").GetString()!, e => e);
        (decimal Material, decimal Activity, decimal Overhead) Parts(string item) =>
            (estimates[item].GetProperty("material").GetDecimal(), estimates[item].GetProperty("activity").GetDecimal(), estimates[item].GetProperty("overhead").GetDecimal());

        // S1 per unit (lot 10): R1 2 kg × 1.1 scrap × 2.00 = 4.40, R2 1 × 5.00 = 5.00 (alternate R4 not costed) → 9.40;
        // CNC1 setup 1 h ÷ 10 = 0.1 h: machine (0.1 + 0.1) × 85 = 17.00, labour (0.1 + 0.05) × 52 = 7.80 → 24.80;
        // overhead 10 % × 9.40 = 0.94. Unit cost 35.14.
        Assert.Equal((9.40m, 24.80m, 0.94m), Parts($"{p}-S1"));
        // S2: 2 × 35.14 + 4 × 1.50 = 76.28; no routing; overhead 7.628. Unit cost 83.908.
        Assert.Equal((76.28m, 0m, 7.628m), Parts($"{p}-S2"));
        // F1: 83.908 + 500 g = 0.5 kg × 2.00 = 1.00 → 84.908; ASM1 0.5 h × 20 + 1 h × 48 = 58.00; class FIN has no overhead.
        Assert.Equal((84.908m, 58m, 0m), Parts($"{p}-F1"));

        using var early = await Host.PostJsonAsync($"/api/v1/costing/versions/{id}/release", new { reason = "too early" });
        var refused = await ProblemAsync(early);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "cost-version.transition-not-allowed"), (refused.Status, refused.Rule));
        Assert.Contains("simulated", refused.Detail, StringComparison.Ordinal);

        await OkAsync(await Host.PostJsonAsync($"/api/v1/costing/versions/{id}/mark", new { }));
        var released = await OkAsync(await Host.PostJsonAsync($"/api/v1/costing/versions/{id}/release", new { reason = "mid-year costing approved" }));
        Assert.Equal("released", released.GetProperty("status").GetString());
        var entry = released.GetProperty("journalEntry").GetString()!;

        // S1: 5 on hand worth 200.00, now 5 × 35.14 = 175.70: 24.30 down. S2: 10 worth 800.00, now 839.08: 39.08 up.
        var lines = await LinesAsync(Host, "SELECT account, debit_e4, credit_e4 FROM ledger_journal_line WHERE entry_id = @entry AND item IN (@s1, @s2) ORDER BY line_no", new { entry, s1 = $"{p}-S1", s2 = $"{p}-S2" });
        Assert.Equal([("539000", 24.30m, 0m), ("141000", 0m, 24.30m), ("141000", 39.08m, 0m), ("539000", 0m, 39.08m)], lines);
        var all = await EntryLinesAsync(Host, entry);
        Assert.Equal(all.Sum(l => l.Debit), all.Sum(l => l.Credit));
        var stock = (await Host.Service<Takt.Inventory.IInventory>().StockAsync(Host.Store, "PA01", Ct)).ToDictionary(s => s.Item, s => s.Value);
        Assert.Equal(175.70m, stock[$"{p}-S1"]);
        Assert.Equal(839.08m, stock[$"{p}-S2"]);
        var item = await Host.GetAsync<JsonElement>($"/api/v1/masterdata/items/{p}-F1");
        Assert.Equal(142.908m, item.GetProperty("standardCosts")[0].GetProperty("cost").GetDecimal());
        var change = Assert.Single(await Host.GetAsync<JsonElement[]>($"/api/v1/masterdata/changes?entity=standard-cost&key=PA01/{p}-S2"), c => c.GetProperty("reason").GetString() == "mid-year costing approved");
        Assert.Equal(("80", "83.908"), (change.GetProperty("oldValue").GetString(), change.GetProperty("newValue").GetString()));

        using var again = await Host.PostJsonAsync($"/api/v1/costing/versions/{id}/release", new { reason = "twice" });
        Assert.Equal("cost-version.transition-not-allowed", (await ProblemAsync(again)).Rule);
    }
}

public sealed class CostingOnSqlite(ProductionSqliteHost fixture) : CostingContract<ProductionSqliteHost>(fixture);

public sealed class CostingOnPostgres(ProductionPostgresHost fixture) : CostingContract<ProductionPostgresHost>(fixture);
