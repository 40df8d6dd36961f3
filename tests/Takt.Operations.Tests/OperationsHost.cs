using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Operations.Tests;

/// <summary>
/// A server with the demo data on a business clock the tests move (fallback windows close on it), fixed at
/// Wednesday 2026-06-10 12:00 UTC so that no test depends on the day or hour the suite runs.
/// </summary>
public abstract class OperationsHost(string engine) : HostFixture(engine)
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 6, 10, 12, 0, 0, TimeSpan.Zero));

    protected override void Configure(ServerSettings settings) => settings.Clock = Clock;
}

public sealed class OperationsSqliteHost() : OperationsHost("sqlite");

public sealed class OperationsPostgresHost() : OperationsHost("postgres");

internal static class Http
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<JsonElement> OkAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
