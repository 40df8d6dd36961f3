using System.Net;
using System.Text;
using Takt.Testing;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// Hostile XML to the B2MML endpoints: a DTD of any kind (external entities, entity expansion), too big, too deep,
/// not XML. Each is refused with a precise problem before anything is resolved, expanded or written.
/// </summary>
public abstract class HostileXmlContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : AdapterHost
{
    private const string V0401 = "/api/v1/adapters/b2mml/v0401/production-performance?plant=PA01";
    private const string V0701 = "/api/v1/adapters/b2mml/v0701/operations-performance?plant=PA01";

    // A real performance message (consuming 1 EA of RM-3001 for PA01-100002) with something hostile in front.
    private const string Body = """
        <ProductionPerformance xmlns="http://www.wbf.org/xml/B2MML-V0401">
          <ProductionResponse><ID>PA01-100002</ID><SegmentResponse><ID>0010</ID><ActualEndTime>2025-06-12T10:00:00Z</ActualEndTime>
            <MaterialActual><MaterialDefinitionID>{0}</MaterialDefinitionID><MaterialUse>Consumed</MaterialUse>
              <Quantity><QuantityString>1</QuantityString><DataType>decimal</DataType><UnitOfMeasure>EA</UnitOfMeasure></Quantity></MaterialActual>
          </SegmentResponse></ProductionResponse>
        </ProductionPerformance>
        """;

    public static TheoryData<string, string> Dtds => new()
    {
        {
            "external entity (XXE) reading a local file",
            """<?xml version="1.0"?><!DOCTYPE ProductionPerformance [<!ENTITY secret SYSTEM "file:///etc/passwd">]>""" + Body.Replace("{0}", "&secret;", StringComparison.Ordinal)
        },
        {
            "external entity fetched over the network",
            """<?xml version="1.0"?><!DOCTYPE ProductionPerformance [<!ENTITY remote SYSTEM "http://127.0.0.1:9/x">]>""" + Body.Replace("{0}", "&remote;", StringComparison.Ordinal)
        },
        {
            "billion laughs",
            """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
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
        {
            "external DTD",
            """<?xml version="1.0"?><!DOCTYPE ProductionPerformance SYSTEM "http://127.0.0.1:9/b2mml.dtd">""" + Body.Replace("{0}", "RM-3001", StringComparison.Ordinal)
        },
    };

    [Theory]
    [MemberData(nameof(Dtds))]
    public async Task a_document_with_a_dtd_is_refused_before_anything_is_resolved_or_expanded(string attack, string xml)
    {
        var before = await fixture.Host.SettledSnapshotAsync();

        foreach (var endpoint in new[] { V0401, V0701 })
        {
            using var response = await Documents.PostAsync(fixture.Host, endpoint, xml, "application/xml");
            var problem = (await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "", "xml.dtd-prohibited")).ToString();
            Assert.False(problem.Contains("root:", StringComparison.Ordinal) || problem.Contains("lollol", StringComparison.Ordinal), $"{attack}: the answer leaks what the DTD would resolve: {problem}");
        }

        before.AssertUnchanged(await Tables.SnapshotAsync(fixture.Host.Store));
    }

    [Fact]
    public async Task a_document_over_the_size_limit_is_refused_with_413()
    {
        // A valid document padded with a comment to one byte over AdapterOptions.MaxDocumentBytes.
        var before = await fixture.Host.SettledSnapshotAsync();
        var xml = Body.Replace("{0}", "RM-3001", StringComparison.Ordinal);
        var padded = xml + "<!--" + new string('x', AdapterHost.MaxDocumentBytes - Encoding.UTF8.GetByteCount(xml) - 7 + 1) + "-->";
        Assert.Equal(AdapterHost.MaxDocumentBytes + 1, Encoding.UTF8.GetByteCount(padded));

        using var response = await Documents.PostAsync(fixture.Host, V0401, padded, "application/xml");

        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "", "payload.too-large");
        before.AssertUnchanged(await Tables.SnapshotAsync(fixture.Host.Store));
    }

    [Fact]
    public async Task an_oversized_document_without_content_length_is_refused_while_it_is_read()
    {
        var before = await fixture.Host.SettledSnapshotAsync();
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("<a>" + new string('x', AdapterHost.MaxDocumentBytes * 4) + "</a>")));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        using var request = new HttpRequestMessage(HttpMethod.Post, V0401) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await fixture.Host.Http.SendAsync(request, TestContext.Current.CancellationToken);

        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, "", "payload.too-large");
        before.AssertUnchanged(await Tables.SnapshotAsync(fixture.Host.Store));
    }

    [Fact]
    public async Task a_document_nested_deeper_than_the_limit_is_refused()
    {
        var xml = string.Concat(Enumerable.Repeat("<a>", 2_000)) + string.Concat(Enumerable.Repeat("</a>", 2_000));
        using var response = await Documents.PostAsync(fixture.Host, V0401, xml, "application/xml");
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "", "xml.too-deep");
    }

    [Theory]
    [InlineData("<ProductionPerformance xmlns=\"http://www.wbf.org/xml/B2MML-V0401\"><ProductionResponse></ProductionPerformance>")]
    [InlineData("not xml at all")]
    [InlineData("")]
    [InlineData("<a>&undeclared;</a>")]
    public async Task malformed_xml_is_refused(string xml)
    {
        using var response = await Documents.PostAsync(fixture.Host, V0401, xml, "application/xml");
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "", "xml.malformed");
    }

    [Fact]
    public async Task a_document_in_another_content_type_is_refused_with_415()
    {
        using var response = await Documents.PostAsync(fixture.Host, V0401, Body.Replace("{0}", "RM-3001", StringComparison.Ordinal), "application/json");
        await Problems.AssertAsync(response, HttpStatusCode.UnsupportedMediaType, "", "content-type.unsupported");
    }
}

public sealed class HostileXmlOnSqlite(AdapterSqliteHost fixture) : HostileXmlContract<AdapterSqliteHost>(fixture);

public sealed class HostileXmlOnPostgres(AdapterPostgresHost fixture) : HostileXmlContract<AdapterPostgresHost>(fixture);
