using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Testing;
using Xunit;

namespace Takt.Ledger.Tests;

/// <summary>
/// Chart of accounts and period states over real HTTP: control accounts refuse manual entries, closed and
/// soft-closed periods refuse what they must with problem details, reopening needs a reason and is recorded.
/// Each test uses its own periods of next year so the tests of a class do not meet.
/// </summary>
public abstract class ChartAndPeriodsContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private static readonly int Year = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).Year + 1;

    private static object Entry(DateOnly date, string debitAccount, string creditAccount, decimal amount = 100m, string? reason = "Correction of a misposting", string? role = null, string currency = "EUR") => new
    {
        company = "TK01",
        plant = "PA01",
        postingDate = date,
        currency,
        reason,
        role,
        lines = new object[]
        {
            new { account = debitAccount, debit = amount },
            new { account = creditAccount, credit = amount },
        },
    };

    private Task<HttpResponseMessage> ChangeAsync(int period, string status, string? reason = null, string[]? allows = null) =>
        Host.PostJsonAsync($"/api/v1/ledger/periods/TK01/{period}/state", new { status, reason, allows });

    [Fact]
    public async Task a_manual_entry_to_a_control_account_is_refused_and_changes_nothing()
    {
        var before = await Host.SettledSnapshotAsync();
        using var response = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 1, 15), "140000", "690000"));
        await Problems.AssertAsync(response, HttpStatusCode.UnprocessableEntity, "/lines/0/account", "posting.control-account");
        before.AssertUnchanged(await Host.SettledSnapshotAsync());
    }

    [Fact]
    public async Task a_balanced_manual_entry_with_a_reason_posts_with_the_next_number()
    {
        using var response = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 1, 20), "690000", "100000", 250.10m));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var entry = await TaktHost.JsonAsync(response);
        Assert.Equal(Year, entry.GetProperty("fiscalYear").GetInt32());
        Assert.True(entry.GetProperty("number").GetInt64() >= 1);
        Assert.Equal("Correction of a misposting", entry.GetProperty("reason").GetString());
        Assert.Equal(TaktHost.SuiteClientId, entry.GetProperty("actor").GetString()![..TaktHost.SuiteClientId.Length]);
        Assert.Equal(64, entry.GetProperty("hash").GetString()!.Length);
    }

    [Fact]
    public async Task a_manual_entry_without_a_reason_or_unbalanced_is_refused()
    {
        using var noReason = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 1, 21), "690000", "100000", reason: null));
        await Problems.AssertAsync(noReason, HttpStatusCode.UnprocessableEntity, "/reason", "journal.reason-required");
        using var unbalanced = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", new
        {
            company = "TK01", plant = "PA01", postingDate = new DateOnly(Year, 1, 21), currency = "EUR", reason = "x",
            lines = new object[] { new { account = "690000", debit = 10m }, new { account = "100000", credit = 9.99m } },
        });
        await Problems.AssertAsync(unbalanced, HttpStatusCode.UnprocessableEntity, "", "posting.unbalanced");
    }

    [Fact]
    public async Task a_closed_period_refuses_a_posting_with_a_problem_naming_the_date()
    {
        var period = (Year * 100) + 2;
        using (var closed = await ChangeAsync(period, "closed"))
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        // Settled: closing the period is an event of its own, which the background readers (process map, flows)
        // may still be filing when the posting is tried.
        var before = await Host.SettledSnapshotAsync();
        using var response = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 2, 10), "690000", "100000"));
        var problem = await Problems.AssertAsync(response, HttpStatusCode.UnprocessableEntity, "/postingDate", "period.closed");
        Assert.Contains($"{Year}-02", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        before.AssertUnchanged(await Host.SettledSnapshotAsync());
    }

    [Fact]
    public async Task a_soft_closed_period_admits_only_the_named_roles()
    {
        var period = (Year * 100) + 3;
        using (var soft = await ChangeAsync(period, "soft-closed", allows: ["role:controller"]))
            Assert.Equal(HttpStatusCode.OK, soft.StatusCode);
        using var refused = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 3, 31), "690000", "100000", role: "clerk"));
        var problem = await Problems.AssertAsync(refused, HttpStatusCode.UnprocessableEntity, "/postingDate", "period.soft-closed");
        Assert.Contains("role:controller", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var admitted = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 3, 31), "690000", "100000", role: "controller"));
        Assert.Equal(HttpStatusCode.Created, admitted.StatusCode);
    }

    [Fact]
    public async Task a_soft_close_must_name_what_it_admits()
    {
        using var response = await ChangeAsync((Year * 100) + 4, "soft-closed");
        await Problems.AssertAsync(response, HttpStatusCode.UnprocessableEntity, "/allows", "period.allows-required");
        using var unknown = await ChangeAsync((Year * 100) + 4, "half-open");
        await Problems.AssertAsync(unknown, HttpStatusCode.UnprocessableEntity, "/status", "period.status-unknown");
        using var missing = await ChangeAsync(199901, "closed");
        await Problems.AssertAsync(missing, HttpStatusCode.NotFound, "/period", "period.unknown");
    }

    [Fact]
    public async Task reopening_needs_a_reason_and_records_who_when_why()
    {
        var period = (Year * 100) + 5;
        using (var closed = await ChangeAsync(period, "closed"))
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        using (var noReason = await ChangeAsync(period, "open"))
            await Problems.AssertAsync(noReason, HttpStatusCode.UnprocessableEntity, "/reason", "period.reason-required");
        using (var reopened = await ChangeAsync(period, "open", "Late supplier invoice for May"))
            Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);
        var periods = await Host.GetAsync<JsonElement>("/api/v1/ledger/periods?company=TK01");
        var row = periods.EnumerateArray().Single(p => p.GetProperty("period").GetInt32() == period);
        Assert.Equal("open", row.GetProperty("status").GetString());
        var changes = row.GetProperty("changes").EnumerateArray().ToArray();
        Assert.Equal(2, changes.Length);
        Assert.Equal(("closed", "open", "Late supplier invoice for May"), (changes[1].GetProperty("from").GetString(), changes[1].GetProperty("to").GetString(), changes[1].GetProperty("reason").GetString()));
        Assert.StartsWith(TaktHost.SuiteClientId, changes[1].GetProperty("actor").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_chart_lists_normal_balances_and_control_accounts()
    {
        var chart = await Host.GetAsync<JsonElement>("/api/v1/ledger/accounts?company=TK01");
        var wip = chart.EnumerateArray().Single(a => a.GetProperty("account").GetString() == "145000");
        Assert.Equal(("debit", "production"), (wip.GetProperty("normalBalance").GetString(), wip.GetProperty("controlSubledger").GetString()));
        var accrued = chart.EnumerateArray().Single(a => a.GetProperty("account").GetString() == "195000");
        Assert.Equal("credit", accrued.GetProperty("normalBalance").GetString());
    }

    [Fact]
    public async Task an_entry_in_another_currency_carries_company_currency_amounts_at_the_rate()
    {
        using var response = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 1, 22), "610000", "100000", 100.01m, currency: "USD"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var entry = await TaktHost.JsonAsync(response);
        Assert.Equal(("USD", "EUR", "0.92"), (entry.GetProperty("currency").GetString(), entry.GetProperty("companyCurrency").GetString(), entry.GetProperty("rate").GetString()));
        var lines = entry.GetProperty("lines").EnumerateArray().ToArray();
        Assert.Equal(92.01m, lines[0].GetProperty("debitLocal").GetDecimal()); // 100.01 × 0.92 = 92.0092 → 92.01
        Assert.Equal(92.01m, lines[1].GetProperty("creditLocal").GetDecimal());
        using var noRate = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 1, 22), "610000", "100000", 1m, currency: "JPY"));
        await Problems.AssertAsync(noRate, HttpStatusCode.UnprocessableEntity, "/currency", "posting.rate-missing");
    }
}

public sealed class ChartAndPeriodsOnSqlite(SqliteHost fixture) : ChartAndPeriodsContract<SqliteHost>(fixture);

public sealed class ChartAndPeriodsOnPostgres(PostgresHost fixture) : ChartAndPeriodsContract<PostgresHost>(fixture);
