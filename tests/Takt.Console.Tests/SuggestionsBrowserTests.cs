using System.Net;
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
}
