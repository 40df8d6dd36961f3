using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Integration.Access;
using Takt.Payables.Invoices;
using Takt.Testing;
using Xunit;

namespace Takt.Payables.Tests;

/// <summary>
/// Supplier invoices over HTTP on both engines: every published example is received with its totals; a resend is a
/// replay; broken rules are each reported at their place and change nothing; duplicates are flagged.
/// </summary>
public abstract class IntakeContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PayablesHost
{
    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task every_published_example_is_received_with_its_totals_duplicates_flagged_and_a_resend_is_a_replay()
    {
        // Importing all 22 into one plant: invoice numbers repeat (Snippet1 three times for seller VAT GB1232434; 2018210 twice
        // for SE123456789001 under two names), so the first of each (seller VAT, kind, number) is received and the later
        // ones are blocked as exact duplicates of it.
        var plant = "PB01";
        var first = new Dictionary<(string, string, string), string>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var example in Fixtures.Examples)
        {
            using var response = await Invoices.PostAsync(Host.Http, plant, Fixtures.Bytes(example.File));
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{example.File}: {(int)response.StatusCode} {body}");
            var r = JsonDocument.Parse(body).RootElement;
            ids[example.File] = r.GetProperty("id").GetString()!;
            Assert.Equal($"/api/v1/payables/invoices/{ids[example.File]}", response.Headers.Location?.OriginalString);
            Assert.Equal(
                (example.InvoiceNumber, example.SupplierName, example.Currency, example.LineCount, example.LineExtension, example.TaxExclusive, example.TaxTotal, example.TaxInclusive, example.Payable),
                (r.GetProperty("number").GetString(), r.GetProperty("supplierName").GetString(), r.GetProperty("currency").GetString(), r.GetProperty("lineCount").GetInt32(),
                 r.GetProperty("lineExtension").GetDecimal(), r.GetProperty("taxExclusive").GetDecimal(), r.GetProperty("taxTotal").GetDecimal(), r.GetProperty("taxInclusive").GetDecimal(), r.GetProperty("payable").GetDecimal()));
            var key = (Fixtures.SellerKey(example.File), example.DocumentType, example.InvoiceNumber);
            if (first.TryGetValue(key, out var earlier))
            {
                Assert.True(("blocked", "exact", ids[earlier]) == (r.GetProperty("status").GetString(), r.GetProperty("duplicate").GetString(), r.GetProperty("duplicateOf").GetString()), $"{example.File} should duplicate {earlier}: {body}");
            }
            else
            {
                first[key] = example.File;
                Assert.True(r.GetProperty("status").GetString() == "received" || r.GetProperty("duplicate").GetString() == "suspected", $"{example.File}: {body}");
            }
        }

        Assert.Equal(22, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM payables_invoice WHERE plant = 'PB01'"));
        Assert.Equal(22 - first.Count, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM payables_invoice WHERE plant = 'PB01' AND duplicate = 'exact'"));
        Assert.True(22 - first.Count >= 3, "Snippet1 and 2018210 repeat for one seller each.");
        Assert.Equal(Fixtures.Examples.Sum(e => e.LineCount), await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM payables_invoice_line l JOIN payables_invoice i ON i.id = l.invoice_id WHERE i.plant = 'PB01'"));
        Assert.Equal(22, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.payables.invoice-received.v1' AND plant = 'PB01'"));

        // The whole document round-trips through GET; the same bytes again change nothing and answer the same invoice.
        var detail = await Host.GetAsync<JsonElement>($"/api/v1/payables/invoices/{ids["peppol-bis3/Snippet-full.xml"]}");
        Assert.Equal(4000m, detail.GetProperty("document").GetProperty("totals").GetProperty("payable").GetDecimal());
        Assert.Equal("SEK", detail.GetProperty("document").GetProperty("taxCurrency").GetString());
        var before = await Host.SettledSnapshotAsync();
        foreach (var example in Fixtures.Examples)
        {
            using var again = await Invoices.PostAsync(Host.Http, plant, Fixtures.Bytes(example.File));
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            var r = await TaktHost.JsonAsync(again);
            Assert.Equal((ids[example.File], true), (r.GetProperty("id").GetString(), r.GetProperty("replayed").GetBoolean()));
        }

        before.AssertUnchanged(await Host.SettledSnapshotAsync());
    }

    public static TheoryData<string, string, string, string> BrokenRules => new()
    {
        { "the amount due", "<cbc:PayableAmount currencyID=\"EUR\">1656.25</cbc:PayableAmount>", "<cbc:PayableAmount currencyID=\"EUR\">1656.35</cbc:PayableAmount>", "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount|en16931.BR-CO-16" },
        { "the VAT total", "<cbc:TaxAmount currencyID=\"EUR\">331.25</cbc:TaxAmount>\n        <cac:TaxSubtotal>", "<cbc:TaxAmount currencyID=\"EUR\">331.26</cbc:TaxAmount>\n        <cac:TaxSubtotal>", "/Invoice/cac:TaxTotal/cbc:TaxAmount|en16931.BR-CO-14;/Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount|en16931.BR-CO-15" },
        { "the invoice number", "<cbc:ID>Snippet1</cbc:ID>", "", "/Invoice/cbc:ID|en16931.BR-02" },
        { "a line's net amount", "<cbc:LineExtensionAmount currencyID= \"EUR\">2800</cbc:LineExtensionAmount>", "<cbc:LineExtensionAmount currencyID= \"EUR\">2900</cbc:LineExtensionAmount>", "/Invoice/cac:InvoiceLine[1]/cbc:LineExtensionAmount|peppol.R120;/Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount|en16931.BR-CO-10;/Invoice/cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount|en16931.BR-S-08" },
        { "an amount in another currency", "<cbc:ChargeTotalAmount currencyID=\"EUR\">25</cbc:ChargeTotalAmount>", "<cbc:ChargeTotalAmount currencyID=\"USD\">25</cbc:ChargeTotalAmount>", "/Invoice/cac:LegalMonetaryTotal/cbc:ChargeTotalAmount/@currencyID|peppol.R051" },
        { "the seller's name", "<cbc:RegistrationName>SupplierOfficialName Ltd</cbc:RegistrationName>", "", "/Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName|en16931.BR-06" },
    };

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public async Task an_invoice_breaking_rules_is_refused_with_each_rule_at_its_place_and_changes_nothing(string what, string find, string replace, string expected)
    {
        var xml = Encoding.UTF8.GetString(Fixtures.Bytes("peppol-bis3/base-example.xml"));
        Assert.Contains(find, xml, StringComparison.Ordinal);
        var before = await Host.SettledSnapshotAsync();

        using var response = await Invoices.PostAsync(Host.Http, "PA01", xml.Replace(find, replace, StringComparison.Ordinal));

        var problem = await Problems.ReadAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(
            expected.Split(';').Select(e => e.Split('|')).Select(p => (p[0], p[1])).Order().ToArray(),
            Problems.Errors(problem).Order().ToArray());
        Assert.False(string.IsNullOrEmpty(what));
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task a_value_that_is_not_a_number_is_malformed_at_its_xpath()
    {
        var xml = Encoding.UTF8.GetString(Fixtures.Bytes("peppol-bis3/base-example.xml"))
            .Replace("<cbc:TaxableAmount currencyID=\"EUR\">1325</cbc:TaxableAmount>", "<cbc:TaxableAmount currencyID=\"EUR\">1.325,00</cbc:TaxableAmount>", StringComparison.Ordinal);
        using var response = await Invoices.PostAsync(Host.Http, "PA01", xml);
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "/Invoice/cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "ubl.number-invalid");
    }

    [Fact]
    public async Task the_json_form_is_received_checked_at_json_pointers_and_suspected_duplicates_are_flagged()
    {
        var issued = new DateOnly(2026, 10, 5);
        var invoice = InvoiceSamples.Invoice("JSON-1", issued, 3, supplierVat: "DE100000001");
        using var created = await Invoices.PostAsync(Host.Http, "PA01", JsonSerializer.SerializeToUtf8Bytes(invoice, InvoiceDocuments.Json), "application/json");
        var first = await TaktHost.JsonAsync(created);
        Assert.True(created.StatusCode == HttpStatusCode.Created, first.ToString());
        Assert.Equal(("json", "received"), (first.GetProperty("format").GetString(), first.GetProperty("status").GetString()));

        // Same supplier and amount, another number, 3 days later: suspected. 30 days later: a new invoice.
        using var close = await Invoices.PostAsync(Host.Http, "PA01", JsonSerializer.SerializeToUtf8Bytes(invoice with { Number = "JSON-2", IssueDate = issued.AddDays(3) }, InvoiceDocuments.Json), "application/json");
        var suspected = await TaktHost.JsonAsync(close);
        Assert.Equal(("blocked", "suspected", first.GetProperty("id").GetString()), (suspected.GetProperty("status").GetString(), suspected.GetProperty("duplicate").GetString(), suspected.GetProperty("duplicateOf").GetString()));
        using var later = await Invoices.PostAsync(Host.Http, "PA01", JsonSerializer.SerializeToUtf8Bytes(invoice with { Number = "JSON-3", IssueDate = issued.AddDays(30) }, InvoiceDocuments.Json), "application/json");
        var fresh = await TaktHost.JsonAsync(later);
        Assert.Equal("received", fresh.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("duplicate").ValueKind);

        // Broken rules point into the JSON form.
        var before = await Host.SettledSnapshotAsync();
        var broken = invoice with { Number = "JSON-4", Totals = invoice.Totals with { Payable = invoice.Totals.Payable + 1m } };
        using var refused = await Invoices.PostAsync(Host.Http, "PA01", JsonSerializer.SerializeToUtf8Bytes(broken, InvoiceDocuments.Json), "application/json");
        await Problems.AssertAsync(refused, HttpStatusCode.UnprocessableEntity, "/totals/payable", "en16931.BR-CO-16");
        var node = JsonSerializer.SerializeToNode(invoice with { Number = "JSON-5" }, InvoiceDocuments.Json)!;
        node["lines"]![1]!["quantity"] = "three";
        using var malformed = await Invoices.PostAsync(Host.Http, "PA01", node.ToJsonString(), "application/json");
        await Problems.AssertAsync(malformed, HttpStatusCode.BadRequest, "/lines/1/quantity", "json.invalid");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task a_supplier_client_posts_for_its_plant_only_and_the_plant_must_exist()
    {
        var key = await Host.RegisterClientAsync("supplier-metallwerk", [Scopes.InvoicesWrite], ["PA01"]);
        var supplier = Host.HttpWith(key.ApiKey);
        var invoice = InvoiceSamples.ToUblBytes(InvoiceSamples.Invoice("SUP-1", new DateOnly(2026, 9, 1), 2, supplierVat: "DE100000002"));
        var before = await Host.SettledSnapshotAsync();
        using (var other = await Invoices.PostAsync(supplier, "PB01", invoice))
            await Problems.AssertAsync(other, HttpStatusCode.Forbidden, "/query/plant", "client.plant-forbidden");
        using (var unknown = await Invoices.PostAsync(Host.Http, "PZ99", invoice))
            await Problems.AssertAsync(unknown, HttpStatusCode.UnprocessableEntity, "/plant", "plant.unknown");
        using (var none = await Host.Http.PostAsync("/api/v1/payables/invoices", new ByteArrayContent(invoice) { Headers = { ContentType = new("application/xml") } }, Ct))
            await Problems.AssertAsync(none, HttpStatusCode.BadRequest, "/plant", "payables.plant-required");
        using (var text = await Invoices.PostAsync(Host.Http, "PA01", invoice, "text/plain"))
            await Problems.AssertAsync(text, HttpStatusCode.UnsupportedMediaType, "", "content-type.unsupported");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));

        using var accepted = await Invoices.PostAsync(supplier, "PA01", invoice);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var list = await Host.GetAsync<JsonElement>("/api/v1/payables/invoices?plant=PA01");
        Assert.Contains(list.EnumerateArray(), i => i.GetProperty("number").GetString() == "SUP-1");
        Assert.Equal(1, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM payables_invoice WHERE number = 'SUP-1' AND client_id = 'supplier-metallwerk'"));
    }

    [Fact]
    public async Task a_thousand_line_invoice_is_received_with_every_line()
    {
        var invoice = InvoiceSamples.Invoice("BIG-1000", new DateOnly(2026, 8, 3), 1_000, supplierVat: "DE100000003");
        // In process: the document is larger than this host's 64 KiB request limit.
        var checkedInvoice = InvoiceDocuments.CheckUbl(InvoiceSamples.ToUblBytes(invoice), new PayablesOptions());
        Assert.Empty(checkedInvoice.Violations);
        var (receipt, problem) = await Host.Service<IPayables>().ReceiveAsync(Host.Store, "PA01", checkedInvoice, null, Ct);
        Assert.Null(problem);
        Assert.Equal(1_000, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM payables_invoice_line WHERE invoice_id = @id", new { id = receipt!.Id }));
        Assert.Equal((invoice.Totals.Payable!.Value, 1_000, "received"), (receipt.Payable, receipt.LineCount, receipt.Status));
    }
}

public sealed class IntakeSqlite(PayablesSqliteHost fixture) : IntakeContract<PayablesSqliteHost>(fixture);

public sealed class IntakePostgres(PayablesPostgresHost fixture) : IntakeContract<PayablesPostgresHost>(fixture);
