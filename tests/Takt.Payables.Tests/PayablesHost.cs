using System.Net.Http.Headers;
using System.Text;
using Takt.Server;
using Takt.Testing;

namespace Takt.Payables.Tests;

/// <summary>A server with the demo data whose invoice documents are limited to 64 KiB, so that "oversized" is cheap to reach.</summary>
public abstract class PayablesHost(string engine) : HostFixture(engine)
{
    public const int MaxDocumentBytes = 64 * 1024;

    protected override void Configure(ServerSettings settings) =>
        settings.Payables = new PayablesOptions { MaxDocumentBytes = MaxDocumentBytes };
}

public sealed class PayablesSqliteHost() : PayablesHost("sqlite");

public sealed class PayablesPostgresHost() : PayablesHost("postgres");

internal static class Invoices
{
    public static Task<HttpResponseMessage> PostAsync(HttpClient http, string plant, byte[] body, string contentType = "application/xml")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return http.PostAsync($"/api/v1/payables/invoices?plant={plant}", content, Xunit.TestContext.Current.CancellationToken);
    }

    public static Task<HttpResponseMessage> PostAsync(HttpClient http, string plant, string body, string contentType = "application/xml") =>
        PostAsync(http, plant, Encoding.UTF8.GetBytes(body), contentType);
}
