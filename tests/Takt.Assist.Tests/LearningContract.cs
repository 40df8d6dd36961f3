using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Takt.Orchestration;
using Takt.Payables.Invoices;
using Takt.Testing;
using Xunit;

namespace Takt.Assist.Tests;

/// <summary>
/// The invoice classifier learns from exceptions resolved in payables (issue 15), over real HTTP on both engines:
/// invoices without an order raise missing-PO exceptions, their cost-center owner disputes them in the exception flow,
/// and a retrained, approved version suggests that category and route for the next such invoice, explained by the
/// missing purchase order. Intake never trains: it only records each exception's features.
/// </summary>
public abstract class LearningContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : AssistHost
{
    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DateOnly Today => DateOnly.FromDateTime(fixture.Clock.GetUtcNow().UtcDateTime);

    /// <summary>An invoice of Gießerei Meier that names no purchase order: a missing-PO exception at Plant A.</summary>
    private async Task<string> SendWithoutOrderAsync(decimal quantity)
    {
        var invoice = InvoiceSamples.ForOrder($"NOPO-{Guid.NewGuid():N}"[..14], Today, null, [new InvoiceSamples.OrderLine(1, "RM-3002", quantity, "H87", 10.00m)],
            "Gießerei Meier GmbH", "DE811000100", buyerReference: "CC-4100");
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(invoice, InvoiceDocuments.Json));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        using var response = await Host.Http.PostAsync("/api/v1/payables/invoices?plant=PA01", content, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> ExceptionAsync(string invoice) =>
        (await Host.GetAsync<JsonElement>($"/api/v1/payables/invoices/{invoice}/match")).GetProperty("exceptions")[0];

    private async Task SettleAsync()
    {
        await Host.DrainOutboxAsync();
        await using var session = await Host.Store.OpenSessionAsync(fixture.Clock, Ct);
        while (await Host.Service<IOrchestration>().RunDueAsync(session, 500, Ct) > 0)
        {
        }
    }

    [Fact]
    public async Task the_classifier_learns_from_exceptions_resolved_in_payables_and_its_next_advice_shows_it()
    {
        var invoices = new List<string>();
        for (var i = 0; i < 6; i++)
            invoices.Add(await SendWithoutOrderAsync(30 + i)); // amounts differ: the same amount again would be a suspected duplicate
        await SettleAsync();
        var exceptions = new List<string>();
        foreach (var invoice in invoices)
        {
            var exception = await ExceptionAsync(invoice);
            Assert.Equal(("missing-po", "cost-center-owner", "open"), (exception.GetProperty("category").GetString(), exception.GetProperty("route").GetString(), exception.GetProperty("status").GetString()));
            exceptions.Add(exception.GetProperty("id").GetString()!);
        }

        // Intake trained nothing (no model yet, so no advice), but it recorded what each exception looked like.
        Assert.Equal(0, await fixture.CountAsync("SELECT COUNT(*) FROM assist_model"));
        Assert.Equal(6, await fixture.CountAsync("SELECT COUNT(*) FROM assist_invoice_case"));

        // The cost-center owner disputes each one in the exception flow: payables rejects the invoice and resolves the exception.
        foreach (var invoice in invoices)
        {
            var (task, role) = Assert.Single(await Tables.QueryAsync<(string, string)>(Host.Store,
                "SELECT t.id, t.role FROM orch_task t JOIN orch_instance i ON i.id = t.instance_id WHERE i.flow = 'invoice-exception-resolution' AND i.variables LIKE @pattern AND t.status = 'open'",
                new { pattern = $"%\"invoice\":\"{invoice}\"%" }));
            Assert.Equal("cost-center-owner", role);
            using var rejected = await Host.PostJsonAsync($"/api/v1/tasks/{task}/reject", new { actor = "otto.owner", comment = "No order for this: not ours." });
            Assert.True(rejected.IsSuccessStatusCode, await rejected.Content.ReadAsStringAsync(Ct));
        }

        await SettleAsync();
        await SettleAsync();
        foreach (var invoice in invoices)
        {
            var exception = await ExceptionAsync(invoice);
            Assert.Equal(("resolved", "rejected"), (exception.GetProperty("status").GetString(), exception.GetProperty("resolution").GetString()));
        }

        // A person trains: the log's six resolved exceptions, topped up with generated history, are the training set.
        using var trainResponse = await fixture.PostAsync("/api/v1/assist/models/invoice-exceptions/train", new { rows = 1_000, trainedBy = "lena.data" });
        Assert.Equal(HttpStatusCode.Created, trainResponse.StatusCode);
        var model = (await TaktHost.JsonAsync(trainResponse)).GetProperty("model");
        Assert.Equal("resolved-exceptions+generated", model.GetProperty("source").GetString());
        var set = model.GetProperty("trainingSet");
        var generatedMissingPo = new Takt.Assist.Invoices.GeneratedInvoiceHistory(15).Generate(994).Count(r => r.Category == "missing-po");
        Assert.InRange(generatedMissingPo, 60, 140); // about a tenth of the generated history
        Assert.Equal((6, 994, 6 + generatedMissingPo), (set.GetProperty("fromLog").GetInt32(), set.GetProperty("generated").GetInt32(), set.GetProperty("labels").GetProperty("missing-po").GetInt32()));
        var examples = set.GetProperty("logExamples").EnumerateArray().ToList();
        Assert.Equal(exceptions.Order(StringComparer.Ordinal), examples.Select(e => e.GetProperty("subject").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(examples, e => Assert.Equal(("missing-po", "cost-center-owner", "rejected", "PA01"),
            (e.GetProperty("category").GetString(), e.GetProperty("role").GetString(), e.GetProperty("resolution").GetString(), e.GetProperty("plant").GetString())));
        Assert.Contains("missing-po", model.GetProperty("metrics").GetProperty("perClassF1").EnumerateObject().Select(p => p.Name));
        var id = model.GetProperty("id").GetString()!;
        var listed = Assert.Single((await Host.GetAsync<JsonElement>("/api/v1/assist/models?kind=invoice-exceptions")).EnumerateArray());
        Assert.Equal(6, listed.GetProperty("trainingSet").GetProperty("fromLog").GetInt32());

        // Another person approves it; the next invoice without an order gets the learned category and route as advice.
        using (var approved = await fixture.PostAsync($"/api/v1/assist/models/{id}/approve", new { approver = "mara.controller", scope = "*" }))
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var next = await ExceptionAsync(await SendWithoutOrderAsync(41));
        var advice = next.GetProperty("advice");
        Assert.True(("missing-po", "cost-center-owner", id) == (advice.GetProperty("category").GetString(), advice.GetProperty("route").GetString(), advice.GetProperty("advisor").GetString()), advice.ToString());
        var suggestion = await Host.GetAsync<JsonElement>($"/api/v1/assist/suggestions/{advice.GetProperty("suggestion").GetString()}");
        Assert.Equal(next.GetProperty("id").GetString(), suggestion.GetProperty("subjectId").GetString());
        Assert.Equal("noPurchaseOrder", suggestion.GetProperty("explanation")[0].GetProperty("feature").GetString()); // the invoice names no order
        Assert.True(suggestion.GetProperty("inputs").GetProperty("noPurchaseOrder").GetBoolean());
        // Advice only: payables' own category and route stay in force.
        Assert.Equal(("missing-po", "cost-center-owner"), (next.GetProperty("category").GetString(), next.GetProperty("route").GetString()));
    }
}

public sealed class LearningSqliteHost() : AssistHost("sqlite");

public sealed class LearningPostgresHost() : AssistHost("postgres");

public sealed class LearningSqlite(LearningSqliteHost fixture) : LearningContract<LearningSqliteHost>(fixture);

public sealed class LearningPostgres(LearningPostgresHost fixture) : LearningContract<LearningPostgresHost>(fixture);
