using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Resilience.Tests;

/// <summary>
/// DESIGN §2.7: failed deliveries are retried with backoff, dead-lettered after the last attempt, and can be
/// replayed (API and CLI); each delivery takes effect exactly once, and a failing subscriber holds back no other.
/// </summary>
public abstract class OutboxRetryContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ScriptedOutboxHost
{
    private const string Projection = "intelligence.plant-activity";

    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task a_delivery_that_fails_twice_is_retried_until_it_takes_effect_exactly_once()
    {
        const string order = "PA01-100001";
        await EnsureEffectTableAsync();
        fixture.Flaky.FailFirst(order, 2);

        var messages = await PostAsync(
            Events.MaterialIssued(DemoData.PlantA, order, "RM-3002", 2m, "H87"),
            Events.OperationConfirmed(DemoData.PlantA, order, "0010", "PA01-ASM1", 1m, "H87", machine: (0.5m, "HUR"), labour: (0.5m, "HUR")),
            Events.YieldReported(DemoData.PlantA, order, DemoData.Pump, 1m, "H87"));
        await WaitUntilSettledAsync(messages, fixture.Flaky.Name);

        foreach (var message in messages)
        {
            var delivery = await DeliveryAsync(message, fixture.Flaky.Name);
            Assert.Equal("delivered", delivery.Status);
            Assert.Null(delivery.LastError);
            // At least one failed attempt was recorded before the success, and no more than the two scripted.
            Assert.InRange(delivery.Attempts, 2, 3);
            Assert.True(fixture.Flaky.Calls(message) >= 3, $"The subscriber ran {fixture.Flaky.Calls(message)} times for {message}.");
            Assert.Equal(1, await EffectsAsync(message, fixture.Flaky.Name));
            Assert.Equal(1, await EffectsAsync(message, fixture.Steady.Name));
            Assert.Equal("delivered", (await DeliveryAsync(message, Projection)).Status);
        }
    }

    [Fact]
    public async Task a_delivery_that_always_fails_is_dead_lettered_without_holding_back_other_subscribers_and_replays_once_fixed()
    {
        const string order = "PA01-100002";
        await EnsureEffectTableAsync();
        fixture.Flaky.FailAlways(order);

        var messages = await PostAsync(
            Events.MaterialIssued(DemoData.PlantA, order, "RM-3001", 3m, "H87"),
            Events.OperationConfirmed(DemoData.PlantA, order, "0010", "PA01-CNC1", 2m, "H87", machine: (1.5m, "HUR"), labour: (0.25m, "HUR")));
        await WaitUntilSettledAsync(messages, fixture.Flaky.Name);

        foreach (var message in messages)
        {
            var delivery = await DeliveryAsync(message, fixture.Flaky.Name);
            Assert.Equal("dead", delivery.Status);
            Assert.Equal(ScriptedOutboxHost.MaxAttempts, delivery.Attempts);
            Assert.Contains($"InvalidOperationException: test.flaky refuses message {message}", delivery.LastError, StringComparison.Ordinal);
            Assert.Equal(0, await EffectsAsync(message, fixture.Flaky.Name));
            // The other subscribers of the same message were not held back.
            Assert.Equal("delivered", (await DeliveryAsync(message, fixture.Steady.Name)).Status);
            Assert.Equal(1, await EffectsAsync(message, fixture.Steady.Name));
            Assert.Equal("delivered", (await DeliveryAsync(message, Projection)).Status);
        }

        var listed = await DeadLettersAsync();
        var dead = listed.Where(d => messages.Contains(d.MessageId)).ToArray();
        Assert.Equal(messages.Order(StringComparer.Ordinal), dead.Select(d => d.MessageId).Order(StringComparer.Ordinal));
        Assert.All(dead, d =>
        {
            Assert.Equal(fixture.Flaky.Name, d.Subscriber);
            Assert.Equal(Takt.Contracts.Events.EventTypes.JournalEntryPosted, d.Type);
            Assert.Equal(ScriptedOutboxHost.MaxAttempts, d.Attempts);
            Assert.Contains("refuses message", d.LastError, StringComparison.Ordinal);
        });

        fixture.Flaky.Succeed(order);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/dead-letters/replay") { Content = JsonContent.Create(new { seqs = dead.Select(d => d.Seq).ToArray() }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var replay = await Host.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(dead.Length, (await TaktHost.JsonAsync(replay)).GetProperty("replayed").GetInt32());
        await WaitUntilSettledAsync(messages, fixture.Flaky.Name);

        foreach (var message in messages)
        {
            Assert.Equal("delivered", (await DeliveryAsync(message, fixture.Flaky.Name)).Status);
            Assert.Equal(1, await EffectsAsync(message, fixture.Flaky.Name));
            Assert.Equal(1, await EffectsAsync(message, fixture.Steady.Name));
        }

        Assert.DoesNotContain(await DeadLettersAsync(), d => messages.Contains(d.MessageId));
    }

    [Fact]
    public async Task the_cli_lists_and_replays_the_dead_letters_of_a_database()
    {
        const string order = "PB01-100001";
        await EnsureEffectTableAsync();
        fixture.Flaky.FailAlways(order);
        var messages = await PostAsync(Events.MaterialIssued(DemoData.PlantB, order, "RM-3003", 4m, "H87"));
        await WaitUntilSettledAsync(messages, fixture.Flaky.Name);
        var message = Assert.Single(messages);
        var dead = await DeliveryAsync(message, fixture.Flaky.Name);
        Assert.Equal("dead", dead.Status);

        var ct = TestContext.Current.CancellationToken;
        var work = Path.GetTempPath();
        var list = await TaktProcess.RunAsync(["deadletters", "list", "--db", Host.Database.Connection, "--subscriber", fixture.Flaky.Name], work, ct);
        Assert.True(list.ExitCode == 0, list.Output);
        var seq = dead.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var row = Assert.Single(CliTable.Rows(list.Output), r => r[0] == seq);
        Assert.Equal(message, row[1]);
        Assert.Equal(Takt.Contracts.Events.EventTypes.JournalEntryPosted, row[2]);
        Assert.Equal(fixture.Flaky.Name, row[3]);
        Assert.Equal(ScriptedOutboxHost.MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture), row[4]);
        Assert.Contains("refuses", row[5], StringComparison.Ordinal);

        fixture.Flaky.Succeed(order);
        var replay = await TaktProcess.RunAsync(["deadletters", "replay", "--db", Host.Database.Connection, "--seq", seq], work, ct);
        Assert.True(replay.ExitCode == 0, replay.Output);
        Assert.Contains("1 deliveries queued again", replay.Output, StringComparison.Ordinal);
        await WaitUntilSettledAsync(messages, fixture.Flaky.Name);
        Assert.Equal("delivered", (await DeliveryAsync(message, fixture.Flaky.Name)).Status);
        Assert.Equal(1, await EffectsAsync(message, fixture.Flaky.Name));

        var after = await TaktProcess.RunAsync(["deadletters", "list", "--db", Host.Database.Connection, "--subscriber", fixture.Flaky.Name], work, ct);
        Assert.True(after.ExitCode == 0, after.Output);
        Assert.DoesNotContain(CliTable.Rows(after.Output), r => r[0] == seq || r[1] == message);
    }

    private sealed record Delivery(long Seq, string Status, int Attempts, string? LastError);

    private async Task EnsureEffectTableAsync() =>
        await Tables.ExecuteAsync(Host.Store, $"CREATE TABLE IF NOT EXISTS {ScriptedSubscriber.EffectTable} (message_id text NOT NULL, subscriber text NOT NULL)");

    /// <summary>Posts the events (each must be accepted) and returns the ids of their journal-entry-posted messages.</summary>
    private async Task<string[]> PostAsync(params System.Text.Json.Nodes.JsonObject[] events)
    {
        using var response = await Host.PostBatchAsync(events);
        var body = await TaktHost.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        var entries = body.GetProperty("results").EnumerateArray()
            .SelectMany(r => r.GetProperty("result").GetProperty("journalEntries").EnumerateArray().Select(j => j.GetString()!))
            .ToArray();
        Assert.Equal(events.Length, entries.Length);
        var messages = new List<string>();
        foreach (var entry in entries)
        {
            var rows = await Db.RowsAsync(Host.Store, "SELECT id FROM store_outbox_message WHERE type = @type AND subject = @entry",
                new { type = Takt.Contracts.Events.EventTypes.JournalEntryPosted, entry });
            messages.Add(Db.Text(Assert.Single(rows)[0]));
        }

        return [.. messages];
    }

    /// <summary>
    /// A message's delivery to a subscriber: its retry row if it ever failed; otherwise delivered once the
    /// subscriber's position has passed it (one attempt, no row), pending before.
    /// </summary>
    /// <summary>
    /// The delivery state in ONE statement (one snapshot): read apart, a failure recorded between the two reads (its
    /// retry row and the position past the message commit together) looked delivered.
    /// </summary>
    private async Task<Delivery> DeliveryAsync(string message, string subscriber)
    {
        var row = Assert.Single(await Db.RowsAsync(Host.Store,
            """
            SELECT m.seq, COALESCE(c.position, 0), r.id, r.status, r.attempts, r.last_error
            FROM store_outbox_message m
            LEFT JOIN store_outbox_cursor c ON c.subscriber = @subscriber
            LEFT JOIN store_outbox_retry r ON r.message_seq = m.seq AND r.subscriber = @subscriber
            WHERE m.id = @message
            """,
            new { message, subscriber }));
        if (row[2] is not (null or DBNull))
            return new Delivery(Db.Long(row[2]), Db.Text(row[3]), (int)Db.Long(row[4]), row[5] is null or DBNull ? null : Db.Text(row[5]));
        return Db.Long(row[1]) >= Db.Long(row[0]) ? new Delivery(0, "delivered", 1, null) : new Delivery(0, "pending", 0, null);
    }

    private async Task<long> EffectsAsync(string message, string subscriber) =>
        await Db.ScalarAsync(Host.Store, $"SELECT COUNT(*) FROM {ScriptedSubscriber.EffectTable} WHERE message_id = @message AND subscriber = @subscriber",
            new { message, subscriber });

    private async Task<DeadLetter[]> DeadLettersAsync()
    {
        using var response = await Host.Http.GetAsync($"/api/v1/dead-letters?subscriber={fixture.Flaky.Name}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<DeadLetter[]>(JsonSerializerOptions.Web, TestContext.Current.CancellationToken) ?? [];
    }

    /// <summary>Waits until none of the messages' deliveries to the subscriber is pending (generous limit, no timing asserted).</summary>
    private async Task WaitUntilSettledAsync(IReadOnlyCollection<string> messages, string subscriber)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var pending = 0;
            foreach (var message in messages)
            {
                if ((await DeliveryAsync(message, subscriber)).Status == "pending")
                    pending++;
            }

            if (pending == 0)
                return;
            if (waited.Elapsed > TimeSpan.FromMinutes(1))
                throw new TimeoutException($"{pending} deliveries to {subscriber} are still pending.");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}

public sealed class OutboxRetryOnSqlite(ScriptedOutboxOnSqliteHost fixture) : OutboxRetryContract<ScriptedOutboxOnSqliteHost>(fixture);

public sealed class OutboxRetryOnPostgres(ScriptedOutboxOnPostgresHost fixture) : OutboxRetryContract<ScriptedOutboxOnPostgresHost>(fixture);
