using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>The store's write path: grouped multi-row flushes write every row exactly; bad staging is refused.</summary>
public abstract class StoreWriteContract(string engine) : IAsyncLifetime
{
    private TaktDatabase database = null!;

    public async ValueTask InitializeAsync()
    {
        database = await TaktDatabase.CreateAsync(engine);
        await Tables.ExecuteAsync(database.Store, "CREATE TABLE write_probe (id bigint PRIMARY KEY, label text NOT NULL, amount bigint)");
    }

    public async ValueTask DisposeAsync()
    {
        await database.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(257)]
    [InlineData(1000)]
    public async Task every_staged_row_is_written_once_whatever_the_chunking(int rows)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var session = await database.Store.OpenSessionAsync(TimeProvider.System, ct);
        await using (var tx = await session.BeginAsync(ct))
        {
            for (var i = 0; i < rows; i++)
                tx.Stage("INSERT INTO write_probe (id, label, amount) VALUES ($1, $2, $3)", (long)i, $"row {i}", i % 7 == 0 ? null : (object)(i * 3L));
            await tx.CommitAsync(ct, recordCommit: false);
        }

        Assert.Equal(rows, await Tables.CountAsync(database.Store, "SELECT COUNT(*) FROM write_probe"));
        Assert.Equal(Enumerable.Range(0, rows).Where(i => i % 7 != 0).Sum(i => i * 3L), await Tables.CountAsync(database.Store, "SELECT CAST(COALESCE(SUM(amount), 0) AS bigint) FROM write_probe"));
        Assert.Equal(rows, await Tables.CountAsync(database.Store, "SELECT COUNT(DISTINCT label) FROM write_probe"));
        Assert.Equal(Enumerable.Range(0, rows).Count(i => i % 7 == 0), await Tables.CountAsync(database.Store, "SELECT COUNT(*) FROM write_probe WHERE amount IS NULL"));
    }

    [Theory]
    [InlineData("Müller GmbH – Zählpunkt ß")]
    [InlineData("工場 A / 🏭 line 1")]
    [InlineData("")]
    [InlineData("tab\tnew line\nend")]
    public async Task staged_text_is_read_back_exactly(string label)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var session = await database.Store.OpenSessionAsync(TimeProvider.System, ct);
        await using (var tx = await session.BeginAsync(ct))
        {
            tx.Stage("INSERT INTO write_probe (id, label, amount) VALUES ($1, $2, $3)", 9000L, label, 1L);
            tx.Stage("INSERT INTO write_probe (id, label, amount) VALUES ($1, $2, $3)", 9001L, label + label, 2L);
            await tx.CommitAsync(ct, recordCommit: false);
        }

        Assert.Equal([label, label + label], await Tables.QueryAsync<string>(database.Store, "SELECT label FROM write_probe WHERE id IN (9000, 9001) ORDER BY id"));
    }

    [Fact]
    public async Task a_failing_row_rolls_back_the_whole_flush()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var session = await database.Store.OpenSessionAsync(TimeProvider.System, ct);
        await using (var tx = await session.BeginAsync(ct))
        {
            for (var i = 0; i < 100; i++)
                tx.Stage("INSERT INTO write_probe (id, label, amount) VALUES ($1, $2, $3)", 5000L + i, "x", 1L);
            tx.Stage("INSERT INTO write_probe (id, label, amount) VALUES ($1, $2, $3)", 5000L, "duplicate key", 1L);
            await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => tx.CommitAsync(ct, recordCommit: false));
        }

        Assert.Equal(0, await Tables.CountAsync(database.Store, "SELECT COUNT(*) FROM write_probe WHERE id >= 5000"));
    }
}

public sealed class StoreWriteOnSqlite() : StoreWriteContract("sqlite");

public sealed class StoreWriteOnPostgres() : StoreWriteContract("postgres");

/// <summary>On SQLite, commands (foreground) take the write lock before reactions (background).</summary>
public sealed class SqliteWriteGateTests
{
    [Fact]
    public async Task a_waiting_command_writes_before_a_waiting_reaction_and_the_reaction_still_gets_its_turn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = TaktDatabase.Sqlite();
        var store = database.Store;
        await using var holder = await store.OpenSessionAsync(TimeProvider.System, ct);
        await using var reaction = await store.OpenSessionAsync(TimeProvider.System, ct, background: true);
        await using var command = await store.OpenSessionAsync(TimeProvider.System, ct);

        var held = await holder.BeginAsync(ct);
        // Both queue behind the holder, the reaction first; neither call returns before it has queued.
        var queued = System.Diagnostics.Stopwatch.StartNew();
        var reactionTurn = reaction.BeginAsync(ct);
        var commandTurn = command.BeginAsync(ct);
        Assert.False(reactionTurn.IsCompleted);
        Assert.False(commandTurn.IsCompleted);

        await held.DisposeAsync(); // hands the write lock on
        var waited = queued.Elapsed; // at least what the gate saw when it chose
        var first = await Task.WhenAny(commandTurn, reactionTurn).WaitAsync(TimeSpan.FromMinutes(1), ct);
        if (first == reactionTurn)
        {
            // Only the starvation bound may put a reaction first: it had waited its maximum (a stalled machine).
            Assert.True(waited >= TimeSpan.FromMilliseconds(200), $"the reaction went first after waiting only {waited}");
            await (await reactionTurn).DisposeAsync();
            await (await commandTurn.WaitAsync(TimeSpan.FromMinutes(1), ct)).DisposeAsync();
            return;
        }

        Assert.False(reactionTurn.IsCompleted, "the reaction must wait while the command writes");
        await (await commandTurn).DisposeAsync();
        await using var reactionTx = await reactionTurn.WaitAsync(TimeSpan.FromMinutes(1), ct);
        Assert.True(reactionTurn.IsCompletedSuccessfully);
    }
}
