using System.Net;
using Takt.Ledger;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>Each accepted event posts what DESIGN §3 says, to the cent, computed here by hand.</summary>
public abstract class PostingContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task material_issue_posts_wip_against_raw_material_inventory_at_standard_cost()
    {
        // PA01-100002 machines housings from RM-3005 bar stock: standard 2.85 EUR/kg at Plant A.
        // 1,250 g = 1.25 kg → 1.25 × 2.85 = 3.5625 → 3.56 EUR.
        var response = await Host.PostStructuredAsync(Events.MaterialIssued(DemoData.PlantA, "PA01-100002", "RM-3005", 1250m, "GRM"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var balances = await Host.Service<ILedger>().BalancesAsync(Host.Store, "PA01-100002", TestContext.Current.CancellationToken);
        Assert.Equal(3.56m, balances.Single(b => b.Account == "145000").Debit);
        Assert.Equal(3.56m, balances.Single(b => b.Account == "140000").Credit);
        var order = await Host.OrderAsync("PA01-100002");
        Assert.Equal(1.25m, order.Components.Single(c => c.Item == "RM-3005").Issued);
        Assert.Equal(3.56m, order.Wip);
    }
}

public sealed class PostingOnSqlite(SqliteHost fixture) : PostingContract<SqliteHost>(fixture);

public sealed class PostingOnPostgres(PostgresHost fixture) : PostingContract<PostgresHost>(fixture);
