using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Takt.Testing;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// The fault suite's fuzz run over the inbound planning events (issue 14): 2,000 generated bad
/// <c>takt.production.machine-down.v1</c> and <c>machine-up.v1</c> events (structured and batch mode), from valid
/// ones broken field by field — required fields missing, wrong types, unknown or foreign plant and work center,
/// durations out of range, unknown fields, a broken envelope, a machine-up with nothing down. Each must be refused
/// with a 4xx problem naming field and rule, none may open a disruption or change anything; afterwards a valid
/// machine-down and machine-up are accepted, which proves the refusals came from the mutations.
/// </summary>
public sealed class MachineEventFuzz(AdapterSqliteHost fixture) : IClassFixture<AdapterSqliteHost>
{
    private const int Seed = 20261127;
    private const string Down = "takt.production.machine-down.v1";
    private const string Up = "takt.production.machine-up.v1";
    private static readonly string[] DownFields = ["plant", "workCenter", "since", "expectedDurationHours"];
    private static readonly string[] UpFields = ["plant", "workCenter", "since"];

    [Fact]
    public async Task two_thousand_generated_bad_machine_events_are_each_refused_with_a_precise_problem_and_change_nothing()
    {
        var host = await fixture.SeededAsync();
        var random = new Random(Seed);
        T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
        var since = TimeProvider.System.GetUtcNow().AddMinutes(-10).ToString("O", CultureInfo.InvariantCulture);
        JsonObject Valid(bool down) => Events.Envelope(down ? Down : Up, down
            ? new JsonObject { ["plant"] = "PA01", ["workCenter"] = Pick(["PA01-CNC1", "PA01-CNC2", "PA01-ASM1"]), ["since"] = since, ["expectedDurationHours"] = 4, ["reason"] = "spindle failure" }
            : new JsonObject { ["plant"] = "PA01", ["workCenter"] = Pick(["PA01-CNC1", "PA01-CNC2", "PA01-ASM1"]), ["since"] = since }, id: "fuzz-" + Guid.NewGuid().ToString("N"));

        // Each mutation makes a machine-down invalid by itself; a machine-up is refused even unmutated (nothing is down).
        string Mutate(JsonObject e)
        {
            var data = (JsonObject)e["data"]!;
            var isDown = e["type"] is JsonValue type && type.TryGetValue<string>(out var name) && name == Down;
            switch (random.Next(12))
            {
                case 0:
                    var field = Pick(isDown ? DownFields : UpFields);
                    data.Remove(field);
                    return $"without {field}";
                case 1:
                    data["plant"] = Pick<JsonNode?>(["ZZ99", "", 7, null, "pa01", new JsonArray()]);
                    return $"plant {data["plant"]?.ToJsonString() ?? "null"}";
                case 2:
                    data["workCenter"] = Pick<JsonNode?>(["PA01-NOPE", "", 12, null, "PB01-CNC1"]);
                    return $"workCenter {data["workCenter"]?.ToJsonString() ?? "null"}";
                case 3:
                    data["since"] = Pick<JsonNode?>(["yesterday", "", 17, "2026-02-30T00:00:00Z", null]);
                    return $"since {data["since"]?.ToJsonString() ?? "null"}";
                case 4 when isDown:
                    data["expectedDurationHours"] = Pick<JsonNode?>([0, -1, 721, 1e9, "8", null, true]);
                    return $"expectedDurationHours {data["expectedDurationHours"]?.ToJsonString() ?? "null"}";
                case 5 when isDown:
                    data["reason"] = Pick<JsonNode>([12, true, new JsonObject()]);
                    return $"reason {data["reason"]!.ToJsonString()}";
                case 6:
                    data[Pick(["extra", "order", "plantCode"])] = 1;
                    return "an unknown field";
                case 7:
                    e["type"] = Pick<JsonNode>(["takt.production.machine-down.v2", "takt.production.machine-sideways.v1", "", 5]);
                    return $"type {e["type"]!.ToJsonString()}";
                case 8:
                    e["data"] = Pick<JsonNode?>([null, "down", 3, new JsonArray()]);
                    return "data not an object";
                case 9:
                    e[Pick(["id", "source", "specversion"])] = Pick<JsonNode?>(["", 12, null]);
                    return "envelope attribute empty or not a string";
                case 10:
                    e["time"] = Pick<JsonNode>(["now", "", TimeProvider.System.GetUtcNow().AddDays(3).ToString("O", CultureInfo.InvariantCulture)]);
                    return $"time {e["time"]!.ToJsonString()}";
                default:
                    e.Remove(Pick(["specversion", "id", "source", "type"]));
                    return "an envelope attribute missing";
            }
        }

        var inputs = new List<(string What, string Body, bool Batch)>();
        for (var i = 0; i < 1_700; i++)
        {
            var e = Valid(random.Next(4) != 0);
            var what = e["type"]!.GetValue<string>() == Up && random.Next(3) == 0 ? "machine-up with nothing down" : Mutate(e);
            if (random.Next(4) == 0 && e["data"] is JsonObject)
                what += " + " + Mutate(e);
            inputs.Add((what, e.ToJsonString(), false));
        }

        for (var i = 0; i < 300; i++)
        {
            var items = Enumerable.Range(0, 1 + random.Next(4)).Select(_ =>
            {
                var e = Valid(random.Next(2) == 0);
                return (What: Mutate(e), Json: e.ToJsonString());
            }).ToArray();
            inputs.Add(("batch: " + string.Join(" | ", items.Select(x => x.What)), "[" + string.Join(",", items.Select(x => x.Json)) + "]", true));
        }

        Assert.Equal(2_000, inputs.Count);
        var before = await host.SettledSnapshotAsync();
        var defects = new ConcurrentBag<string>();
        var rules = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(inputs.Select((input, n) => (input, n)), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.Current.CancellationToken }, async (x, ct) =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new StringContent(x.input.Body, Encoding.UTF8) };
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(x.input.Batch ? "application/cloudevents-batch+json" : "application/cloudevents+json");
            using var response = await host.Http.SendAsync(message, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (HostileInputFuzz.Judge(response, body, x.input.Batch, rules) is { } verdict)
                defects.Add($"#{x.n} {x.input.What} → {verdict}: {body[..Math.Min(body.Length, 300)]}");
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"{inputs.Count} machine events (seed {Seed}); {rules.Count} distinct rules: {string.Join(", ", rules.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value}"))}");
        Assert.True(defects.IsEmpty, $"{defects.Count} of {inputs.Count} inputs were not refused properly:\n" + string.Join("\n", defects.OrderBy(d => d, StringComparer.Ordinal).Take(100)));
        Assert.Contains("disruption.none-open", rules.Keys);
        Assert.Contains("work-center.plant-mismatch", rules.Keys);
        before.AssertUnchanged(await host.SettledSnapshotAsync());

        // The originals are valid: a machine-down opens a disruption, its machine-up ends it.
        var down = Valid(true);
        var workCenter = down["data"]!["workCenter"]!.GetValue<string>();
        using (var accepted = await host.PostStructuredAsync(down))
            Assert.True(accepted.StatusCode == HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var up = Valid(false);
        up["data"]!["workCenter"] = workCenter;
        using (var accepted = await host.PostStructuredAsync(up))
            Assert.True(accepted.StatusCode == HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
