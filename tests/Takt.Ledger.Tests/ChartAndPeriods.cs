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

    /// <summary>A state-changing POST as another client, with its Idempotency-Key.</summary>
    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return http.SendAsync(request, TestContext.Current.CancellationToken);
    }

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
    public async Task reopening_a_closed_period_needs_a_reason_and_a_second_person_and_records_who_when_why()
    {
        var period = (Year * 100) + 5;
        using (var closed = await ChangeAsync(period, "closed"))
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        using (var noReason = await ChangeAsync(period, "open"))
            await Problems.AssertAsync(noReason, HttpStatusCode.UnprocessableEntity, "/reason", "period.reason-required");
        string request;
        using (var requested = await ChangeAsync(period, "open", "Late supplier invoice for May"))
        {
            Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
            var view = await TaktHost.JsonAsync(requested);
            Assert.Equal("closed", view.GetProperty("status").GetString()); // nothing changes before the approval
            var pending = view.GetProperty("reopens").EnumerateArray().Single();
            Assert.Equal(("pending", "open", "Late supplier invoice for May"), (pending.GetProperty("status").GetString(), pending.GetProperty("to").GetString(), pending.GetProperty("reason").GetString()));
            request = pending.GetProperty("id").GetString()!;
        }

        using (var again = await ChangeAsync(period, "open", "Once more"))
            await Problems.AssertAsync(again, HttpStatusCode.UnprocessableEntity, "/status", "period.reopen-pending");
        var before = await Host.SettledSnapshotAsync();
        using (var self = await Host.PostJsonAsync($"/api/v1/ledger/periods/TK01/{period}/reopen-requests/{request}/approve", new { }))
            await Problems.AssertAsync(self, HttpStatusCode.Forbidden, "/id", "sod.same-person");
        using (var unknown = await Host.PostJsonAsync($"/api/v1/ledger/periods/TK01/{period}/reopen-requests/0190aaaa-0000-7000-8000-000000000000/approve", new { }))
            await Problems.AssertAsync(unknown, HttpStatusCode.NotFound, "/id", "reopen-request.unknown");
        before.AssertUnchanged(await Host.SettledSnapshotAsync());
        using (var stillClosed = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 5, 10), "690000", "100000")))
            await Problems.AssertAsync(stillClosed, HttpStatusCode.UnprocessableEntity, "/postingDate", "period.closed");

        var controller = Host.HttpWith((await Host.RegisterClientAsync("second-controller", [Takt.Integration.Access.Scopes.LedgerClose, Takt.Integration.Access.Scopes.LedgerRead], ["*"])).ApiKey);
        using (var approved = await SendAsync(controller, $"/api/v1/ledger/periods/TK01/{period}/reopen-requests/{request}/approve", new { reason = "Checked with AP" }))
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        using (var twice = await SendAsync(controller, $"/api/v1/ledger/periods/TK01/{period}/reopen-requests/{request}/approve", new { }))
            await Problems.AssertAsync(twice, HttpStatusCode.UnprocessableEntity, "/id", "period.reopen-decided");
        var periods = await Host.GetAsync<JsonElement>("/api/v1/ledger/periods?company=TK01");
        var row = periods.EnumerateArray().Single(p => p.GetProperty("period").GetInt32() == period);
        Assert.Equal("open", row.GetProperty("status").GetString());
        var changes = row.GetProperty("changes").EnumerateArray().ToArray();
        Assert.Equal(2, changes.Length);
        Assert.Equal(("closed", "open", "second-controller"), (changes[1].GetProperty("from").GetString(), changes[1].GetProperty("to").GetString(), changes[1].GetProperty("actor").GetString()));
        Assert.Contains("Late supplier invoice for May (requested by " + TaktHost.SuiteClientId, changes[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        var decided = row.GetProperty("reopens").EnumerateArray().Single();
        Assert.Equal(("approved", "second-controller", "Checked with AP"), (decided.GetProperty("status").GetString(), decided.GetProperty("decidedBy").GetString(), decided.GetProperty("decisionReason").GetString()));
        Assert.StartsWith(TaktHost.SuiteClientId, decided.GetProperty("requestedBy").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_rejected_reopen_request_leaves_the_period_closed_and_needs_a_reason()
    {
        var period = (Year * 100) + 6;
        using (var closed = await ChangeAsync(period, "closed"))
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        using var requested = await ChangeAsync(period, "soft-closed", "Accruals for June", ["accrual"]);
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        var request = (await TaktHost.JsonAsync(requested)).GetProperty("reopens").EnumerateArray().Single().GetProperty("id").GetString()!;
        var reviewer = Host.HttpWith((await Host.RegisterClientAsync("close-reviewer", [Takt.Integration.Access.Scopes.LedgerClose], ["*"])).ApiKey);
        using (var noReason = await SendAsync(reviewer, $"/api/v1/ledger/periods/TK01/{period}/reopen-requests/{request}/reject", new { }))
            await Problems.AssertAsync(noReason, HttpStatusCode.UnprocessableEntity, "/reason", "period.reason-required");
        using (var rejected = await SendAsync(reviewer, $"/api/v1/ledger/periods/TK01/{period}/reopen-requests/{request}/reject", new { reason = "June is audited" }))
        {
            Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
            var view = await TaktHost.JsonAsync(rejected);
            Assert.Equal("closed", view.GetProperty("status").GetString());
            Assert.Equal(("rejected", "June is audited"), (view.GetProperty("reopens")[0].GetProperty("status").GetString(), view.GetProperty("reopens")[0].GetProperty("decisionReason").GetString()));
            Assert.Single(view.GetProperty("changes").EnumerateArray()); // only the close
        }

        // A soft-closed period moving back to open is not a reopening of a closed period: no approval needed.
        var soft = (Year * 100) + 7;
        using (var softClosed = await ChangeAsync(soft, "soft-closed", null, ["accrual"]))
            Assert.Equal(HttpStatusCode.OK, softClosed.StatusCode);
        using (var open = await ChangeAsync(soft, "open", "Late delivery notes"))
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
    }

    [Fact]
    public async Task an_account_is_set_up_through_the_api_and_bad_input_changes_nothing()
    {
        var before = await Host.SettledSnapshotAsync();
        using (var bad = await Host.PostJsonAsync("/api/v1/ledger/accounts", new { company = "TK01", number = "12", name = "", kind = "cost", controlSubledger = "sales" }))
        {
            var problem = await TaktHost.JsonAsync(bad);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
            Assert.Equal(["/number account.number-invalid", "/name account.name-required", "/kind account.kind-unknown", "/controlSubledger account.subledger-unknown"],
                problem.GetProperty("errors").EnumerateArray().Select(e => $"{e.GetProperty("field").GetString()} {e.GetProperty("rule").GetString()}"));
        }

        using (var company = await Host.PostJsonAsync("/api/v1/ledger/accounts", new { company = "XX99", number = "615000", name = "Consulting", kind = "expense" }))
            await Problems.AssertAsync(company, HttpStatusCode.UnprocessableEntity, "/company", "account.company-unknown");
        using (var inUse = await Host.PostJsonAsync("/api/v1/ledger/accounts", new { company = "TK01", number = "140000", name = "Raw materials inventory", kind = "asset", controlSubledger = "payables" }))
            await Problems.AssertAsync(inUse, HttpStatusCode.UnprocessableEntity, "/controlSubledger", "account.in-use");
        using (var kind = await Host.PostJsonAsync("/api/v1/ledger/accounts", new { company = "TK01", number = "140000", name = "Raw materials inventory", kind = "liability", controlSubledger = "inventory" }))
            await Problems.AssertAsync(kind, HttpStatusCode.UnprocessableEntity, "/kind", "account.in-use");
        before.AssertUnchanged(await Host.SettledSnapshotAsync());

        using (var created = await Host.PostJsonAsync("/api/v1/ledger/accounts", new { company = "TK01", number = "615000", name = "Consulting", kind = "expense" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var account = await TaktHost.JsonAsync(created);
            Assert.Equal(("615000", "debit"), (account.GetProperty("account").GetString(), account.GetProperty("normalBalance").GetString()));
        }

        using (var renamed = await Host.PostJsonAsync("/api/v1/ledger/accounts", new { company = "TK01", number = "615000", name = "Consulting fees", kind = "expense" }))
            Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var chart = await Host.GetAsync<JsonElement>("/api/v1/ledger/accounts?company=TK01");
        Assert.Equal("Consulting fees", chart.EnumerateArray().Single(a => a.GetProperty("account").GetString() == "615000").GetProperty("name").GetString());
        using var posted = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 1, 23), "615000", "100000", 80m));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
    }

    [Fact]
    public async Task an_exchange_rate_is_recorded_as_data_used_by_postings_and_never_changed()
    {
        var before = await Host.SettledSnapshotAsync();
        using (var bad = await Host.PostJsonAsync("/api/v1/ledger/exchange-rates", new { from = "XXY", to = "EUR", rate = 0m }))
        {
            var problem = await TaktHost.JsonAsync(bad);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
            Assert.Equal(["/from money.currency-unknown", "/validFrom rate.valid-from-required", "/rate rate.invalid"],
                problem.GetProperty("errors").EnumerateArray().Select(e => $"{e.GetProperty("field").GetString()} {e.GetProperty("rule").GetString()}"));
        }

        using (var same = await Host.PostJsonAsync("/api/v1/ledger/exchange-rates", new { from = "EUR", to = "EUR", validFrom = new DateOnly(Year, 8, 1), rate = 1m }))
            await Problems.AssertAsync(same, HttpStatusCode.UnprocessableEntity, "/to", "rate.same-currency");
        using (var noRate = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 8, 12), "610000", "100000", 100m, currency: "CHF")))
            await Problems.AssertAsync(noRate, HttpStatusCode.UnprocessableEntity, "/currency", "posting.rate-missing");
        before.AssertUnchanged(await Host.SettledSnapshotAsync());

        using (var recorded = await Host.PostJsonAsync("/api/v1/ledger/exchange-rates", new { from = "CHF", to = "EUR", validFrom = new DateOnly(Year, 8, 1), rate = 1.0625m }))
        {
            Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
            var rate = await TaktHost.JsonAsync(recorded);
            Assert.Equal(1.0625m, rate.GetProperty("rate").GetDecimal());
            Assert.StartsWith(TaktHost.SuiteClientId, rate.GetProperty("actor").GetString(), StringComparison.Ordinal);
        }

        using (var repeat = await Host.PostJsonAsync("/api/v1/ledger/exchange-rates", new { from = "CHF", to = "EUR", validFrom = new DateOnly(Year, 8, 1), rate = 1.0625m }))
            Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        var snapshot = await Host.SettledSnapshotAsync();
        using (var changed = await Host.PostJsonAsync("/api/v1/ledger/exchange-rates", new { from = "CHF", to = "EUR", validFrom = new DateOnly(Year, 8, 1), rate = 1.07m }))
            await Problems.AssertAsync(changed, HttpStatusCode.UnprocessableEntity, "/rate", "rate.recorded");
        snapshot.AssertUnchanged(await Host.SettledSnapshotAsync());

        using var entry = await Host.PostJsonAsync("/api/v1/ledger/journal-entries", Entry(new DateOnly(Year, 8, 12), "610000", "100000", 100m, currency: "CHF"));
        Assert.Equal(HttpStatusCode.Created, entry.StatusCode);
        var body = await TaktHost.JsonAsync(entry);
        Assert.Equal(("CHF", "1.0625", 106.25m), (body.GetProperty("currency").GetString(), body.GetProperty("rate").GetString(), body.GetProperty("lines")[0].GetProperty("debitLocal").GetDecimal()));
        var rates = await Host.GetAsync<JsonElement>("/api/v1/ledger/exchange-rates?from=CHF&to=EUR");
        Assert.Single(rates.EnumerateArray());
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
