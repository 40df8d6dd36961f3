using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Takt.Server;

/// <summary>An API version being retired: from when it is deprecated, when it stops answering, and where to read why.</summary>
public sealed record RetiringVersion(string Version, DateTimeOffset DeprecatedAt, DateTimeOffset Sunset, Uri? Info = null);

/// <summary>
/// Marks every answer of a retiring API version (<c>/api/{version}/…</c>) with <c>Deprecation</c> (RFC 9745,
/// <c>@unix-seconds</c>), <c>Sunset</c> (RFC 8594, an HTTP date) and, when given, a <c>Link</c> to the
/// deprecation notice, so clients see the plan in every response long before the version goes away.
/// </summary>
internal sealed class ApiDeprecation(RequestDelegate next, IReadOnlyList<RetiringVersion> retiring)
{
    public Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        foreach (var version in retiring)
        {
            if (!path.StartsWith($"/api/{version.Version}/", StringComparison.Ordinal) && path != $"/api/{version.Version}")
                continue;
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers["Deprecation"] = "@" + version.DeprecatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                headers["Sunset"] = version.Sunset.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
                if (version.Info is not null)
                    headers.Append("Link", $"<{version.Info}>; rel=\"deprecation\"; type=\"text/html\"");
                return Task.CompletedTask;
            });
            break;
        }

        return next(http);
    }
}
