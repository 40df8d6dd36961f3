using Takt.Testing;
using Xunit;

namespace Takt.Intelligence.Tests;

/// <summary>
/// The process log is tamper-evident: the sealer chains blocks of events by SHA-256, concurrent turns (several nodes,
/// the host's own background sealer) seal each event exactly once, and a sealed event or seal changed afterwards is
/// found by the verification, naming the range; put back, the chain verifies again.
/// </summary>
public abstract class LogSealContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private IIntelligence Intelligence => Host.Service<IIntelligence>();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task AppendAsync(string prefix, int count)
    {
        await using var session = await Host.Store.OpenSessionAsync(TimeProvider.System, Ct);
        await using var tx = await session.BeginAsync(Ct);
        var at = new DateTimeOffset(2030, 6, 3, 8, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            Intelligence.Append(tx, new ProcessEventDraft("takt.production.material-issued.v1", "/takt/test", $"{prefix}-{i}", "PS1", at.AddSeconds(i),
                $$"""{"n":{{i}},"note":"seal test"}""", 0, [new ObjectLink("production-order", $"PS1-{i % 7}", "issued-to")]));
        }

        await tx.CommitAsync(Ct);
    }

    /// <summary>Seals until nothing is left, four turns at a time (as four nodes would).</summary>
    private async Task SealAllAsync()
    {
        while ((await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Intelligence.SealLogAsync(Host.Store, TimeProvider.System, Ct)))).Sum() > 0)
        {
        }
    }

    [Fact]
    public async Task concurrent_turns_seal_every_event_once_and_the_chain_verifies()
    {
        await AppendAsync("seal-a", 40);
        await SealAllAsync();
        await AppendAsync("seal-b", 25);
        await SealAllAsync();

        var report = await Intelligence.VerifyLogAsync(Host.Store, Ct);
        Assert.True(report.Intact, string.Join("\n", report.Findings.Select(f => f.Problem)));
        Assert.Equal(0, report.Unsealed);
        Assert.Equal(await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM intel_event"), report.Events);
        // Blocks do not overlap and each names its events' count.
        Assert.Equal(report.Events, await Tables.CountAsync(Host.Store, "SELECT COALESCE(SUM(events), 0) FROM intel_log_seal"));
        Assert.Equal(report.Seals, await Tables.CountAsync(Host.Store, "SELECT COUNT(DISTINCT from_seq) FROM intel_log_seal"));
        Assert.Equal(0, await Intelligence.SealLogAsync(Host.Store, TimeProvider.System, Ct));
    }

    [Fact]
    public async Task a_sealed_event_changed_afterwards_is_found_with_its_range_and_verifies_again_once_put_back()
    {
        await AppendAsync("seal-c", 30);
        await SealAllAsync();
        var seq = await Tables.CountAsync(Host.Store, "SELECT seq FROM intel_event WHERE source_id = 'seal-c-17'");
        var original = (await Tables.QueryAsync<string>(Host.Store, "SELECT data FROM intel_event WHERE seq = @seq", new { seq })).Single();

        await Tables.ExecuteAsync(Host.Store, "UPDATE intel_event SET data = @data WHERE seq = @seq", new { seq, data = original.Replace("\"n\":17", "\"n\":71", StringComparison.Ordinal) });
        var tampered = await Intelligence.VerifyLogAsync(Host.Store, Ct);
        var finding = Assert.Single(tampered.Findings);
        Assert.InRange(seq, finding.FromSeq, finding.UptoSeq);
        Assert.Contains("changed, deleted or inserted", finding.Problem, StringComparison.Ordinal);

        await Tables.ExecuteAsync(Host.Store, "UPDATE intel_event SET data = @original WHERE seq = @seq", new { seq, original });
        Assert.True((await Intelligence.VerifyLogAsync(Host.Store, Ct)).Intact);
    }

    [Fact]
    public async Task a_seal_changed_afterwards_breaks_the_chain_at_that_block()
    {
        await AppendAsync("seal-d", 10);
        await SealAllAsync();
        await AppendAsync("seal-e", 10);
        await SealAllAsync();
        var last = await Tables.CountAsync(Host.Store, "SELECT MAX(upto_seq) FROM intel_log_seal");
        var previous = (await Tables.QueryAsync<string>(Host.Store, "SELECT previous FROM intel_log_seal WHERE upto_seq = @last", new { last })).Single();

        await Tables.ExecuteAsync(Host.Store, "UPDATE intel_log_seal SET previous = @forged WHERE upto_seq = @last", new { last, forged = new string('0', 64) });
        var broken = await Intelligence.VerifyLogAsync(Host.Store, Ct);
        Assert.Contains(broken.Findings, f => f.UptoSeq == last && f.Problem.Contains("does not chain", StringComparison.Ordinal));

        await Tables.ExecuteAsync(Host.Store, "UPDATE intel_log_seal SET previous = @previous WHERE upto_seq = @last", new { last, previous });
        Assert.True((await Intelligence.VerifyLogAsync(Host.Store, Ct)).Intact);
    }
}

public sealed class LogSealOnSqlite(SqliteHost fixture) : LogSealContract<SqliteHost>(fixture);

public sealed class LogSealOnPostgres(PostgresHost fixture) : LogSealContract<PostgresHost>(fixture);
