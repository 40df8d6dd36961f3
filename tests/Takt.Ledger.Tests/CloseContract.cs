using System.Net;
using System.Text.Json;
using Dapper;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Ledger.Tests;

/// <summary>
/// The close checklist is computed from data: each subledger reconciliation detects a difference injected into the
/// subledger's own table, an unposted accrual fails its check, and readiness is passed ÷ applicable checks.
/// Also the trial balance and the drill-down from a balance to its entries.
/// </summary>
public abstract class CloseContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private static int ThisPeriod => (TimeProvider.System.GetUtcNow().Year * 100) + TimeProvider.System.GetUtcNow().Month;

    private async Task<JsonElement> StatusAsync() => await Host.GetAsync<JsonElement>($"/api/v1/close/TK01/{ThisPeriod}");

    private static JsonElement Check(JsonElement status, string name) =>
        status.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == name);

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await Host.Store.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql);
    }

    [Fact]
    public async Task each_subledger_reconciliation_detects_an_injected_difference()
    {
        await Host.DrainOutboxAsync();
        var clean = await StatusAsync();
        Assert.Equal("passed", Check(clean, "inventory-reconciled").GetProperty("status").GetString());
        Assert.Equal("passed", Check(clean, "production-reconciled").GetProperty("status").GetString());
        Assert.Equal("passed", Check(clean, "procurement-reconciled").GetProperty("status").GetString());
        Assert.Equal("passed", Check(clean, "payables-reconciled").GetProperty("status").GetString());
        Assert.Contains("GR/IR open items", Check(clean, "procurement-reconciled").GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Stock valued 12.34 higher than the inventory accounts say.
        await ExecuteAsync("UPDATE inventory_stock SET value_e4 = value_e4 + 123400 WHERE item = 'RM-3001' AND plant = 'PA01'");
        var stock = await StatusAsync();
        var inventory = Check(stock, "inventory-reconciled");
        Assert.Equal(("failed", -12.34m), (inventory.GetProperty("status").GetString(), inventory.GetProperty("difference").GetDecimal()));
        Assert.Contains(stock.GetProperty("failing").EnumerateArray(), c => c.GetProperty("check").GetString() == "inventory-reconciled");
        await ExecuteAsync("UPDATE inventory_stock SET value_e4 = value_e4 - 123400 WHERE item = 'RM-3001' AND plant = 'PA01'");

        // An order's WIP 50.00 higher than the WIP account.
        var order = (await Host.OrdersAsync())[0].Number;
        await ExecuteAsync($"UPDATE production_order SET wip_e4 = wip_e4 + 500000 WHERE number = '{order}'");
        var wip = Check(await StatusAsync(), "production-reconciled");
        Assert.Equal(("failed", -50m), (wip.GetProperty("status").GetString(), wip.GetProperty("difference").GetDecimal()));
        await ExecuteAsync($"UPDATE production_order SET wip_e4 = wip_e4 - 500000 WHERE number = '{order}'");

        var restored = await StatusAsync();
        Assert.Equal("passed", Check(restored, "inventory-reconciled").GetProperty("status").GetString());
        Assert.Equal("passed", Check(restored, "production-reconciled").GetProperty("status").GetString());
    }

    [Fact]
    public async Task an_unposted_accrual_fails_the_checklist_and_lowers_readiness()
    {
        await Host.DrainOutboxAsync();
        var before = await StatusAsync();
        var day = TimeProvider.System.GetUtcNow();
        using var proposed = await Host.PostJsonAsync("/api/v1/ledger/accruals", new
        {
            company = "TK01", plant = "PA01", postingDate = new DateOnly(day.Year, day.Month, 1), category = "services", amount = 480m, currency = "EUR",
            description = "Maintenance service received, not invoiced",
        });
        Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
        var after = await StatusAsync();
        Assert.Equal("failed", Check(after, "accruals-posted").GetProperty("status").GetString());
        Assert.Equal(before.GetProperty("passed").GetInt32() - 1, after.GetProperty("passed").GetInt32());
        Assert.Equal(Math.Round((decimal)after.GetProperty("passed").GetInt32() / after.GetProperty("applicable").GetInt32(), 4), after.GetProperty("readiness").GetDecimal());
        // outbox, dead letters, balanced, inventory, WIP, GR/IR, payables, GR/IR items explained, exceptions resolved, accruals posted and reversed
        Assert.Equal(11, after.GetProperty("applicable").GetInt32());
    }

    [Fact]
    public async Task an_open_stock_discrepancy_fails_exceptions_resolved_until_it_is_resolved()
    {
        var clean = Check(await StatusAsync(), "exceptions-resolved");
        Assert.True(clean.GetProperty("status").GetString() == "passed", clean.GetProperty("detail").GetString());
        var at = TimeProvider.System.GetUtcNow().AddMinutes(-1).ToUnixTimeMilliseconds() * 1000;
        await ExecuteAsync($"INSERT INTO inventory_reconciliation (id, plant, snapshot_at_us, lines, matched, timing, discrepancies, discrepancy_value_e4, currency, created_at_us) VALUES ('close-test-rec', 'PA01', {at}, 1, 0, 0, 1, 45000, 'EUR', {at})");
        await ExecuteAsync("INSERT INTO inventory_discrepancy (id, reconciliation_id, plant, item, location, lot, takt_e6, wms_e6, in_flight_e6, difference_e6, value_e4, status) VALUES ('close-test-disc', 'close-test-rec', 'PA01', 'RM-3001', 'A-01', '', 10000000, 9000000, 0, -1000000, -45000, 'open')");
        try
        {
            var open = Check(await StatusAsync(), "exceptions-resolved");
            Assert.Equal("failed", open.GetProperty("status").GetString());
            Assert.Contains("1 stock", open.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("close-test-disc", open.GetProperty("detail").GetString(), StringComparison.Ordinal);
            // Found after the end of last month: last month's close is not held up by it.
            var day = TimeProvider.System.GetUtcNow().AddMonths(-1);
            var previous = await Host.GetAsync<JsonElement>($"/api/v1/close/TK01/{(day.Year * 100) + day.Month}");
            Assert.Equal("passed", Check(previous, "exceptions-resolved").GetProperty("status").GetString());

            await ExecuteAsync("UPDATE inventory_discrepancy SET status = 'adjusted' WHERE id = 'close-test-disc'");
            Assert.Equal("passed", Check(await StatusAsync(), "exceptions-resolved").GetProperty("status").GetString());
        }
        finally
        {
            await ExecuteAsync("DELETE FROM inventory_discrepancy WHERE id = 'close-test-disc'");
            await ExecuteAsync("DELETE FROM inventory_reconciliation WHERE id = 'close-test-rec'");
        }
    }

    [Fact]
    public async Task the_trial_balance_balances_and_a_balance_drills_down_to_its_entries_and_source()
    {
        var tb = await Host.GetAsync<JsonElement>($"/api/v1/ledger/trial-balance?company=TK01&period={ThisPeriod}");
        Assert.True(tb.GetProperty("balanced").GetBoolean());
        Assert.Equal(tb.GetProperty("totalDebit").GetDecimal(), tb.GetProperty("totalCredit").GetDecimal());
        var raw = tb.GetProperty("accounts").EnumerateArray().Single(a => a.GetProperty("account").GetString() == "140000");
        Assert.True(raw.GetProperty("closing").GetDecimal() > 0);

        var entries = await Host.GetAsync<JsonElement>($"/api/v1/ledger/accounts/140000/entries?company=TK01&period={ThisPeriod}&limit=5");
        var first = entries.EnumerateArray().First();
        Assert.Equal("opening-stock", first.GetProperty("documentType").GetString());
        Assert.Equal("takt.demo.opening-stock", first.GetProperty("sourceType").GetString());
        Assert.NotEmpty(first.GetProperty("items").EnumerateArray());
        var entry = await Host.GetAsync<JsonElement>(first.GetProperty("entry").GetString()!);
        Assert.Equal(first.GetProperty("entryId").GetString(), entry.GetProperty("id").GetString());

        using var bad = await Host.Http.GetAsync("/api/v1/ledger/trial-balance?company=TK01&period=202613", TestContext.Current.CancellationToken);
        await Problems.AssertAsync(bad, HttpStatusCode.BadRequest, "/query/period", "query.period-invalid");
    }
}

public sealed class CloseOnSqlite(SqliteHost fixture) : CloseContract<SqliteHost>(fixture);

public sealed class CloseOnPostgres(PostgresHost fixture) : CloseContract<PostgresHost>(fixture);
