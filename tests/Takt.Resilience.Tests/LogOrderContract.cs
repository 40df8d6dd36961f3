using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// Readers follow the outbox by sequence number and move their position past what they have read. On PostgreSQL
/// two writers can draw sequence numbers in one order and commit in the other; a reader that then saw the later
/// number first would skip the earlier one for good. The store draws log numbers in commit order, so it cannot.
/// </summary>
public sealed class LogOrderOnPostgres : IAsyncLifetime
{
    private const string ProbeType = "takt.test.log-order-probe.v1";

    private TaktDatabase database = null!;

    public async ValueTask InitializeAsync()
    {
        database = await TaktDatabase.CreateAsync("postgres");
        await Migrations.ApplyAsync(database.Store, Takt.Server.TaktServer.Schemas, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await database.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task a_message_numbered_first_but_committed_last_is_still_delivered()
    {
        var ct = TestContext.Current.CancellationToken;
        var probe = new Probe();
        var signal = new OutboxSignal();
        var outbox = new Outbox([probe], signal);
        var dispatcher = new OutboxDispatcher(database.Store, outbox, signal, new OutboxOptions(), TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);
        await using var first = await database.Store.OpenSessionAsync(TimeProvider.System, ct);
        await using var second = await database.Store.OpenSessionAsync(TimeProvider.System, ct);
        await using var reader = await database.Store.OpenSessionAsync(TimeProvider.System, ct);

        // The first writer gets the older transaction id, the second the younger one …
        await using var early = await first.BeginAsync(ct);
        await early.ExecuteAsync("SELECT pg_current_xact_id()", ct);
        await using var late = await second.BeginAsync(ct);
        await late.ExecuteAsync("SELECT pg_current_xact_id()", ct);

        // … the second writes its message first and is still open when the first commits.
        outbox.Enqueue(late, Message("committed-last"));
        await late.FlushAsync(ct);
        outbox.Enqueue(early, Message("committed-first"));
        await early.CommitAsync(ct, recordCommit: false);

        await dispatcher.DispatchOnceAsync(reader, ct);
        await late.CommitAsync(ct, recordCommit: false);
        await dispatcher.DispatchOnceAsync(reader, ct);

        Assert.Equal(["committed-first", "committed-last"], probe.Seen);
        Assert.Equal(
            await Tables.CountAsync(database.Store, "SELECT MAX(seq) FROM store_outbox_message"),
            await Tables.CountAsync(database.Store, "SELECT position FROM store_outbox_cursor WHERE subscriber = 'test.log-order'"));
    }

    [Fact]
    public async Task a_message_committed_while_an_older_transaction_is_open_is_not_passed_over()
    {
        var ct = TestContext.Current.CancellationToken;
        var probe = new Probe();
        var signal = new OutboxSignal();
        var outbox = new Outbox([probe], signal);
        var dispatcher = new OutboxDispatcher(database.Store, outbox, signal, new OutboxOptions(), TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);
        await using var oldest = await database.Store.OpenSessionAsync(TimeProvider.System, ct);
        await using var open = await database.Store.OpenSessionAsync(TimeProvider.System, ct);
        await using var youngest = await database.Store.OpenSessionAsync(TimeProvider.System, ct);
        await using var reader = await database.Store.OpenSessionAsync(TimeProvider.System, ct);

        // Transaction ids in the order oldest < open < youngest; the youngest commits its message first, the
        // oldest second, and one in between stays open (it writes no message at all).
        await using var first = await oldest.BeginAsync(ct);
        await first.ExecuteAsync("SELECT pg_current_xact_id()", ct);
        await using var between = await open.BeginAsync(ct);
        await between.ExecuteAsync("SELECT pg_current_xact_id()", ct);
        await using var last = await youngest.BeginAsync(ct);
        await last.ExecuteAsync("SELECT pg_current_xact_id()", ct);
        outbox.Enqueue(last, Message("youngest"));
        await last.CommitAsync(ct, recordCommit: false);
        outbox.Enqueue(first, Message("oldest"));
        await first.CommitAsync(ct, recordCommit: false);

        await dispatcher.DispatchOnceAsync(reader, ct);
        await between.RollbackAsync(ct);
        await dispatcher.DispatchOnceAsync(reader, ct);

        Assert.Equal(["youngest", "oldest"], probe.Seen);
    }

    private static OutboxMessage Message(string id) =>
        new(id, ProbeType, "/test/log-order", null, null, TimeProvider.System.GetUtcNow(), "{}");

    private sealed class Probe : IOutboxSubscriber
    {
        private readonly ConcurrentQueue<string> seen = new();

        public string Name => "test.log-order";

        public IReadOnlyList<string> Seen => [.. seen];

        public bool Accepts(OutboxMessage message) => message.Type == ProbeType;

        public Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct)
        {
            seen.Enqueue(message.Id);
            return Task.CompletedTask;
        }
    }
}
