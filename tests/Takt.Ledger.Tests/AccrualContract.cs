using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Takt.Contracts;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Ledger.Tests;

/// <summary>A host whose business clock stands two minutes before midnight on the last day of a month.</summary>
public abstract class MonthEndHost(string engine) : HostFixture(engine)
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 30, 23, 58, 0, TimeSpan.Zero));

    protected override void Configure(ServerSettings settings) => settings.Clock = Clock;
}

public sealed class MonthEndSqliteHost() : MonthEndHost("sqlite");

public sealed class MonthEndPostgresHost() : MonthEndHost("postgres");

/// <summary>
/// An accrual proposed by a flow, approved by someone else, posted at month end and reversed automatically on the
/// first day of the next period — not a minute before (the clock is a FakeTimeProvider).
/// </summary>
public abstract class AccrualContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : MonthEndHost
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task an_accrual_is_reversed_on_the_first_day_of_the_next_period_and_not_before()
    {
        var ct = TestContext.Current.CancellationToken;
        var accruals = Host.Service<IAccruals>();
        var store = Host.Store;
        AccrualView proposed;
        await using (var session = await store.OpenSessionAsync(fixture.Clock, ct))
        await using (var tx = await session.BeginAsync(ct))
        {
            var outcome = await accruals.ProposeAsync(tx, new AccrualProposal("TK01", "PA01", new DateOnly(2026, 11, 30), "freight", new Money(1250m, Currency.Eur),
                "Premium freight for expedited RM-3001 after the CNC1 outage", "flow:expedite", Source: "expedite:REQ-1001"), ct);
            proposed = outcome.Value;
            await tx.CommitAsync(ct);
        }

        Assert.Equal(("proposed", new DateOnly(2026, 12, 1)), (proposed.Status, proposed.ReverseOn));
        var selfApproved = await accruals.ApproveAsync(store, proposed.Id, "flow:expedite", ct);
        Assert.Equal("sod.approver-is-proposer", Assert.Single(selfApproved.Violations).Rule);
        using (var unposted = await Host.PostJsonAsync($"/api/v1/ledger/accruals/{proposed.Id}/post", new { }))
            await Problems.AssertAsync(unposted, HttpStatusCode.UnprocessableEntity, "/id", "accrual.not-approved");
        Assert.Equal("approved", (await accruals.ApproveAsync(store, proposed.Id, "controller", ct)).Value.Status);
        var posted = (await accruals.PostAsync(store, proposed.Id, "controller", ct)).Value;
        Assert.Equal("posted", posted.Status);
        var entry = await Host.GetAsync<JsonElement>($"/api/v1/ledger/journal-entries/{posted.EntryId}");
        var lines = entry.GetProperty("lines").EnumerateArray().ToArray();
        Assert.Equal(("610000", 1250m, "195000", 1250m), (lines[0].GetProperty("account").GetString(), lines[0].GetProperty("debit").GetDecimal(), lines[1].GetProperty("account").GetString(), lines[1].GetProperty("credit").GetDecimal()));

        Assert.Empty(await accruals.RunDueReversalsAsync(store, ct)); // 23:58 on the 30th: not yet
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await accruals.RunDueReversalsAsync(store, ct)); // 23:59: still November
        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        var reversed = Assert.Single(await accruals.RunDueReversalsAsync(store, ct)); // 00:01 on 1 December
        Assert.Equal("reversed", reversed.Status);
        var reversal = await Host.GetAsync<JsonElement>($"/api/v1/ledger/journal-entries/{reversed.ReversalEntryId}");
        Assert.Equal(("2026-12-01", posted.EntryId, "accrual-reversal"), (reversal.GetProperty("postingDate").GetString(), reversal.GetProperty("reverses").GetString(), reversal.GetProperty("documentType").GetString()));
        var accrued = (await Host.Service<ILedger>().BalancesAsync(store, null, ct)).Single(b => b.Account == "195000");
        Assert.Equal((1250m, 1250m, 0m), (accrued.Debit, accrued.Credit, accrued.Balance));
        Assert.Empty(await accruals.RunDueReversalsAsync(store, ct)); // once only
    }
}

public sealed class AccrualOnSqlite(MonthEndSqliteHost fixture) : AccrualContract<MonthEndSqliteHost>(fixture);

public sealed class AccrualOnPostgres(MonthEndPostgresHost fixture) : AccrualContract<MonthEndPostgresHost>(fixture);
