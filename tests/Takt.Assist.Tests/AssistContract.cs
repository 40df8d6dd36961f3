using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Assist.Invoices;
using Takt.Testing;
using Xunit;

namespace Takt.Assist.Tests;

/// <summary>
/// The assist module over real HTTP on both engines: every suggestion recorded (once per Idempotency-Key), model
/// versions approved by people only, and a suggestion that may not act (low confidence, unapproved, outside the
/// approval's scope) never changes a route.
/// </summary>
public abstract class AssistContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : AssistHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Case(string subject, string plant, double price = 0, double quantity = 0, bool missing = false, int same = 0, double tax = 0, string description = "bearing set 6205") => new
    {
        subject, plant, supplier = "SUP-100", description, priceDeviation = price, quantityDeviation = quantity, receiptMissing = missing, sameAmountRecent = same,
        taxRateDelta = tax, supplierExceptionRate = 0.1, invoiceValue = 4_000m, costCenter = "CC-4100",
    };

    [Fact]
    public async Task suggestions_are_recorded_once_and_only_a_confident_approved_suggestion_in_scope_changes_a_route()
    {
        // Cold start: the first classification trains a candidate on generated history; its suggestions go to a person.
        var key = Guid.NewGuid().ToString();
        using var first = await fixture.PostAsync("/api/v1/assist/invoice-exceptions/classify", Case("EXC-1", "PA01", price: 0.2), key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var advice = await TaktHost.JsonAsync(first);
        var suggestion = advice.GetProperty("suggestion");
        Assert.Equal("price-variance", advice.GetProperty("category").GetString());
        Assert.Equal("buyer", advice.GetProperty("route").GetProperty("role").GetString());
        Assert.True(suggestion.GetProperty("personOnly").GetBoolean());
        Assert.Equal("model version invoice-exceptions@1 is not approved", suggestion.GetProperty("personOnlyReason").GetString());
        Assert.Equal("priceDeviation", suggestion.GetProperty("explanation")[0].GetProperty("feature").GetString());
        var id = suggestion.GetProperty("id").GetString()!;

        // The same request again: the stored answer, no second suggestion.
        using var again = await fixture.PostAsync("/api/v1/assist/invoice-exceptions/classify", Case("EXC-1", "PA01", price: 0.2), key);
        Assert.Equal(id, (await TaktHost.JsonAsync(again)).GetProperty("suggestion").GetProperty("id").GetString());
        Assert.Equal(1, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion WHERE subject_id = 'EXC-1'"));
        var stored = await fixture.Host.GetAsync<JsonElement>($"/api/v1/assist/suggestions/{id}");
        Assert.Equal("invoice-exceptions@1", stored.GetProperty("modelId").GetString());
        Assert.Equal(0.2, stored.GetProperty("inputs").GetProperty("priceDeviation").GetDouble());
        Assert.Equal("price-variance", stored.GetProperty("output").GetProperty("category").GetString());

        // A person trains a second version; neither a system nor the trainer may approve it; a bad scope is refused.
        using var trained = await fixture.PostAsync("/api/v1/assist/models/invoice-exceptions/train", new { rows = 800, trainedBy = "tom.trainer" });
        Assert.Equal(HttpStatusCode.Created, trained.StatusCode);
        var model = (await TaktHost.JsonAsync(trained)).GetProperty("model");
        Assert.Equal(("invoice-exceptions@2", "candidate"), (model.GetProperty("id").GetString(), model.GetProperty("state").GetString()));
        Assert.True(model.GetProperty("metrics").GetProperty("macroF1").GetDouble() > 0.8);
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/models/invoice-exceptions@2/approve", new { approver = "takt.assist", scope = "PA01" }), HttpStatusCode.UnprocessableEntity, "/approver", "assist.approver-not-a-person");
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/models/invoice-exceptions@2/approve", new { approver = "tom.trainer", scope = "PA01" }), HttpStatusCode.UnprocessableEntity, "/approver", "assist.approver-is-trainer");
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/models/invoice-exceptions@2/approve", new { approver = "clara.controller", scope = "plant a" }), HttpStatusCode.UnprocessableEntity, "/scope", "assist.scope-invalid");
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/models/invoice-exceptions@9/approve", new { approver = "clara.controller", scope = "PA01" }), HttpStatusCode.NotFound, "/id", "assist.model-unknown");
        Assert.Equal(0, await fixture.CountAsync("SELECT COUNT(*) FROM assist_model WHERE state = 'approved'"));
        using var approved = await fixture.PostAsync("/api/v1/assist/models/invoice-exceptions@2/approve", new { approver = "clara.controller", scope = "PA01" });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/models/invoice-exceptions@2/approve", new { approver = "clara.controller", scope = "*" }), HttpStatusCode.Conflict, "/id", "assist.model-not-candidate");

        // The routing hook: the rule's route stays unless the suggestion may act by itself.
        var advisor = fixture.Host.Service<IInvoiceExceptionAdvisor>();
        var rule = new ExceptionRoute("ap-clerk", "PA01", "CC-4100");
        var outbox = await fixture.CountAsync("SELECT COUNT(*) FROM store_outbox_message");
        var tasks = await fixture.CountAsync("SELECT COUNT(*) FROM orch_task");
        var before = await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion");

        var clear = new InvoiceExceptionCase("EXC-2", "PA01", "SUP-100", "bearing set 6205", 0.25, 0, false, 0, 0, 0.1, 4_000m, "CC-4100");
        var confident = await fixture.InTransactionAsync(tx => advisor.AdviseAsync(tx, clear, rule, Ct));
        Assert.True(confident.Suggestion!.Confidence >= 0.8, $"confidence {confident.Suggestion.Confidence}");
        Assert.Equal(("invoice-exceptions@2", false), (confident.Suggestion.ModelId, confident.Suggestion.PersonOnly));
        Assert.Equal(new ExceptionRoute("buyer", "PA01", "CC-4100"), confident.Route);
        Assert.True(confident.ChangedByModel);

        var otherPlant = await fixture.InTransactionAsync(tx => advisor.AdviseAsync(tx, clear with { Subject = "EXC-3", Plant = "PB01" }, rule with { Plant = "PB01" }, Ct));
        Assert.Equal((rule with { Plant = "PB01" }, false, true), (otherPlant.Route, otherPlant.ChangedByModel, otherPlant.Suggestion!.PersonOnly));
        Assert.Equal("model version invoice-exceptions@2 is approved for PA01 only", otherPlant.Suggestion.PersonOnlyReason);

        // No signal at all: the model is unsure, so the rule's route stands.
        var unclear = new InvoiceExceptionCase("EXC-4", "PA01", "SUP-100", "bearing set 6205", 0.02, 0.02, false, 0, 0.01, 0.1, 4_000m, "CC-4100");
        var unsure = await fixture.InTransactionAsync(tx => advisor.AdviseAsync(tx, unclear, rule, Ct));
        Assert.True(unsure.Suggestion!.Confidence < 0.8, $"confidence {unsure.Suggestion.Confidence}");
        Assert.Equal((rule, false, true), (unsure.Route, unsure.ChangedByModel, unsure.Suggestion.PersonOnly));
        Assert.StartsWith("confidence ", unsure.Suggestion.PersonOnlyReason, StringComparison.Ordinal);

        // Advice writes its suggestions and nothing else: no event, no task, no posting.
        Assert.Equal(before + 3, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion"));
        Assert.Equal(outbox, await fixture.CountAsync("SELECT COUNT(*) FROM store_outbox_message"));
        Assert.Equal(tasks, await fixture.CountAsync("SELECT COUNT(*) FROM orch_task"));
        var listed = await fixture.Host.GetAsync<JsonElement>("/api/v1/assist/suggestions?kind=invoice-exceptions&plant=PA01");
        Assert.Contains(listed.EnumerateArray(), s => s.GetProperty("subjectId").GetString() == "EXC-4");
        Assert.DoesNotContain(listed.EnumerateArray(), s => s.GetProperty("subjectId").GetString() == "EXC-3");
    }

    [Fact]
    public async Task a_person_decides_once_and_bad_decisions_change_nothing()
    {
        using var classified = await fixture.PostAsync("/api/v1/assist/invoice-exceptions/classify", Case("EXC-10", "PB01", missing: true));
        Assert.Equal(HttpStatusCode.Created, classified.StatusCode);
        var id = (await TaktHost.JsonAsync(classified)).GetProperty("suggestion").GetProperty("id").GetString();
        await Problems.AssertAsync(await fixture.PostAsync($"/api/v1/assist/suggestions/{id}/decision", new { outcome = "overridden", decidedBy = "ana.ap" }), HttpStatusCode.UnprocessableEntity, "/value", "assist.override-value-required");
        await Problems.AssertAsync(await fixture.PostAsync($"/api/v1/assist/suggestions/{id}/decision", new { outcome = "accepted", decidedBy = "system" }), HttpStatusCode.UnprocessableEntity, "/decidedBy", "assist.decider-not-a-person");
        await Problems.AssertAsync(await fixture.PostAsync($"/api/v1/assist/suggestions/{id}/decision", new { outcome = "maybe", decidedBy = "ana.ap" }), HttpStatusCode.UnprocessableEntity, "/outcome", "assist.outcome-unknown");
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/suggestions/nope/decision", new { outcome = "accepted", decidedBy = "ana.ap" }), HttpStatusCode.NotFound, "/id", "assist.suggestion-unknown");
        Assert.Equal(0, await fixture.CountAsync($"SELECT COUNT(*) FROM assist_suggestion WHERE id = '{id}' AND outcome IS NOT NULL"));

        using var decided = await fixture.PostAsync($"/api/v1/assist/suggestions/{id}/decision", new { outcome = "overridden", decidedBy = "ana.ap", value = new { category = "duplicate-suspect" } });
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        var body = await TaktHost.JsonAsync(decided);
        Assert.Equal(("overridden", "ana.ap", "duplicate-suspect"), (body.GetProperty("outcome").GetString(), body.GetProperty("decidedBy").GetString(), body.GetProperty("decidedValue").GetProperty("category").GetString()));
        await Problems.AssertAsync(await fixture.PostAsync($"/api/v1/assist/suggestions/{id}/decision", new { outcome = "accepted", decidedBy = "bob.ap" }), HttpStatusCode.Conflict, "/id", "assist.suggestion-decided");
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/invoice-exceptions/classify", new { subject = "", plant = "PA01", supplier = "SUP-100", description = "x" }),
            HttpStatusCode.UnprocessableEntity, "/subject", "assist.subject-required");
    }

    [Fact]
    public async Task an_anomaly_becomes_a_recorded_suggestion_and_an_advisory_event_and_a_bad_scan_writes_nothing()
    {
        var random = new Random(21);
        var points = Enumerable.Range(0, 120).Select(i => new
        {
            at = AssistHost.Start.AddHours(i - 120),
            scrapRate = 0.02 + (0.002 * (random.NextDouble() - 0.5)) + (i == 90 ? 0.05 : 0),
            cycleTimeSeconds = 62 + random.NextDouble(),
            downtimeMinutes = 4 + random.NextDouble(),
        }).ToList();
        var suggestions = await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion");
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/anomalies/scan", new { plant = "PA01", workCenter = "PA01-TST1", points = points.Take(20) }), HttpStatusCode.UnprocessableEntity, "/points", "assist.stream-too-short");
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/anomalies/scan", new { plant = "PA01", workCenter = "PA01-TST1", points, flow = "no-such-flow" }), HttpStatusCode.UnprocessableEntity, "/flow", "flow.not-published");
        Assert.Equal(suggestions, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion"));
        Assert.Equal(0, await fixture.CountAsync("SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.assist.anomaly-detected.v1' AND data LIKE '%PA01-TST1%'"));

        using var scanned = await fixture.PostAsync("/api/v1/assist/anomalies/scan", new { plant = "PA01", workCenter = "PA01-TST1", points });
        Assert.Equal(HttpStatusCode.Created, scanned.StatusCode);
        var report = await TaktHost.JsonAsync(scanned);
        var anomalies = report.GetProperty("anomalies").EnumerateArray().ToList();
        var spike = Assert.Single(anomalies, a => a.GetProperty("output").GetProperty("metric").GetString() == "scrapRate" && a.GetProperty("output").GetProperty("kind").GetString() == "spike");
        Assert.Equal(points[90].at, spike.GetProperty("output").GetProperty("at").GetDateTimeOffset());
        Assert.True(anomalies.Count <= 3, $"{anomalies.Count} anomalies");
        Assert.Equal(anomalies.Count, await fixture.CountAsync("SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.assist.anomaly-detected.v1' AND data LIKE '%PA01-TST1%'"));
        Assert.Equal(suggestions + anomalies.Count, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion"));
        Assert.Equal("production-anomalies@1", report.GetProperty("model").GetString());
    }

    [Fact]
    public async Task a_scan_with_anomalies_opens_one_instance_of_the_named_flow_for_a_person()
    {
        var flows = fixture.Host.Service<Takt.Orchestration.IOrchestration>();
        const string Standard = "flow: anomaly-review\nversion: 1\ntitle: Review a production anomaly\nowner: production-owner\ncategory: exception\n" +
            "inputs:\n  workCenter: text\n  anomalies: number\n  suggestion: text\n  summary: text\nroles: [shift-supervisor, production-owner]\n" +
            "steps:\n  - id: review\n    type: task\n    title: Review the anomaly\n    role: shift-supervisor\n";
        var saved = await flows.SaveStandardAsync(fixture.Store, Standard, "pia.owner", Ct);
        Assert.False(saved.IsRejected, string.Join("; ", saved.Violations.Select(v => $"{v.Field} {v.Rule} {v.Detail}")));
        Assert.False((await flows.PublishStandardAsync(fixture.Store, "anomaly-review", 1, Ct)).IsRejected);
        var points = Enumerable.Range(0, 60).Select(i => new { at = AssistHost.Start.AddHours(i - 60), downtimeMinutes = 5.0 + (i % 3 * 0.1) + (i == 50 ? 90 : 0) }).ToList();
        using var scanned = await fixture.PostAsync("/api/v1/assist/anomalies/scan", new { plant = "PB01", workCenter = "PB01-CNC2", points, flow = "anomaly-review", requester = "sam.supervisor" });
        Assert.Equal(HttpStatusCode.Created, scanned.StatusCode);
        var report = await TaktHost.JsonAsync(scanned);
        var instanceId = report.GetProperty("flowInstance").GetString()!;
        var instance = (await flows.InstanceAsync(fixture.Store, instanceId, Ct))!;
        Assert.Equal(("anomaly-review", "PB01", "sam.supervisor"), (instance.Flow, instance.Plant, instance.Requester));
        Assert.Equal("PB01-CNC2", instance.Variables["workCenter"]!.GetValue<string>());
        Assert.Equal(report.GetProperty("anomalies")[0].GetProperty("id").GetString(), instance.Variables["suggestion"]!.GetValue<string>());
        Assert.Equal(1, await fixture.CountAsync($"SELECT COUNT(*) FROM orch_instance WHERE flow = 'anomaly-review'"));
    }

    [Fact]
    public async Task forecasts_risk_scores_and_priorities_are_recorded_suggestions_with_their_reasons()
    {
        var start = new DateOnly(2026, 6, 1);
        var random = new Random(3);
        var history = Enumerable.Range(0, 140).Select(d => new { date = start.AddDays(d), quantity = (start.AddDays(d).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 5.0 : 40.0) + (random.NextDouble() * 4) }).ToList();
        await Problems.AssertAsync(await fixture.PostAsync("/api/v1/assist/forecasts/demand", new { plant = "PA01", item = "FG-1000", unit = "H87", history = history.Take(30), horizonDays = 14, coverage = 0.8 }), HttpStatusCode.UnprocessableEntity, "/history", "assist.history-too-short");
        using var forecast = await fixture.PostAsync("/api/v1/assist/forecasts/demand", new { plant = "PA01", item = "FG-1000", unit = "H87", history, horizonDays = 14, coverage = 0.8 });
        Assert.Equal(HttpStatusCode.Created, forecast.StatusCode);
        var days = (await TaktHost.JsonAsync(forecast)).GetProperty("days").EnumerateArray().ToList();
        Assert.Equal(14, days.Count);
        foreach (var day in days)
        {
            var (f, low, high) = (day.GetProperty("forecast").GetDouble(), day.GetProperty("low").GetDouble(), day.GetProperty("high").GetDouble());
            Assert.True(low <= f && f <= high, $"{low} ≤ {f} ≤ {high}");
            var weekend = DateOnly.Parse(day.GetProperty("date").GetString()!, System.Globalization.CultureInfo.InvariantCulture).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            Assert.InRange(f, weekend ? 0 : 30, weekend ? 15 : 50);
        }

        using var risk = await fixture.PostAsync("/api/v1/assist/risk/work-centers", new object[]
        {
            new { workCenter = "PA01-CNC1", plant = "PA01", downtimeMinutesLast7Days = 30, downtimeMinutesWeeklyAverage = 35, anomaliesLast7Days = 0, loadPercent = 80, lateOrders = 0, daysSinceMaintenance = 10, maintenanceIntervalDays = 90 },
            new { workCenter = "PA01-CNC2", plant = "PA01", downtimeMinutesLast7Days = 400, downtimeMinutesWeeklyAverage = 40, anomaliesLast7Days = 3, loadPercent = 115, lateOrders = 2, daysSinceMaintenance = 100, maintenanceIntervalDays = 90 },
        });
        Assert.Equal(HttpStatusCode.Created, risk.StatusCode);
        var scores = (await TaktHost.JsonAsync(risk)).EnumerateArray().ToList();
        Assert.Equal("PA01-CNC2", scores[0].GetProperty("workCenter").GetString());
        Assert.True(scores[0].GetProperty("risk").GetDouble() > 0.8 && scores[1].GetProperty("risk").GetDouble() < 0.1);
        Assert.Equal("downtimeTrend", scores[0].GetProperty("drivers")[0].GetProperty("feature").GetString());

        var now = AssistHost.Start;
        using var ranked = await fixture.PostAsync("/api/v1/assist/priorities", new object[]
        {
            new { id = "EXC-A", kind = "invoice-exception", plant = "PA01", valueAtRisk = 50_000m, slaDueAt = now.AddDays(10) },
            new { id = "QI-B", kind = "quality-issue", plant = "PA01", valueAtRisk = 8_000m, dueAt = now.AddHours(-2), customerOrder = true },
            new { id = "TASK-C", kind = "task", plant = "PA01", valueAtRisk = 200m, slaDueAt = now.AddHours(5) },
        });
        Assert.Equal(HttpStatusCode.Created, ranked.StatusCode);
        var order = (await TaktHost.JsonAsync(ranked)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        // An SLA running out in 5 hours outweighs 250 times the value with 10 days left: impact = log10(1 + value) × (1 + urgencies).
        Assert.Equal(["QI-B", "TASK-C", "EXC-A"], order);
        Assert.Equal(1, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion WHERE kind = 'demand-forecast'"));
        Assert.Equal(2, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion WHERE kind = 'disruption-risk'"));
        Assert.Equal(1, await fixture.CountAsync("SELECT COUNT(*) FROM assist_suggestion WHERE kind = 'prioritization'"));
    }
}

public sealed class SqliteAssist(SqliteAssistHost fixture) : AssistContract<SqliteAssistHost>(fixture);

public sealed class PostgresAssist(PostgresAssistHost fixture) : AssistContract<PostgresAssistHost>(fixture);
