using System.Net;
using System.Text;
using Takt.Testing;
using Xunit;

namespace Takt.Payables.Tests;

/// <summary>
/// Hostile XML to the invoice upload: a DTD of any kind (external entities, entity expansion), too big, too deep, not
/// UBL. Each is refused with a precise problem before anything is resolved, expanded or written.
/// </summary>
public abstract class HostileXmlContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PayablesHost
{
    private TaktHost Host => fixture.Host;

    // A real invoice (base-example) with something hostile in front and the invoice number replaced by {0}.
    private static string Body => Encoding.UTF8.GetString(Fixtures.Bytes("peppol-bis3/base-example.xml"))
        .Replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "", StringComparison.Ordinal)
        .Replace("<cbc:ID>Snippet1</cbc:ID>", "<cbc:ID>{0}</cbc:ID>", StringComparison.Ordinal);

    public static TheoryData<string, string> Dtds => new()
    {
        { "external entity (XXE) reading a local file", """<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>""" + Body.Replace("{0}", "&secret;", StringComparison.Ordinal) },
        { "external entity fetched over the network", """<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY remote SYSTEM "http://127.0.0.1:9/x">]>""" + Body.Replace("{0}", "&remote;", StringComparison.Ordinal) },
        {
            "billion laughs",
            """
            <?xml version="1.0"?>
            <!DOCTYPE Invoice [
              <!ENTITY lol "lol">
              <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
              <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
              <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
              <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
              <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
              <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
              <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
            ]>
            """ + Body.Replace("{0}", "&lol9;", StringComparison.Ordinal)
        },
        { "external DTD", """<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/ubl.dtd">""" + Body.Replace("{0}", "X-1", StringComparison.Ordinal) },
    };

    [Theory]
    [MemberData(nameof(Dtds))]
    public async Task an_invoice_with_a_dtd_is_refused_before_anything_is_resolved_or_expanded(string attack, string xml)
    {
        var before = await Host.SettledSnapshotAsync();

        using var response = await Invoices.PostAsync(Host.Http, "PA01", xml);

        var problem = (await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "", "xml.dtd-prohibited")).ToString();
        Assert.False(problem.Contains("root:", StringComparison.Ordinal) || problem.Contains("lollol", StringComparison.Ordinal), $"{attack}: the answer leaks what the DTD would resolve: {problem}");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task an_invoice_over_the_size_limit_is_refused_with_413_with_or_without_a_content_length()
    {
        var before = await Host.SettledSnapshotAsync();
        var xml = Body.Replace("{0}", "BIG-1", StringComparison.Ordinal);
        var padded = xml + "<!--" + new string('x', PayablesHost.MaxDocumentBytes - Encoding.UTF8.GetByteCount(xml) - 7 + 1) + "-->";
        Assert.Equal(PayablesHost.MaxDocumentBytes + 1, Encoding.UTF8.GetByteCount(padded));
        using (var response = await Invoices.PostAsync(Host.Http, "PA01", padded))
            await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "", "payload.too-large");

        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("<Invoice>" + new string('x', PayablesHost.MaxDocumentBytes * 4) + "</Invoice>")));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payables/invoices?plant=PA01") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using (var chunked = await Host.Http.SendAsync(request, TestContext.Current.CancellationToken))
            await Problems.AssertAsync(chunked, HttpStatusCode.RequestEntityTooLarge, "", "payload.too-large");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task an_invoice_nested_deeper_than_the_limit_is_refused()
    {
        var before = await Host.SettledSnapshotAsync();
        var deep = string.Concat(Enumerable.Repeat("<cac:Note>", 500)) + string.Concat(Enumerable.Repeat("</cac:Note>", 500));
        var xml = Body.Replace("{0}", "DEEP-1", StringComparison.Ordinal).Replace("<cbc:BuyerReference>", deep + "<cbc:BuyerReference>", StringComparison.Ordinal);
        using var response = await Invoices.PostAsync(Host.Http, "PA01", xml);
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "", "xml.too-deep");
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Theory]
    [InlineData("<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><cbc:ID xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">1</Invoice>", "", "xml.malformed")]
    [InlineData("not xml at all", "", "xml.malformed")]
    [InlineData("", "", "xml.malformed")]
    [InlineData("<a>&undeclared;</a>", "", "xml.malformed")]
    [InlineData("<Invoice><ID>1</ID></Invoice>", "/Invoice", "ubl.document-unsupported")]
    [InlineData("<ProductionPerformance xmlns=\"http://www.wbf.org/xml/B2MML-V0401\"/>", "/ProductionPerformance", "ubl.document-unsupported")]
    public async Task a_body_that_is_not_a_ubl_invoice_is_refused(string xml, string field, string rule)
    {
        var before = await Host.SettledSnapshotAsync();
        using var response = await Invoices.PostAsync(Host.Http, "PA01", xml);
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, field, rule);
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }
}

public sealed class HostileXmlSqlite(PayablesSqliteHost fixture) : HostileXmlContract<PayablesSqliteHost>(fixture);

public sealed class HostileXmlPostgres(PayablesPostgresHost fixture) : HostileXmlContract<PayablesPostgresHost>(fixture);
