using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Orchestration;
using Takt.Testing;
using Xunit;

namespace Takt.Assist.Tests;

/// <summary>
/// The task inbox sorted by predicted impact, on both engines: three approvals of the plant controller with values,
/// customer due dates and one customer order come back in the order worked out by hand, each with its score and the
/// terms behind it; the order is recorded as one prioritization suggestion (not again while it stays the same).
/// </summary>
public abstract class InboxContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : AssistHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task the_inbox_comes_back_most_impact_first_with_its_reasons_and_the_order_is_recorded_once()
    {
        await Problems.AssertAsync(await fixture.Host.Http.GetAsync("/api/v1/assist/inbox?plant=PA01", Ct), HttpStatusCode.BadRequest, "/query/user", "assist.user-required");

        var now = fixture.Clock.GetUtcNow();
        var flows = fixture.Host.Service<IOrchestration>();
        const string Standard = "flow: customer-impact-review\nversion: 1\ntitle: Review an expedite for a customer\nowner: procurement-owner\ncategory: approval\n" +
            "inputs:\n  requisition: text\n  value: money\n  customerDueAt: text\n  customerOrder: text\nroles: [plant-controller, procurement-owner]\n" +
            "steps:\n  - id: review\n    type: task\n    title: Review the expedite\n    role: plant-controller\n";
        var saved = await flows.SaveStandardAsync(fixture.Store, Standard, "pia.owner", Ct);
        Assert.False(saved.IsRejected, string.Join("; ", saved.Violations.Select(v => $"{v.Field} {v.Rule} {v.Detail}")));
        Assert.False((await flows.PublishStandardAsync(fixture.Store, "customer-impact-review", 1, Ct)).IsRejected);
        // A: much value, no customer waiting. B: little value, a customer order already overdue. C: some value, a customer due in 50 h.
        // Whatever the tasks' common SLA adds (u = 0..3): A = 5.00·(1+u), B = 3.30·(4+u)·1.5, C = 4.30·(2+u), so B, C, A.
        (string Requisition, decimal Value, DateTimeOffset? Due, bool Customer)[] cases =
        [
            ("REQ-IMPACT-A", 99_999m, null, false),
            ("REQ-IMPACT-B", 2_000m, now.AddHours(-1), true),
            ("REQ-IMPACT-C", 19_999m, now.AddHours(50), false),
        ];
        foreach (var (requisition, value, due, customer) in cases)
        {
            var variables = new JsonObject
            {
                ["requisition"] = requisition, ["value"] = new JsonObject { ["amount"] = value, ["currency"] = "EUR" },
            };
            variables["customerDueAt"] = due is { } d ? d.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : "none";
            variables["customerOrder"] = customer ? "SO-" + requisition : "none";
            var started = await flows.StartAsync(fixture.Store, new StartFlow("customer-impact-review", "PA01", "anna.buyer", variables), Ct);
            Assert.False(started.IsRejected, string.Join(" ", started.Violations.Select(v => v.Rule)));
        }

        await using (var session = await fixture.Store.OpenSessionAsync(fixture.Clock, Ct))
        {
            while (await flows.RunDueAsync(session, 500, Ct) > 0)
            {
            }
        }

        var before = await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion WHERE kind = 'prioritization' AND subject_type = 'inbox'");
        var inbox = await fixture.Host.GetAsync<JsonElement>("/api/v1/assist/inbox?user=bernd.controller&plant=PA01");
        var mine = inbox.GetProperty("items").EnumerateArray()
            .Select(i => (Requisition: i.GetProperty("task").GetProperty("instanceId").GetString()!, Entry: i))
            .ToList();
        var ours = new List<(string Requisition, JsonElement Entry)>();
        foreach (var (instanceId, entry) in mine)
        {
            var instance = await flows.InstanceAsync(fixture.Store, instanceId, Ct);
            if (instance?.Variables["requisition"]?.GetValue<string>() is { } r && r.StartsWith("REQ-IMPACT-", StringComparison.Ordinal))
                ours.Add((r, entry));
        }

        Assert.Equal(["REQ-IMPACT-B", "REQ-IMPACT-C", "REQ-IMPACT-A"], ours.Select(o => o.Requisition));
        var ranks = ours.Select(o => o.Entry.GetProperty("rank").GetInt32()).ToList();
        Assert.Equal(ranks.Order(), ranks);
        var impacts = ours.Select(o => o.Entry.GetProperty("impact").GetDouble()).ToList();
        Assert.True(impacts[0] > impacts[1] && impacts[1] > impacts[2], string.Join(" > ", impacts));
        // The terms add up to the score, and the words name them.
        foreach (var (_, entry) in ours)
            Assert.Equal(entry.GetProperty("impact").GetDouble(), entry.GetProperty("drivers").EnumerateArray().Sum(d => d.GetProperty("contribution").GetDouble()), 2);
        Assert.Equal(2_000m, ours[0].Entry.GetProperty("valueAtRisk").GetDecimal());
        Assert.Contains("customer due date", ours[0].Entry.GetProperty("explanation").GetString());
        Assert.Contains("customer order", ours[0].Entry.GetProperty("explanation").GetString());
        Assert.DoesNotContain("customer", ours[2].Entry.GetProperty("explanation").GetString());
        Assert.Equal(Math.Round(Math.Log10(100_000), 2), Math.Round(ours[2].Entry.GetProperty("drivers").EnumerateArray().Single(d => d.GetProperty("feature").GetString() == "valueAtRisk").GetProperty("contribution").GetDouble(), 2));

        // Recorded: one suggestion for this order; reading the same inbox again records nothing new.
        var suggestion = inbox.GetProperty("suggestion");
        Assert.Equal("prioritization", suggestion.GetProperty("kind").GetString());
        Assert.Equal("bernd.controller@PA01", suggestion.GetProperty("subjectId").GetString());
        Assert.True(suggestion.GetProperty("personOnly").GetBoolean()); // the method is not approved: it only sorts what a person sees
        Assert.Equal(before + 1, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion WHERE kind = 'prioritization' AND subject_type = 'inbox'"));
        var again = await fixture.Host.GetAsync<JsonElement>("/api/v1/assist/inbox?user=bernd.controller&plant=PA01");
        Assert.Equal(suggestion.GetProperty("id").GetString(), again.GetProperty("suggestion").GetProperty("id").GetString());
        Assert.Equal(before + 1, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion WHERE kind = 'prioritization' AND subject_type = 'inbox'"));
        // Sorting decided nothing: the tasks are all still open.
        Assert.All(ours, o => Assert.Equal("open", o.Entry.GetProperty("task").GetProperty("status").GetString()));
    }
}

public sealed class SqliteInbox(SqliteAssistHost fixture) : InboxContract<SqliteAssistHost>(fixture);

public sealed class PostgresInbox(PostgresAssistHost fixture) : InboxContract<PostgresAssistHost>(fixture);
