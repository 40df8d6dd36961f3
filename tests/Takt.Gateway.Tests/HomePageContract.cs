using System.Net;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>What a person sees at the server's address: the store, the plants, the orders and the latency KPI.</summary>
public abstract class HomePageContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    [Fact]
    public async Task the_home_page_shows_plants_orders_and_the_latency_of_postings()
    {
        var host = fixture.Host;
        var ct = TestContext.Current.CancellationToken;
        var posted = await host.PostStructuredAsync(Events.MaterialIssued(DemoData.PlantB, "PB01-100002", "RM-3001", 2m, "H87"));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        using var response = await host.Http.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync(ct);
        Assert.Contains("Plant A — Augsburg", html, StringComparison.Ordinal);
        Assert.Contains("PB01-100002", html, StringComparison.Ordinal);
        Assert.Contains("<td>PB01</td><td class=num>1</td>", html, StringComparison.Ordinal); // one posting at Plant B
        Assert.DoesNotContain("No postings yet", html, StringComparison.Ordinal);
    }
}

public sealed class HomePageOnSqlite(SqliteHost fixture) : HomePageContract<SqliteHost>(fixture);

public sealed class HomePageOnPostgres(PostgresHost fixture) : HomePageContract<PostgresHost>(fixture);
