using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Ledger;
using Takt.Payables.Invoices;
using Takt.Testing;
using Xunit;

namespace Takt.Payables.Tests;

/// <summary>
/// Invoice matching over HTTP on both engines: posting hand-computed (GR/IR, invoice price variance, input tax),
/// tolerances at their boundaries, every exception category from a crafted case routed to its role in the
/// invoice-exception flow, re-match when the receipt arrives later, credit notes, payment proposal and KPIs, a
/// 1,000-line UBL invoice, and a posting into a closed period that changes nothing.
/// </summary>
public abstract class MatchingContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : MatchingHost
{
    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static MatchingHost.Line L(string account, decimal debit, decimal credit) => new(account, debit, credit);

    [Fact]
    public async Task a_matched_invoice_posts_grir_price_variance_and_input_tax_computed_by_hand_and_is_payable_on_its_due_date()
    {
        // Ordered and received 100 × 12.90; invoiced 100 × 13.05 (1.16 % and 15.00 above: within 2 % and 50.00).
        // Net 1,305.00; VAT 19 % = 247.95; total 1,552.95. GR/IR 1,290.00, invoice price variance 15.00.
        var order = await fixture.OrderAsync("SUP-100", "RM-3002", 100m, 12.90m, 100m);
        var receipt = await fixture.SendAsync(fixture.Invoice(order.Number, 100m, 13.05m));
        Assert.Equal("posted", receipt.GetProperty("matchState").GetString());
        var id = receipt.GetProperty("id").GetString()!;
        var match = await fixture.MatchAsync(id);
        Assert.Equal(("posted", "three-way", true, "payable", 1290.00m, 15.00m, 247.95m, 1552.95m),
            (match.GetProperty("state").GetString(), match.GetProperty("matchKind").GetString(), match.GetProperty("touchless").GetBoolean(), match.GetProperty("paymentStatus").GetString(),
             match.GetProperty("grIr").GetDecimal(), match.GetProperty("priceVariance").GetDecimal(), match.GetProperty("tax").GetDecimal(), match.GetProperty("payable").GetDecimal()));
        Assert.Equal(
            [L("191000", 1290.00m, 0m), L("160000", 0m, 1290.00m), L("532000", 15.00m, 0m), L("160000", 0m, 15.00m), L("154000", 247.95m, 0m), L("160000", 0m, 247.95m)],
            await fixture.JournalLinesAsync(match.GetProperty("journalEntry").GetString()!));

        // Payment terms of SUP-100: 30 days from the issue date.
        var due = fixture.Today.AddDays(30);
        Assert.Equal(due.ToString("yyyy-MM-dd"), match.GetProperty("dueDate").GetString());
        var early = await Host.GetAsync<JsonElement>($"/api/v1/payables/payment-proposal?plant=PA01&dueBy={due.AddDays(-1):yyyy-MM-dd}");
        Assert.DoesNotContain(early.GetProperty("due").EnumerateArray(), d => d.GetProperty("invoice").GetString() == id);
        var onTime = await Host.GetAsync<JsonElement>($"/api/v1/payables/payment-proposal?plant=PA01&dueBy={due:yyyy-MM-dd}");
        Assert.Equal(1552.95m, onTime.GetProperty("due").EnumerateArray().Single(d => d.GetProperty("invoice").GetString() == id).GetProperty("amount").GetDecimal());

        // Matching it again is refused: it is posted (a credit note corrects it).
        using var again = await Host.PostJsonAsync($"/api/v1/payables/invoices/{id}/match", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("invoice.already-posted", await again.Content.ReadAsStringAsync(Ct));
        using var missingDate = await Host.Http.GetAsync("/api/v1/payables/payment-proposal?plant=PA01", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, missingDate.StatusCode);
        Assert.Contains("/query/dueBy", await missingDate.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task the_demo_shows_matched_invoices_and_exceptions_at_plant_a()
    {
        var invoices = await Host.GetAsync<JsonElement>("/api/v1/payables/invoices?plant=PA01&limit=1000");
        string State(string number) => invoices.EnumerateArray().Single(i => i.GetProperty("number").GetString() == number).GetProperty("matchState").GetString()!;
        Assert.Equal(("posted", "posted", "exception", "exception", "exception"), (State("MEI-2026-0412"), State("HB-88120"), State("MEI-2026-0419"), State("HB-88131"), State("MEI-2026-0425")));
        var open = await Host.GetAsync<JsonElement>("/api/v1/payables/exceptions?plant=PA01&limit=1000");
        foreach (var (number, category) in new[] { ("MEI-2026-0419", "price-variance"), ("HB-88131", "missing-receipt"), ("MEI-2026-0425", "missing-po") })
        {
            var id = invoices.EnumerateArray().Single(i => i.GetProperty("number").GetString() == number).GetProperty("id").GetString();
            Assert.Equal(category, open.EnumerateArray().First(e => e.GetProperty("invoice").GetString() == id).GetProperty("category").GetString());
        }
    }

    [Fact]
    public async Task tolerances_hold_exactly_at_their_limit_and_not_just_over_it()
    {
        // Price, percent (default 2 % and 50.00): 10.20 against 10.00 is exactly 2 %; 10.21 is over.
        var atPercent = await fixture.OrderAsync("SUP-100", "RM-3002", 100m, 10.00m, 100m);
        Assert.Equal("posted", (await fixture.SendAsync(fixture.Invoice(atPercent.Number, 100m, 10.20m))).GetProperty("matchState").GetString());
        var overPercent = await fixture.OrderAsync("SUP-100", "RM-3002", 100m, 10.00m, 100m);
        var over = await fixture.SendAsync(fixture.Invoice(overPercent.Number, 100m, 10.21m));
        Assert.Equal("exception", over.GetProperty("matchState").GetString());
        var overException = Assert.Single((await fixture.MatchAsync(over.GetProperty("id").GetString()!)).GetProperty("exceptions").EnumerateArray());
        Assert.Equal(("price-variance", "buyer", 21.00m), (overException.GetProperty("category").GetString(), overException.GetProperty("route").GetString(), overException.GetProperty("difference").GetDecimal()));

        // Price, absolute, on a two-way match (MRO of SUP-100: against the order, no receipt): 5.00 on the line is the limit.
        using (var set = await Host.Http.PutAsJsonAsync("/api/v1/payables/tolerances", new { supplier = "SUP-100", category = "MRO", matchKind = "two-way", quantityPercent = 0, quantityAbsolute = 0, pricePercent = 100, priceAbsolute = 5 }, Ct))
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var atAbsolute = await fixture.OrderAsync("SUP-100", "RM-3002", 10m, 10.00m, 0m, category: "MRO");
        var twoWay = await fixture.SendAsync(fixture.Invoice(atAbsolute.Number, 10m, 10.50m));
        Assert.Equal("posted", twoWay.GetProperty("matchState").GetString());
        var twoWayMatch = await fixture.MatchAsync(twoWay.GetProperty("id").GetString()!);
        Assert.Equal("two-way", twoWayMatch.GetProperty("matchKind").GetString());
        // Two-way: the order's value goes to the expense the determination names (no GR/IR without a receipt).
        Assert.Equal([L("690000", 100.00m, 0m), L("160000", 0m, 100.00m), L("532000", 5.00m, 0m), L("160000", 0m, 5.00m), L("154000", 19.95m, 0m), L("160000", 0m, 19.95m)],
            await fixture.JournalLinesAsync(twoWayMatch.GetProperty("journalEntry").GetString()!));
        var overAbsolute = await fixture.OrderAsync("SUP-100", "RM-3002", 10m, 10.00m, 0m, category: "MRO");
        Assert.Equal("exception", (await fixture.SendAsync(fixture.Invoice(overAbsolute.Number, 10m, 10.51m))).GetProperty("matchState").GetString());

        // Quantity (SUP-200, direct: 10 % and 5 units, both hold): 40 received allows 4 more, so 44 matches and 45 does not.
        using (var set = await Host.Http.PutAsJsonAsync("/api/v1/payables/tolerances", new { supplier = "SUP-200", category = "direct", matchKind = "three-way", quantityPercent = 10, quantityAbsolute = 5, pricePercent = 2, priceAbsolute = 50 }, Ct))
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var atQuantity = await fixture.OrderAsync("SUP-200", "RM-3003", 100m, 4.00m, 40m);
        Assert.Equal("posted", (await fixture.SendAsync(fixture.Invoice(atQuantity.Number, 44m, 4.00m, "RM-3003", MatchingHost.Hridele))).GetProperty("matchState").GetString());
        var overQuantity = await fixture.OrderAsync("SUP-200", "RM-3003", 100m, 4.00m, 40m);
        var tooMany = await fixture.SendAsync(fixture.Invoice(overQuantity.Number, 45m, 4.00m, "RM-3003", MatchingHost.Hridele));
        var quantityException = Assert.Single((await fixture.MatchAsync(tooMany.GetProperty("id").GetString()!)).GetProperty("exceptions").EnumerateArray());
        Assert.Equal(("quantity-variance", "plant-controller"), (quantityException.GetProperty("category").GetString(), quantityException.GetProperty("route").GetString()));

        // A tolerance is checked before it is stored.
        using var bad = await Host.Http.PutAsJsonAsync("/api/v1/payables/tolerances", new { supplier = "SUP-100", category = "*", matchKind = "one-way", quantityPercent = -1, quantityAbsolute = 0, pricePercent = 2, priceAbsolute = 50 }, Ct);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var problem = await TaktHost.JsonAsync(bad);
        Assert.Equal(["/matchKind", "/quantityPercent"], problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).Order().ToArray());
    }

    [Fact]
    public async Task each_exception_category_from_a_crafted_case_opens_the_flow_for_its_role()
    {
        var cases = new List<(string Name, string Invoice, string Category, string Route)>();
        async Task CaseAsync(string name, SupplierInvoice invoice, string category, string route)
        {
            var receipt = await fixture.SendAsync(invoice);
            Assert.True(receipt.GetProperty("matchState").GetString() == "exception", $"{name}: {receipt}");
            cases.Add((name, receipt.GetProperty("id").GetString()!, category, route));
        }

        var priced = await fixture.OrderAsync("SUP-100", "RM-3002", 100m, 10.00m, 100m);
        await CaseAsync("price", fixture.Invoice(priced.Number, 100m, 12.00m), "price-variance", "buyer");
        var short_ = await fixture.OrderAsync("SUP-100", "RM-3002", 50m, 10.00m, 30m);
        await CaseAsync("quantity", fixture.Invoice(short_.Number, 50m, 10.00m), "quantity-variance", "plant-controller");
        // Amounts differ from case to case: the same supplier and amount within a week would be a suspected duplicate.
        var unreceived = await fixture.OrderAsync("SUP-100", "RM-3002", 40m, 10.00m, 0m);
        await CaseAsync("receipt", fixture.Invoice(unreceived.Number, 40m, 10.00m), "missing-receipt", "plant-controller");
        await CaseAsync("po", fixture.Invoice(null, 30m, 10.00m), "missing-po", "cost-center-owner");
        var taxed = await fixture.OrderAsync("SUP-100", "RM-3002", 10m, 10.00m, 10m);
        await CaseAsync("tax", fixture.Invoice(taxed.Number, 10m, 10.00m, tax: 16m), "tax-mismatch", "ap-clerk");
        var other = await fixture.OrderAsync("SUP-100", "RM-3002", 10m, 10.00m, 10m);
        await CaseAsync("supplier", fixture.Invoice(other.Number, 10m, 10.00m, supplier: MatchingHost.Hridele), "supplier-data-mismatch", "buyer");
        var sums = await fixture.OrderAsync("SUP-100", "RM-3002", 10m, 10.00m, 10m);
        var wrong = fixture.Invoice(sums.Number, 10m, 10.00m);
        // Intake refuses a line whose net amount is more than 0.02 off quantity × price (PEPPOL-EN16931-R120); matching
        // holds what intake lets through: 10 × 10.002 = 100.02, stated 100.00.
        await CaseAsync("arithmetic", wrong with { Lines = [wrong.Lines[0] with { PriceAmount = 10.002m }] }, "arithmetic-error", "ap-clerk");
        var once = await fixture.OrderAsync("SUP-100", "RM-3002", 11m, 10.00m, 11m);
        var number = MatchingHost.Number("DUP");
        Assert.Equal("posted", (await fixture.SendAsync(fixture.Invoice(once.Number, 11m, 10.00m, number: number))).GetProperty("matchState").GetString());
        await CaseAsync("duplicate", fixture.Invoice(once.Number, 11m, 10.00m, number: number) with { IssueDate = fixture.Today.AddDays(-1) }, "duplicate-suspected", "ap-clerk");

        await fixture.SettleAsync();
        foreach (var (name, invoice, category, route) in cases)
        {
            var match = await fixture.MatchAsync(invoice);
            Assert.Equal(("exception", "blocked"), (match.GetProperty("state").GetString(), match.GetProperty("paymentStatus").GetString()));
            var exception = Assert.Single(match.GetProperty("exceptions").EnumerateArray());
            Assert.True((category, route, "open") == (exception.GetProperty("category").GetString(), exception.GetProperty("route").GetString(), exception.GetProperty("status").GetString()), $"{name}: {exception}");
            // The AI service advised (recorded with its model and confidence); payables' category and route stay in force.
            var advice = exception.GetProperty("advice");
            Assert.True(advice.GetProperty("confidence").GetDouble() is >= 0 and <= 1 && advice.GetProperty("advisor").GetString()!.StartsWith("invoice-exceptions", StringComparison.Ordinal), $"{name}: {advice}");
            Assert.True(await fixture.ExceptionTaskRolesAsync(invoice) is [var role] && role == route, $"{name}: the flow's task should be for {route}.");
        }

        // The ERP context names the order, its buyer and its receipts; the duplicate names the earlier invoice.
        var priceCase = (await fixture.MatchAsync(cases[0].Invoice)).GetProperty("exceptions")[0].GetProperty("context");
        Assert.Equal((priced.Number, "anna.buyer", 1), (priceCase.GetProperty("purchaseOrder").GetString(), priceCase.GetProperty("buyer").GetString(), priceCase.GetProperty("receipts").GetArrayLength()));
        var duplicateCase = (await fixture.MatchAsync(cases[^1].Invoice)).GetProperty("exceptions")[0];
        Assert.Equal(1, duplicateCase.GetProperty("context").GetProperty("priorInvoices").GetArrayLength());
        Assert.Contains(duplicateCase.GetProperty("categories").EnumerateArray(), c => c.GetString() == "quantity-variance");
        var listed = await Host.GetAsync<JsonElement>("/api/v1/payables/exceptions?plant=PA01&status=open&limit=1000");
        Assert.All(cases, c => Assert.Contains(listed.EnumerateArray(), e => e.GetProperty("invoice").GetString() == c.Invoice));
    }

    [Fact]
    public async Task an_invoice_waiting_for_its_receipt_matches_by_itself_when_the_receipt_arrives()
    {
        var order = await fixture.OrderAsync("SUP-100", "RM-3002", 60m, 12.90m, 0m);
        var receipt = await fixture.SendAsync(fixture.Invoice(order.Number, 60m, 12.90m));
        var id = receipt.GetProperty("id").GetString()!;
        Assert.Equal("exception", receipt.GetProperty("matchState").GetString());
        await fixture.SettleAsync();
        Assert.Equal(["plant-controller"], await fixture.ExceptionTaskRolesAsync(id));

        fixture.Clock.Advance(TimeSpan.FromHours(5));
        await fixture.ReceiveAsync(order.Number, 60m);
        await fixture.SettleAsync();
        var match = await fixture.MatchAsync(id);
        // 60 × 12.90 = 774.00; VAT 147.06.
        Assert.Equal(("posted", false, 2, 774.00m, 0m, 147.06m), (match.GetProperty("state").GetString(), match.GetProperty("touchless").GetBoolean(), match.GetProperty("attempts").GetInt32(),
            match.GetProperty("grIr").GetDecimal(), match.GetProperty("priceVariance").GetDecimal(), match.GetProperty("tax").GetDecimal()));
        var exception = Assert.Single(match.GetProperty("exceptions").EnumerateArray());
        Assert.Equal(("resolved", "re-matched"), (exception.GetProperty("status").GetString(), exception.GetProperty("resolution").GetString()));
        Assert.Equal([L("191000", 774.00m, 0m), L("160000", 0m, 774.00m), L("154000", 147.06m, 0m), L("160000", 0m, 147.06m)], await fixture.JournalLinesAsync(match.GetProperty("journalEntry").GetString()!));

        // The KPIs count it as an exception (not touchless) with its category.
        var kpis = await Host.GetAsync<JsonElement>("/api/v1/payables/kpis?plant=PA01");
        var plant = Assert.Single(kpis.GetProperty("plants").EnumerateArray());
        var (invoices, exceptions, touchless) = (plant.GetProperty("invoices").GetInt64(), plant.GetProperty("exceptions").GetInt64(), plant.GetProperty("touchless").GetInt64());
        Assert.True(exceptions >= 1 && touchless <= invoices - exceptions);
        Assert.Equal(Math.Round((double)exceptions / invoices, 4), plant.GetProperty("exceptionRate").GetDouble());
        Assert.True(plant.GetProperty("categories").GetProperty("missing-receipt").GetInt64() >= 1);
        Assert.True(plant.GetProperty("cycleCount").GetInt64() >= 1);
        Assert.Contains(kpis.GetProperty("suppliers").EnumerateArray(), s => s.GetProperty("key").GetString() == "SUP-100");
    }

    [Fact]
    public async Task a_credit_note_reverses_part_of_an_invoice_and_cannot_credit_more_than_was_invoiced()
    {
        var order = await fixture.OrderAsync("SUP-100", "RM-3002", 100m, 12.90m, 100m);
        var invoice = await fixture.SendAsync(fixture.Invoice(order.Number, 100m, 12.90m));
        Assert.Equal("posted", invoice.GetProperty("matchState").GetString());

        // 20 × 12.90 = 258.00 credited, VAT 49.02: AP debited 307.02, GR/IR and input tax credited.
        var credit = await fixture.SendAsync(fixture.Invoice(order.Number, 20m, 12.90m, creditNote: true));
        Assert.Equal(("credit-note", "posted"), (credit.GetProperty("kind").GetString(), credit.GetProperty("matchState").GetString()));
        var match = await fixture.MatchAsync(credit.GetProperty("id").GetString()!);
        Assert.Equal((-258.00m, 0m, -49.02m, -307.02m), (match.GetProperty("grIr").GetDecimal(), match.GetProperty("priceVariance").GetDecimal(), match.GetProperty("tax").GetDecimal(), match.GetProperty("payable").GetDecimal()));
        Assert.Equal([L("160000", 258.00m, 0m), L("191000", 0m, 258.00m), L("160000", 49.02m, 0m), L("154000", 0m, 49.02m)], await fixture.JournalLinesAsync(match.GetProperty("journalEntry").GetString()!));

        // 80 remain invoiced: a credit note of 90 is a quantity variance.
        var tooMuch = await fixture.SendAsync(fixture.Invoice(order.Number, 90m, 12.90m, creditNote: true));
        var exception = Assert.Single((await fixture.MatchAsync(tooMuch.GetProperty("id").GetString()!)).GetProperty("exceptions").EnumerateArray());
        Assert.Equal("quantity-variance", exception.GetProperty("category").GetString());

        // The proposal nets the invoice (1,535.10) and the credit note (−307.02); the blocked one is listed with its reason.
        var proposal = await Host.GetAsync<JsonElement>($"/api/v1/payables/payment-proposal?plant=PA01&dueBy={fixture.Today.AddDays(30):yyyy-MM-dd}");
        var due = proposal.GetProperty("due").EnumerateArray().Where(d => d.GetProperty("purchaseOrder").GetString() == order.Number).Select(d => d.GetProperty("amount").GetDecimal()).Order().ToArray();
        Assert.Equal([-307.02m, 1535.10m], due);
        Assert.Contains(proposal.GetProperty("blocked").EnumerateArray(), b => b.GetProperty("invoice").GetString() == tooMuch.GetProperty("id").GetString()
            && b.GetProperty("reason").GetString()!.StartsWith("quantity-variance", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_thousand_line_ubl_invoice_is_imported_matched_and_posted()
    {
        var lines = Enumerable.Range(1, 1000).Select(i => new InvoiceSamples.OrderLine(i, "RM-3002", 1m + (i % 3), "H87", 0.50m + (i % 10 / 100m))).ToList();
        Procurement.PurchaseOrderView order;
        await using (var session = await Host.Store.OpenSessionAsync(fixture.Clock, Ct))
        {
            await using var tx = await session.BeginAsync(Ct);
            order = (await fixture.Procurement.CreateDirectOrderAsync(tx, new Procurement.DirectOrder("PA01", "SUP-100", "direct", "CC-4100", "FCA Augsburg", "anna.buyer",
                [.. lines.Select(l => new Procurement.DirectOrderLine(l.Item, l.Quantity, l.Unit, l.Price, fixture.Today.AddDays(10)))]), Ct)).Ok();
            await tx.FlushAsync(Ct);
            foreach (var l in lines)
                (await fixture.Procurement.ReceiveAsync(tx, new Procurement.ReceiveGoods(order.Number, l.Line, l.Quantity, "H87", "wim.warehouse"), Ct)).Ok();
            await tx.CommitAsync(Ct);
        }

        var invoice = InvoiceSamples.ForOrder(MatchingHost.Number("BIG"), fixture.Today, order.Number, lines, MatchingHost.Meier.Name, MatchingHost.Meier.Vat);
        var grir = lines.Sum(l => Math.Round(l.Quantity * l.Price, 2));
        using var response = await Invoices.PostAsync(Host.Http, "PA01", InvoiceSamples.ToUblBytes(invoice));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var receipt = await TaktHost.JsonAsync(response);
        Assert.Equal((1000, "posted"), (receipt.GetProperty("lineCount").GetInt32(), receipt.GetProperty("matchState").GetString()));
        var match = await fixture.MatchAsync(receipt.GetProperty("id").GetString()!);
        Assert.Equal((grir, 0m, invoice.TaxTotal!.Value), (match.GetProperty("grIr").GetDecimal(), match.GetProperty("priceVariance").GetDecimal(), match.GetProperty("tax").GetDecimal()));
        Assert.Equal(1000, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM payables_match_line WHERE invoice_id = @id", new { id = receipt.GetProperty("id").GetString() }));
    }

    [Fact]
    public async Task an_invoice_whose_posting_falls_into_a_closed_period_is_refused_and_changes_nothing()
    {
        var order = await fixture.OrderAsync("SUP-100", "RM-3002", 10m, 12.90m, 10m);
        var ledger = Host.Service<ILedger>();
        var period = (fixture.Today.Year * 100) + fixture.Today.Month;
        await ledger.SetPeriodAsync(Host.Store, "TK01", period, false, Ct);
        try
        {
            await Host.DrainOutboxAsync();
            var before = await Host.SettledSnapshotAsync();
            using var response = await Invoices.PostAsync(Host.Http, "PA01", JsonSerializer.SerializeToUtf8Bytes(fixture.Invoice(order.Number, 10m, 12.90m), InvoiceDocuments.Json), "application/json");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var problem = await TaktHost.JsonAsync(response);
            Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "/postingDate");
            before.AssertUnchanged(await Host.SettledSnapshotAsync());
        }
        finally
        {
            await ledger.SetPeriodAsync(Host.Store, "TK01", period, true, Ct);
        }
    }
}

public sealed class MatchingOnSqlite(MatchingSqliteHost fixture) : MatchingContract<MatchingSqliteHost>(fixture);

public sealed class MatchingOnPostgres(MatchingPostgresHost fixture) : MatchingContract<MatchingPostgresHost>(fixture);
