using System.Globalization;
using Microsoft.Playwright;
using Takt.Ledger;
using Takt.Payables.Matching;
using Takt.Server;
using Takt.Store;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Takt.Console.Tests;

/// <summary>
/// The console's operational pages in a real browser against a real server with the demo's invoices (as <c>takt run</c>):
/// invoice exceptions with their filters and drill-down, the close checklist, the KPIs the overview computes, and an
/// automated accessibility check of every page. Its own server: the fixture's dead letter stays dead here (a failing close check).
/// </summary>
public sealed class OperationsBrowserTests(ConsoleHost fixture) : IClassFixture<ConsoleHost>
{
    private TaktStore Store => fixture.Host.Store;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task exceptions_are_filtered_by_category_plant_supplier_and_age_and_one_opens_with_its_po_receipt_and_production_orders()
    {
        var matching = fixture.Host.Service<IInvoiceMatching>();
        var open = (await matching.ExceptionsAsync(Store, DemoData.PlantA, "open", 100, Ct)).ToList();
        Assert.Equal(3, open.Count); // the demo: a price variance, a missing receipt, a missing PO
        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, "dieter.cfo");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "Exceptions" }).ClickAsync();
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Invoice exceptions" });
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(3);
        foreach (var e in open)
            await Expect(table).ToContainTextAsync(e.Id);
        await ConsoleHost.ScreenshotAsync(page, "exceptions");

        await page.GetByLabel("Category").SelectOptionAsync(ExceptionCategories.PriceVariance);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("category=price-variance", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1)));
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(1);
        var variance = open.Single(e => e.Category == ExceptionCategories.PriceVariance);
        await Expect(table).ToContainTextAsync(variance.Id);
        await Expect(table).ToContainTextAsync("Gießerei Meier GmbH");

        await page.GotoAsync("/console/exceptions?supplier=" + Uri.EscapeDataString("Hřídele Brno s.r.o."));
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(table).ToContainTextAsync(ExceptionCategories.MissingReceipt);
        await page.GotoAsync("/console/exceptions?plant=PB01");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("No invoice exceptions match these filters.");
        await page.GotoAsync("/console/exceptions?age=older");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("No invoice exceptions match these filters.");
        await page.GotoAsync("/console/exceptions?age=day&plant=PA01");
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(3);

        // Drill into the price variance: the order, its receipt and the production orders behind it.
        await table.GetByRole(AriaRole.Link, new() { Name = variance.Id }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Exception {variance.Id}: price-variance" })).ToBeVisibleAsync();
        var po = variance.Context.PurchaseOrder!;
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Purchase order" }).GetByRole(AriaRole.Link, new() { Name = po })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Purchase order lines" })).ToContainTextAsync("38.00 EUR");
        var receipts = page.GetByRole(AriaRole.Table, new() { Name = "Goods receipts" });
        await Expect(receipts.Locator("tbody tr")).ToHaveCountAsync(variance.Context.Receipts.Count);
        await Expect(receipts).ToContainTextAsync(variance.Context.Receipts[0]);
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Findings" })).ToContainTextAsync(ExceptionCategories.PriceVariance);
        var production = variance.Context.ProductionOrders ?? [];
        Assert.NotEmpty(production); // RM-3001 goes into Plant A's released orders
        var list = page.GetByRole(AriaRole.List, new() { Name = "Production orders" });
        await Expect(list.GetByRole(AriaRole.Link)).ToHaveCountAsync(production.Count);
        await Expect(list).ToContainTextAsync(production[0]);
        await ConsoleHost.ScreenshotAsync(page, "exception-detail");

        // The missing PO: no order, said so.
        await page.GotoAsync("/console/exceptions/" + open.Single(e => e.Category == ExceptionCategories.MissingPo).Id);
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Purchase order" })).ToContainTextAsync("The invoice names no purchase order (that is the exception).");

        // A Plant B person sees none of Plant A's, not even by its id.
        var (brno, brnoErrors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(brno, "hana.inspector");
        await brno.GotoAsync("/console/exceptions");
        await Expect(brno.GetByRole(AriaRole.Status)).ToHaveTextAsync("No invoice exceptions match these filters.");
        await brno.GotoAsync("/console/exceptions/" + variance.Id);
        await Expect(brno.GetByRole(AriaRole.Alert)).ToHaveTextAsync($"No invoice exception '{variance.Id}' for you.");
        Assert.Empty(errors);
        Assert.Empty(brnoErrors);
    }

    [Fact]
    public async Task the_close_page_shows_the_checklist_with_the_failing_items_and_the_readiness_the_ledger_computes()
    {
        var today = TimeProvider.System.GetUtcNow().UtcDateTime;
        var period = (today.Year * 100) + today.Month;
        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, "dieter.cfo");
        await page.GotoAsync("/console/close");
        var expected = await fixture.Host.Service<ILedgerClose>().StatusAsync(Store, DemoData.Company, period, Ct);
        Assert.Contains(expected.Failing, c => c.Check == "dead-letters-empty"); // the fixture's dead-lettered webhook delivery
        var periodText = today.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var checks = page.GetByRole(AriaRole.Table, new() { Name = $"Close checks of {DemoData.Company} {periodText}" });
        await Expect(checks.Locator("tbody tr")).ToHaveCountAsync(expected.Checks.Count);
        await Expect(checks.Locator("tbody tr[data-status=failed]")).ToHaveCountAsync(expected.Failing.Count);
        await Expect(checks.Locator("tbody tr").First).ToContainTextAsync("✗ failed"); // failing items first
        await Expect(checks.Locator("tbody tr[data-status=failed]").Filter(new() { HasText = "dead-letters-empty" })).ToContainTextAsync("dead letters wait for a person");
        await Expect(page.Locator("[data-readiness]")).ToHaveTextAsync(expected.Readiness.ToString("P0", CultureInfo.InvariantCulture));
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = $"Readiness of {DemoData.Company} {periodText}" })).ToContainTextAsync($"{expected.Passed} of {expected.Applicable} applicable checks passed");
        await ConsoleHost.ScreenshotAsync(page, "close");

        await page.GetByLabel("Period (month)").FillAsync("2020-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = $"Close checks of {DemoData.Company} 2020-01" })).ToBeVisibleAsync();
        await page.GotoAsync("/console/close?period=2020-13");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The period is a month as yyyy-MM; '2020-13' is not.");
        await page.GotoAsync("/console/close?company=XX99");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("No company 'XX99' for you.");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task the_kpi_dashboard_shows_the_kpis_the_overview_computes_with_monthly_trends_by_plant()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, "dieter.cfo");
        await page.GotoAsync("/console/kpis");
        // The demo's 17 invoices at Plant A, 3 of them exceptions: 17.65 % exception rate, 82.35 % touchless, this month.
        var month = TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var exceptionRate = page.Locator("#chart-invoice-exception-rate svg[role=img]");
        await Expect(exceptionRate.Locator(".mark title").Filter(new() { HasText = "PA01 " + month })).ToHaveTextAsync($"PA01 {month}-01: 17.65 %");
        await Expect(page.Locator("#chart-touchless-rate svg .mark title").Filter(new() { HasText = "PA01 " + month })).ToHaveTextAsync($"PA01 {month}-01: 82.35 %");
        var readiness = await fixture.Host.Service<ILedgerClose>().StatusAsync(Store, DemoData.Company, int.Parse(month.Replace("-", "", StringComparison.Ordinal), CultureInfo.InvariantCulture), Ct);
        await Expect(page.Locator("#chart-close-readiness svg .mark title").Filter(new() { HasText = "TK01 " + month })).ToHaveTextAsync(
            $"TK01 {month}-01: {((double)readiness.Readiness * 100).ToString("0.##", CultureInfo.InvariantCulture)} %");
        await Expect(page.Locator("#chart-close-readiness svg .mark")).ToHaveCountAsync(6); // a figure for each of six ledger periods
        foreach (var kpi in new[] { "Schedule change cycle time", "Inventory accuracy", "Invoice exception rate", "Touchless rate", "Close readiness" })
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = kpi, Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Invoice exception rate figures" })).ToContainTextAsync("17.65 %");
        await ConsoleHost.ScreenshotAsync(page, "kpis-all");

        var (brno, brnoErrors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(brno, "hana.inspector"); // Plant B only: no invoices there
        await brno.GotoAsync("/console/kpis");
        await Expect(brno.Locator("#invoice-exception-rate")).ToBeVisibleAsync();
        await Expect(brno.GetByRole(AriaRole.Region, new() { Name = "Invoice exception rate" })).ToContainTextAsync("No supplier invoice received yet.");
        Assert.Empty(errors);
        Assert.Empty(brnoErrors);
    }

    [Fact]
    public async Task every_page_has_labelled_inputs_named_charts_and_buttons_no_console_errors_and_a_working_skip_link()
    {
        var exception = (await fixture.Host.Service<IInvoiceMatching>().ExceptionsAsync(Store, DemoData.PlantA, "open", 1, Ct))[0];
        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, DemoConsole.IntegrationOwner, here: false);
        var (cfo, cfoErrors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(cfo, "dieter.cfo");
        string[] pages =
        [
            "/console/inbox", "/console/kpis", "/console/map?objectType=production-order&days=1", "/console/flows", "/console/flows/expedite-procurement-approval",
            "/console/suggestions", "/console/models", "/console/exceptions", $"/console/exceptions/{exception.Id}", "/console/close", "/console/outage", "/console/objects/production-order/PA01-100002",
        ];
        foreach (var path in pages)
        {
            await cfo.GotoAsync(path);
            Assert.Empty(await ProblemsAsync(cfo, path));
        }

        await page.GotoAsync("/console/integration");
        Assert.Empty(await ProblemsAsync(page, "/console/integration"));
        await page.Context.ClearCookiesAsync();
        await page.GotoAsync("/console/signin");
        Assert.Empty(await ProblemsAsync(page, "/console/signin"));

        // Keyboard: the first Tab reaches the skip link, Enter moves focus to the main content.
        await cfo.GotoAsync("/console/exceptions");
        await cfo.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await cfo.EvaluateAsync<string>("document.activeElement.textContent"));
        await cfo.Keyboard.PressAsync("Enter");
        Assert.Equal("main", await cfo.EvaluateAsync<string>("document.activeElement.id"));
        // … and the filter form works from the keyboard alone.
        await cfo.GetByLabel("Category").FocusAsync();
        await cfo.Keyboard.PressAsync("Tab");
        await cfo.Keyboard.PressAsync("Tab");
        await cfo.Keyboard.PressAsync("Tab");
        await cfo.Keyboard.PressAsync("Tab");
        Assert.Equal("Filter", await cfo.EvaluateAsync<string>("document.activeElement.textContent"));
        Assert.Empty(errors);
        Assert.Empty(cfoErrors);
    }

    /// <summary>
    /// What the page breaks of the console's accessibility rules: a form control without a label (label element,
    /// aria-label or aria-labelledby), an svg without role img (group when it holds links) and a name (aria-label or title), an img without alt, a
    /// button or link without a name, a page without h1 or lang.
    /// </summary>
    private static async Task<string[]> ProblemsAsync(IPage page, string path)
    {
        var problems = await page.EvaluateAsync<string[]>("""
            () => {
              const out = [];
              const named = el => (el.getAttribute("aria-label") || "").trim() || (el.getAttribute("aria-labelledby") || "").split(" ").map(id => document.getElementById(id)?.textContent || "").join("").trim();
              for (const el of document.querySelectorAll("input, select, textarea")) {
                if (el.type === "hidden" || el.type === "submit") continue;
                if (!(el.labels && el.labels.length > 0 && [...el.labels].some(l => l.textContent.trim())) && !named(el)) out.push("unlabelled " + el.tagName.toLowerCase() + " " + (el.name || el.id));
              }
              for (const svg of document.querySelectorAll("svg")) {
                if (svg.getAttribute("aria-hidden") === "true") continue;
                if (!["img", "group"].includes(svg.getAttribute("role")) || !(named(svg) || svg.querySelector(":scope > title")?.textContent.trim())) out.push("unnamed svg");
              }
              for (const img of document.querySelectorAll("img")) if (!img.hasAttribute("alt")) out.push("img without alt " + img.src);
              for (const b of document.querySelectorAll("button, a[href]")) if (!(b.textContent.trim() || named(b) || b.title)) out.push("unnamed " + b.tagName.toLowerCase() + " " + (b.getAttribute("href") || b.name));
              if (!document.querySelector("h1")) out.push("no h1");
              if (!document.documentElement.lang) out.push("no lang");
              return out;
            }
            """);
        return [.. problems.Select(p => path + ": " + p)];
    }
}
