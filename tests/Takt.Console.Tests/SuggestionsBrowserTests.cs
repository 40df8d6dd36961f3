using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Takt.Assist.Registry;
using Takt.Server;
using Takt.Store;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Takt.Console.Tests;

/// <summary>
/// The console's AI suggestions page in a real browser (issue 15): recorded suggestions (an invoice classification with
/// the features behind it, a production anomaly with its baseline) are shown, and a person accepts or rejects one; the
/// decision is recorded under their name, once.
/// </summary>
public sealed class SuggestionsBrowserTests(ConsoleHost fixture) : IClassFixture<ConsoleHost>
{
    private TaktStore Store => fixture.Host.Store;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_person_sees_the_recorded_suggestions_with_their_explanations_and_accepts_or_rejects_them()
    {
        using (var classified = await fixture.Host.PostJsonAsync("/api/v1/assist/invoice-exceptions/classify", new
        {
            subject = "EXC-CONSOLE-1", plant = "PA01", supplier = "SUP-100", description = "bar stock 42CrMo4 alloy surcharge", priceDeviation = 0.18, quantityDeviation = 0.0,
            receiptMissing = false, sameAmountRecent = 0, taxRateDelta = 0.0, supplierExceptionRate = 0.1, invoiceValue = 8_400m, costCenter = "CC-4100",
        }))
            Assert.Equal(HttpStatusCode.Created, classified.StatusCode);
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var points = Enumerable.Range(0, 60).Select(i => new { at = start.AddHours(i), downtimeMinutes = 5.0 + (i % 3 * 0.1) + (i == 50 ? 90 : 0) }).ToList();
        using (var scanned = await fixture.Host.PostJsonAsync("/api/v1/assist/anomalies/scan", new { plant = "PA01", workCenter = "PA01-TST1", points }))
            Assert.Equal(HttpStatusCode.Created, scanned.StatusCode);

        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, DemoConsole.Approver);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "AI suggestions" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "AI suggestions", Exact = true })).ToBeVisibleAsync();
        var invoice = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Invoice exception EXC-CONSOLE-1" });
        await Expect(invoice).ToContainTextAsync("category price-variance, route to buyer at PA01 for CC-4100");
        await Expect(invoice).ToContainTextAsync("priceDeviation +"); // the strongest feature, with its contribution
        await Expect(invoice).ToContainTextAsync("is not approved"); // a candidate model: for a person only
        var anomaly = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Anomaly at PA01-TST1" });
        await Expect(anomaly).ToContainTextAsync("spike in downtimeMinutes");
        await Expect(anomaly).ToContainTextAsync("against a baseline of 5.1");
        await ConsoleHost.ScreenshotAsync(page, "suggestions");

        await invoice.GetByRole(AriaRole.Button, new() { Name = "Accept" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("Invoice exception EXC-CONSOLE-1: accepted.");
        invoice = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Invoice exception EXC-CONSOLE-1" });
        await Expect(invoice).ToContainTextAsync($"accepted by {DemoConsole.Approver}");
        await Expect(invoice.GetByRole(AriaRole.Button)).ToHaveCountAsync(0); // decided once
        anomaly = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Anomaly at PA01-TST1" });
        await anomaly.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("Anomaly at PA01-TST1: rejected.");

        var recorded = await Store.ReadAsync(TimeProvider.System, tx => SuggestionLog.ListAsync(tx, null, "PA01", 100, Ct), Ct);
        var classification = Assert.Single(recorded, s => s.SubjectId == "EXC-CONSOLE-1");
        Assert.Equal(("accepted", DemoConsole.Approver), (classification.Outcome, classification.DecidedBy));
        var spike = Assert.Single(recorded, s => s.Kind == AssistKinds.ProductionAnomalies);
        Assert.Equal(("rejected", DemoConsole.Approver), (spike.Outcome, spike.DecidedBy));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task a_person_overrides_an_invoice_exception_suggestion_with_another_category_and_role_and_a_tampered_choice_changes_nothing()
    {
        string id;
        using (var classified = await fixture.Host.PostJsonAsync("/api/v1/assist/invoice-exceptions/classify", new
        {
            subject = "EXC-CONSOLE-OVR", plant = "PA01", supplier = "SUP-110", description = "seal kit HP-200", priceDeviation = 0.0, quantityDeviation = 0.0,
            receiptMissing = true, sameAmountRecent = 0, taxRateDelta = 0.0, supplierExceptionRate = 0.1, invoiceValue = 1_250m, costCenter = "CC-4200",
        }))
        {
            Assert.Equal(HttpStatusCode.Created, classified.StatusCode);
            id = (await classified.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(Ct))!["suggestion"]!["id"]!.GetValue<string>();
        }

        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, DemoConsole.Approver);
        await page.GotoAsync("/console/suggestions?kind=invoice-exceptions");
        var invoice = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Invoice exception EXC-CONSOLE-OVR" });
        await Expect(invoice).ToContainTextAsync("category missing-receipt, route to receiving-clerk at PA01 for CC-4200");
        await Expect(invoice).ToContainTextAsync("invoice-exceptions@1 (version 1, candidate)"); // the model version and its state

        // A choice the page never offered (a tampered form) is refused and nothing is recorded.
        await invoice.GetByLabel("Category").EvaluateAsync("s => s.options[0].value = 'free-text'");
        await invoice.GetByLabel("Category").SelectOptionAsync("free-text");
        await invoice.GetByRole(AriaRole.Button, new() { Name = "Override" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Invoice exception EXC-CONSOLE-OVR: not overridden.");
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("[assist.override-value-invalid]");
        var untouched = await Store.ReadAsync(TimeProvider.System, tx => SuggestionLog.FindAsync(tx, id, Ct), Ct);
        Assert.Null(untouched!.Outcome);

        invoice = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Invoice exception EXC-CONSOLE-OVR" });
        await invoice.GetByLabel("Category").SelectOptionAsync("tax-mismatch");
        await invoice.GetByLabel("Route to role").SelectOptionAsync("tax-accountant");
        await invoice.GetByRole(AriaRole.Button, new() { Name = "Override" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("Invoice exception EXC-CONSOLE-OVR: overridden with category tax-mismatch, route to tax-accountant.");
        invoice = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Invoice exception EXC-CONSOLE-OVR" });
        await Expect(invoice).ToContainTextAsync($"overridden by {DemoConsole.Approver}");
        await Expect(invoice).ToContainTextAsync("chose category tax-mismatch, route to tax-accountant");
        await Expect(invoice.GetByRole(AriaRole.Button)).ToHaveCountAsync(0); // decided once

        var decided = await Store.ReadAsync(TimeProvider.System, tx => SuggestionLog.FindAsync(tx, id, Ct), Ct);
        Assert.Equal(("overridden", DemoConsole.Approver), (decided!.Outcome, decided.DecidedBy));
        Assert.Equal("""{"category":"tax-mismatch","role":"tax-accountant"}""", decided.DecidedValue!.ToJsonString());
        Assert.Equal("missing-receipt", decided.Output["category"]!.GetValue<string>()); // the suggestion itself is unchanged
        Assert.Empty(errors);
    }
}
