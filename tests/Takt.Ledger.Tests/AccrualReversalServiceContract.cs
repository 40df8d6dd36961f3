using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Takt.Contracts;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Ledger.Tests;

/// <summary>A month-end host whose accrual reversal service looks every 100 ms (real time); the business clock is fake.</summary>
public abstract class ReversalServiceHost(string engine) : HostFixture(engine)
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 30, 23, 58, 0, TimeSpan.Zero));

    protected override void Configure(ServerSettings settings)
    {
        settings.Clock = Clock;
        settings.ConfigureServices = services => services.AddSingleton(new AccrualReversalOptions(TimeSpan.FromMilliseconds(100)));
    }
}

public sealed class ReversalServiceSqliteHost() : ReversalServiceHost("sqlite");

public sealed class ReversalServicePostgresHost() : ReversalServiceHost("postgres");

/// <summary>
/// The accrual reversal runs on its own as a hosted service: nothing before the first day of the next period by the
/// business clock, the reversal on it without anyone calling, and exactly one reversal when several runs (the service,
/// the endpoint, further nodes' runs in their own transactions) race for the same accrual.
/// </summary>
public abstract class AccrualReversalServiceContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ReversalServiceHost
{
    private TaktHost Host => fixture.Host;

    private async Task<AccrualView> PostedAsync(decimal amount, string description)
    {
        var ct = TestContext.Current.CancellationToken;
        var accruals = Host.Service<IAccruals>();
        AccrualView proposed;
        await using (var session = await Host.Store.OpenSessionAsync(fixture.Clock, ct))
        await using (var tx = await session.BeginAsync(ct))
        {
            proposed = (await accruals.ProposeAsync(tx, new AccrualProposal("TK01", "PA01", new DateOnly(2026, 11, 30), "freight", new Money(amount, Currency.Eur), description, "flow:expedite"), ct)).Value;
            await tx.CommitAsync(ct);
        }

        Assert.Equal("approved", (await accruals.ApproveAsync(Host.Store, proposed.Id, "controller", ct)).Value.Status);
        var posted = await accruals.PostAsync(Host.Store, proposed.Id, "controller", ct);
        Assert.False(posted.IsRejected, string.Join("; ", posted.Violations.Select(v => v.Detail)));
        return posted.Value;
    }

    private async Task<AccrualView> WaitForAsync(string id, Func<AccrualView, bool> done)
    {
        var accruals = Host.Service<IAccruals>();
        for (var i = 0; i < 300; i++)
        {
            var view = (await accruals.ListAsync(Host.Store, "TK01", 202611, TestContext.Current.CancellationToken)).Single(a => a.Id == id);
            if (done(view))
                return view;
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"Accrual {id} was not reversed within 30 s.");
    }

    private async Task<long> ReversalsAsync(string id) =>
        await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM ledger_journal_entry WHERE source_id = @id AND document_type = 'accrual-reversal'", new { id });

    [Fact]
    public async Task the_service_reverses_on_the_first_day_of_the_next_period_by_itself_and_once_however_many_runs_race()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await PostedAsync(1250m, "Premium freight for expedited RM-3001");
        // The service has looked several times at 23:58 on the 30th: not due.
        await Task.Delay(800, ct);
        Assert.Equal("posted", (await Host.Service<IAccruals>().ListAsync(Host.Store, "TK01", 202611, ct)).Single(a => a.Id == first.Id).Status);
        Assert.Equal(0, await ReversalsAsync(first.Id));

        fixture.Clock.Advance(TimeSpan.FromMinutes(3)); // 00:01 on 1 December
        var reversed = await WaitForAsync(first.Id, a => a.Status == "reversed");
        Assert.NotNull(reversed.ReversalEntryId);
        Assert.Equal(1, await ReversalsAsync(first.Id));
        var entry = await Host.GetAsync<System.Text.Json.JsonElement>($"/api/v1/ledger/journal-entries/{reversed.ReversalEntryId}");
        Assert.Equal(("2026-12-01", first.EntryId), (entry.GetProperty("postingDate").GetString(), entry.GetProperty("reverses").GetString()));

        // Due the moment it is posted: the service and four runs in their own transactions race for it.
        var second = await PostedAsync(310m, "Services received, not invoiced");
        var accruals = Host.Service<IAccruals>();
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => accruals.RunDueReversalsAsync(Host.Store, ct), ct)));
        await WaitForAsync(second.Id, a => a.Status == "reversed");
        Assert.True(runs.Count(r => r.Any(a => a.Id == second.Id)) <= 1, "at most one run reports the reversal (the service may have taken it)");
        Assert.Equal(1, await ReversalsAsync(second.Id));
        Assert.Equal(1, await ReversalsAsync(first.Id));
        Assert.Empty(await accruals.RunDueReversalsAsync(Host.Store, ct)); // nothing left: a repeated run does nothing
        Assert.True((await Host.Service<ILedgerClose>().VerifyAuditChainAsync(Host.Store, "TK01", ct)).Intact);
    }
}

public sealed class AccrualReversalServiceOnSqlite(ReversalServiceSqliteHost fixture) : AccrualReversalServiceContract<ReversalServiceSqliteHost>(fixture);

public sealed class AccrualReversalServiceOnPostgres(ReversalServicePostgresHost fixture) : AccrualReversalServiceContract<ReversalServicePostgresHost>(fixture);
