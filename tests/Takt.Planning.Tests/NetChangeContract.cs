using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Takt.Contracts;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Planning.Tests;

/// <summary>
/// A demo server of its own for the net-change test (its changes would disturb the outage scenario's), on a business
/// clock fixed at Wednesday 2026-06-10 10:00 UTC, so the runs compared see the same instant and day.
/// </summary>
public abstract class NetChangeHost(string engine) : HostFixture(engine)
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 6, 10, 10, 0, 0, TimeSpan.Zero));

    protected override void Configure(Takt.Server.ServerSettings settings) => settings.Clock = Clock;
}

public sealed class NetChangeSqliteHost() : NetChangeHost("sqlite");

public sealed class NetChangePostgresHost() : NetChangeHost("postgres");

/// <summary>
/// Net change for every kind of change, over HTTP on the demo data: after a customer order, a stock receipt, a direct
/// purchase order and a BOM change (each made where it is made, not by planning), <c>POST /planning/runs</c> with
/// <c>mode: net-change</c> re-plans only some items and gives exactly the planned orders a regenerative run then gives.
/// </summary>
public abstract class NetChangeContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TaktHost Host => fixture.Host;

    private async Task<JsonElement> PostAsync(string path, object body)
    {
        using var response = await Host.PostJsonAsync(path, body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {json}");
        return json;
    }

    private async Task<List<string>> PlanAsync() =>
        [.. (await Host.GetAsync<List<PlannedOrderView>>("/api/v1/planning/planned-orders")).Select(o => $"{o.Plant}/{o.Item}/{o.Seq}: {o.Quantity} {o.Make} {o.ReleaseDate:yyyy-MM-dd} {o.DueDate:yyyy-MM-dd} <- "
            + string.Join(", ", o.Pegs.Select(p => $"{p.Kind} {p.Reference} {p.Quantity} {p.NeedDate:yyyy-MM-dd}")))];

    private async Task ExecuteAsync(string sql, params object?[] args)
    {
        await using var session = await Host.Store.OpenSessionAsync(Host.Settings.Clock, Ct);
        await using var tx = await session.BeginAsync(Ct);
        Assert.Equal(1, await tx.ExecuteAsync(sql, Ct, args));
        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task net_change_after_demand_stock_purchase_order_and_bom_changes_equals_regenerative()
    {
        var today = DateOnly.FromDateTime(Host.Settings.Clock.GetUtcNow().UtcDateTime);
        var first = await PostAsync("/api/v1/planning/runs", new { });
        Assert.Equal("regenerative", first.GetProperty("kind").GetString());
        var items = first.GetProperty("itemsPlanned").GetInt32();

        // Nothing changed: net change nets nothing and the plan stays.
        var before = await PlanAsync();
        var idle = await PostAsync("/api/v1/planning/runs", new { mode = "net-change" });
        Assert.Equal(("net-change", 0), (idle.GetProperty("kind").GetString(), idle.GetProperty("itemsPlanned").GetInt32()));
        Assert.Equal(before, await PlanAsync());

        var bought = await Tables.QueryAsync<string>(Host.Store, "SELECT component FROM masterdata_bom_line WHERE plant = 'PA01' AND item = 'FG-5002' AND component LIKE 'RM-%' ORDER BY component", null);
        Assert.True(bought.Count >= 3);
        var changes = new (string Kind, Func<Task> Change)[]
        {
            // A customer order (demand is written by sales/import; there is no planning write for it).
            ("customer order", () => ExecuteAsync(
                "INSERT INTO planning_demand (id, plant, item, kind, reference, quantity_e6, due_date, priority) VALUES ($1, 'PA01', 'FG-5002', 'customer-order', 'CO-99001', $2, $3, 2)",
                "D-NC-1", Fixed.ToE6(2000m), (long)today.AddDays(20).ToDateKey())),
            ("forecast", () => ExecuteAsync("UPDATE planning_demand SET quantity_e6 = $1 WHERE id = 'D-FC-3-4'", Fixed.ToE6(700m))),
            ("stock receipt", async () => await PostAsync("/api/v1/stock/movements", new
            {
                plant = "PA01", lines = new[] { new { kind = "receipt", item = bought[0], quantity = new { value = 450m, unit = "H87" }, location = "C-01" } },
            })),
            ("purchase order", async () => await PostAsync("/api/v1/procurement/purchase-orders/direct", new
            {
                plant = "PA01", supplier = "SUP-100", category = "direct", costObject = "CC-4100", incoterms = "FCA Augsburg", buyer = "anna.buyer",
                lines = new[] { new { item = bought[1], quantity = 300m, unit = "H87", price = 4.20m, deliveryDate = today.AddDays(9) } },
            })),
            ("BOM line", () => ExecuteAsync("UPDATE masterdata_bom_line SET quantity_e6 = quantity_e6 * 3 WHERE plant = 'PA01' AND item = 'FG-5002' AND component = $1", bought[2])),
        };

        foreach (var (kind, change) in changes)
        {
            var planBefore = await PlanAsync();
            await change();
            var net = await PostAsync("/api/v1/planning/runs", new { mode = "net-change" });
            Assert.Equal("net-change", net.GetProperty("kind").GetString());
            var netted = net.GetProperty("itemsPlanned").GetInt32();
            Assert.True(netted > 0 && netted < items, $"{kind}: net change netted {netted} of {items} items");
            var netPlan = await PlanAsync();
            Assert.False(planBefore.SequenceEqual(netPlan), $"{kind}: the change should change the plan");

            if (kind == "customer order")
            {
                // Every BOM level is exploded, each planned order pegged to what it serves one level up: the pump's to the
                // customer order, its housing's to the pump's planned orders, the housing's bar stock to the housing's.
                var orders = await Host.GetAsync<List<PlannedOrderView>>("/api/v1/planning/planned-orders?plant=PA01");
                var pump = orders.Where(o => o.Item == "FG-5002").ToList();
                Assert.Contains(pump, o => o.Pegs.Any(p => p.Kind == "customer-order" && p.Reference == "CO-99001"));
                var housing = await Tables.QueryAsync<string>(Host.Store, "SELECT component FROM masterdata_bom_line WHERE plant = 'PA01' AND item = 'FG-5002' AND component LIKE 'SF-%' ORDER BY component", null);
                var semi = orders.Where(o => o.Item == housing[0]).ToList();
                Assert.Contains(semi, o => o.Pegs.Any(p => p.Kind == "planned-order" && pump.Any(f => p.Reference == $"FG-5002#{f.Seq}")));
                var raw = await Tables.QueryAsync<string>(Host.Store, "SELECT component FROM masterdata_bom_line WHERE plant = 'PA01' AND item = @item ORDER BY component", new { item = housing[0] });
                Assert.Contains(orders, o => raw.Contains(o.Item) && o.Pegs.Any(p => p.Kind == "planned-order" && semi.Any(h => p.Reference == $"{housing[0]}#{h.Seq}")));
                Assert.All(orders, o => Assert.True(o.Pegs.Sum(p => p.Quantity) <= o.Quantity, $"{o.Item}#{o.Seq} pegs more than it holds"));
            }

            var regenerative = await PostAsync("/api/v1/planning/runs", new { });
            Assert.Equal("regenerative", regenerative.GetProperty("kind").GetString());
            Assert.Equal(await PlanAsync(), netPlan);
        }
    }

    [Fact]
    public async Task an_unknown_mode_is_refused_and_changes_nothing()
    {
        var runs = await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM planning_run");
        using var refused = await Host.PostJsonAsync("/api/v1/planning/runs", new { mode = "sometimes" });
        Assert.Equal(422, (int)refused.StatusCode);
        var problem = await refused.Content.ReadAsStringAsync(Ct);
        Assert.Contains("/mode", problem, StringComparison.Ordinal);
        Assert.Contains("planning.mode-unknown", problem, StringComparison.Ordinal);
        Assert.Equal(runs, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM planning_run"));
    }
}

public sealed class NetChangeOnSqlite(NetChangeSqliteHost fixture) : NetChangeContract<NetChangeSqliteHost>(fixture);

public sealed class NetChangeOnPostgres(NetChangePostgresHost fixture) : NetChangeContract<NetChangePostgresHost>(fixture);
