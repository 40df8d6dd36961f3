using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Takt.Contracts.Events;
using Takt.Server;
using Takt.Store;
using Takt.Testing;

namespace Takt.Resilience.Tests;

/// <summary>
/// A real in-process outbox subscriber of journal-entry-posted whose failures a test scripts per production
/// order: fail the first N calls for each message, or every call. Its effect is a row staged in the
/// dispatcher's transaction (<c>test_outbox_effect</c>), so a row exists only for a delivery that committed;
/// the call counts here also include calls whose transaction rolled back.
/// </summary>
internal sealed class ScriptedSubscriber(string name, bool declaresTypes) : IOutboxSubscriber
{
    public const string EffectTable = "test_outbox_effect";

    // Order → failures per message before success; null: fail every time.
    private readonly ConcurrentDictionary<string, int?> scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> calls = new(StringComparer.Ordinal);

    public string Name => name;

    /// <summary>Declared (the dispatcher then reads only these and passes over the rest) or not (it reads all).</summary>
    public IReadOnlyCollection<string>? Types => declaresTypes ? [EventTypes.JournalEntryPosted] : null;

    public bool Accepts(OutboxMessage message) => message.Type == EventTypes.JournalEntryPosted;

    public void FailFirst(string order, int times) => scripts[order] = times;

    public void FailAlways(string order) => scripts[order] = null;

    public void Succeed(string order) => scripts.TryRemove(order, out _);

    /// <summary>How often <see cref="HandleAsync"/> ran for the message, committed or not.</summary>
    public int Calls(string messageId) => calls.GetValueOrDefault(messageId);

    public Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct)
    {
        calls.AddOrUpdate(message.Id, 1, (_, n) => n + 1);
        var entry = JsonSerializer.Deserialize<JournalEntryPosted>(message.Data, EventTypes.Json)
            ?? throw new JsonException("Empty journal-entry-posted data.");
        var order = entry.Lines.Select(l => l.Order).FirstOrDefault(o => o is not null);
        if (order is not null && scripts.TryGetValue(order, out var times))
        {
            var failed = failures.GetValueOrDefault(message.Id);
            if (times is null || failed < times)
            {
                failures[message.Id] = failed + 1;
                throw new InvalidOperationException($"{name} refuses message {message.Id} of order {order} (failure {failed + 1}).");
            }
        }

        transaction.Stage($"INSERT INTO {EffectTable} (message_id, subscriber) VALUES ($1, $2)", message.Id, name);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A server with two scripted subscribers beside the built-in ones (the flaky one declares its type, the steady one
/// reads every message) and a fast retry schedule: 50 ms base delay,
/// 3 attempts before a delivery is dead.
/// </summary>
public abstract class ScriptedOutboxHost(string engine) : HostFixture(engine)
{
    public const int MaxAttempts = 3;

    internal ScriptedSubscriber Flaky { get; } = new("test.flaky", declaresTypes: true);

    internal ScriptedSubscriber Steady { get; } = new("test.steady", declaresTypes: false);

    protected override void Configure(ServerSettings settings)
    {
        // The scripted failures log warnings and errors on purpose; the assertions read the database.
        settings.MinimumLogLevel = LogLevel.Critical;
        settings.Outbox = new OutboxOptions
        {
            BaseDelay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromSeconds(1),
            MaxAttempts = MaxAttempts,
            PollInterval = TimeSpan.FromMilliseconds(50),
        };
        settings.ConfigureServices = services => services
            .AddSingleton<IOutboxSubscriber>(Flaky)
            .AddSingleton<IOutboxSubscriber>(Steady);
    }
}

public sealed class ScriptedOutboxOnSqliteHost() : ScriptedOutboxHost("sqlite");

public sealed class ScriptedOutboxOnPostgresHost() : ScriptedOutboxHost("postgres");
