using System.Text.Json.Nodes;
using Takt.Testing;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// The fault suite's fuzz run over MQTT (issue 14): 1,000 distinct generated bad or hostile messages from a
/// registered MES on its own plant's topics. Nobody waits for an answer on MQTT, so each must be logged in the
/// integration log with a rule (and dead-lettered), the intake must stay connected, and nothing else may change.
/// A valid message afterwards is still accepted.
/// </summary>
public sealed class MqttFuzz(MqttSqliteHost fixture) : IClassFixture<MqttSqliteHost>
{
    private const int Seed = 20261127;
    private const int Messages = 1_000;

    [Fact]
    public async Task a_thousand_generated_bad_messages_are_each_logged_with_a_rule_and_change_nothing_else()
    {
        var host = fixture.Host;
        var fuzz = new HostileInputs(Seed);
        var events = (await HostileInputFuzz.ValidEventsAsync(host)).Where(e => e["data"]!["plant"]!.GetValue<string>() == "PA01").ToArray();
        var messages = new Dictionary<(string Topic, string Payload), byte[]>();
        while (messages.Count < Messages)
        {
            var valid = fuzz.Pick(events);
            valid["source"] = "/mes/pa01/line-fuzz";
            var topic = $"takt/PA01/line-fuzz/{valid["type"]!.GetValue<string>().Split('.')[2]}/{MqttHost.Floor}";
            var (_, body) = fuzz.MutateEvent(valid);
            messages.TryAdd((topic, Convert.ToBase64String(body)), body);
        }

        var before = await host.SettledSnapshotAsync();
        var rejectedBefore = fixture.Intake.Status.Rejected;
        await using (var device = await MqttDevice.ConnectAsync(fixture, "mes-fuzz"))
        {
            foreach (var ((topic, _), payload) in messages)
                await device.PublishAsync(topic, payload);
        }

        await fixture.WaitAsync(async () => await Tables.CountAsync(host.Store, "SELECT COUNT(*) FROM integration_log WHERE topic LIKE 'takt/PA01/line-fuzz/%'") >= Messages,
            $"{Messages} rejections in the integration log");
        var logged = await Tables.QueryAsync<(string Topic, string Rule, string Problem)>(host.Store,
            "SELECT topic, rule, problem FROM integration_log WHERE topic LIKE 'takt/PA01/line-fuzz/%'");
        Assert.Equal(Messages, logged.Count);
        Assert.All(logged, l => Assert.False(string.IsNullOrWhiteSpace(l.Rule)));
        Assert.All(logged, l => Assert.Contains(l.Rule, l.Problem, StringComparison.Ordinal));
        Assert.True(fixture.Intake.Status.Connected, "The intake stayed connected through the fuzz run.");
        Assert.Equal(Messages, fixture.Intake.Status.Rejected - rejectedBefore);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Messages} MQTT messages (seed {Seed}); rules: {string.Join(", ", logged.GroupBy(l => l.Rule).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"))}");

        var after = await host.SettledSnapshotAsync();
        Assert.Equal(before.RowCounts["integration_log"] + Messages, after.RowCounts["integration_log"]);
        new DatabaseSnapshot(before.RowCounts.Where(t => t.Key != "integration_log").ToDictionary(), before.State)
            .AssertUnchanged(new DatabaseSnapshot(after.RowCounts.Where(t => t.Key != "integration_log").ToDictionary(), after.State));

        // The starting point was valid: the same kind of message, unmutated, is accepted.
        var good = (JsonObject)events[0].DeepClone();
        good["source"] = "/mes/pa01/line-fuzz";
        good["id"] = "valid-" + Guid.NewGuid().ToString("N");
        await using (var device = await MqttDevice.ConnectAsync(fixture, "mes-fuzz-good"))
            await device.PublishAsync($"takt/PA01/line-fuzz/{good["type"]!.GetValue<string>().Split('.')[2]}/{MqttHost.Floor}", good.ToJsonString());
        await fixture.WaitAsync(async () => await Tables.CountAsync(host.Store, "SELECT COUNT(*) FROM integration_inbox WHERE source = '/mes/pa01/line-fuzz'") == 1,
            "the valid message after the fuzz run");
    }
}
