using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Takt.Gateway.Tests;

/// <summary>A body sent without Content-Length (chunked), so the server can only find its size by reading it.</summary>
internal sealed class UnsizedContent : HttpContent
{
    private readonly byte[] body;

    public UnsizedContent(string body, string contentType)
    {
        this.body = Encoding.UTF8.GetBytes(body);
        Headers.ContentType = new MediaTypeHeaderValue(contentType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        await stream.WriteAsync(body);

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
