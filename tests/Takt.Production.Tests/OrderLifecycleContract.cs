using System.Net;
using System.Text.Json;
using Takt.MasterData;
using Takt.Testing;
using Xunit;
using static Takt.Production.Tests.Bookings;

namespace Takt.Production.Tests;

/// <summary>An order through its whole life with every journal line; holds; transitions the state does not allow.</summary>
public abstract class OrderLifecycleContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProductionHost
{
    private TaktHost Host => fixture.Host;

    private async Task<string> ReleasedOrderAsync(string p, string number, decimal quantity = 10m)
    {
        await Structures.ThreeLevelsAsync(Host, p);
        await ImportAsync(Host, new MasterDataDocument(StandardCosts: [new StandardCostRecord("PA01", $"{p}-S1", 35.14m)]));
        await StockAsync(Host, "PA01", $"{p}-R1", 100m, 2.00m, "RAW", "KGM");
        await StockAsync(Host, "PA01", $"{p}-R2", 50m, 5.00m, "RAW", "H87");
        using var created = await Host.PostJsonAsync("/api/v1/production-orders", new { number, plant = "PA01", item = $"{p}-S1", quantity, dueDate = "2026-06-17" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await ActAsync(Host, number, "release");
        return number;
    }

    private void Tick() => fixture.Clock.Advance(TimeSpan.FromSeconds(1));

    [Fact]
    public async Task an_order_through_its_whole_life_posts_every_line_by_hand_and_settlement_leaves_wip_at_zero()
    {
        const string order = "LIFE-1";
        await Structures.ThreeLevelsAsync(Host, "LIFE");
        await ImportAsync(Host, new MasterDataDocument(StandardCosts: [new StandardCostRecord("PA01", "LIFE-S1", 35.14m)]));
        await StockAsync(Host, "PA01", "LIFE-R1", 100m, 2.00m, "RAW", "KGM");
        await StockAsync(Host, "PA01", "LIFE-R2", 50m, 5.00m, "RAW", "H87");

        Tick();
        using var created = await Host.PostJsonAsync("/api/v1/production-orders", new { number = order, plant = "PA01", item = "LIFE-S1", quantity = 10, dueDate = "2026-06-17" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var snapshot = await Host.GetAsync<JsonElement>($"/api/v1/production-orders/{order}");
        Assert.Equal("created", snapshot.GetProperty("status").GetString());
        // The snapshot plans 10 × 2 kg × 1.1 = 22 kg R1, 10 R2 and the alternate R4 at 0.
        Assert.Equal([("LIFE-R1", 22m), ("LIFE-R2", 10m), ("LIFE-R4", 0m)],
            snapshot.GetProperty("components").EnumerateArray().Select(c => (c.GetProperty("item").GetString()!, c.GetProperty("required").GetDecimal())).OrderBy(c => c.Item1, StringComparer.Ordinal));
        Tick();
        await ActAsync(Host, order, "release");
        Tick();
        await ActAsync(Host, order, "issue", new { item = "LIFE-R1", quantity = 22, unit = "KGM" });
        Tick();
        await ActAsync(Host, order, "issue", new { item = "LIFE-R2", quantity = 10 });
        Tick();
        await ActAsync(Host, order, "confirm", new { operation = "0010", good = 9, scrap = 1, rework = 2, machineHours = 2, labourHours = 1.5 });
        Tick();
        await ActAsync(Host, order, "yield", new { quantity = 9 });
        Tick();
        await ActAsync(Host, order, "complete");
        Tick();
        var settled = await ActAsync(Host, order, "settle");
        Assert.Equal("closed", settled.GetProperty("status").GetString());

        var lines = await LinesAsync(Host,
            "SELECT l.account, l.debit_e4, l.credit_e4 FROM ledger_journal_line l JOIN ledger_journal_entry e ON e.id = l.entry_id WHERE l.order_number = @order ORDER BY e.created_at_us, l.line_no",
            new { order });
        Assert.Equal(
        [
            ("145000", 44.00m, 0m), ("140000", 0m, 44.00m),     // issue 22 kg × 2.00
            ("145000", 50.00m, 0m), ("140000", 0m, 50.00m),     // issue 10 × 5.00
            ("145000", 170.00m, 0m), ("510000", 0m, 170.00m),   // 2 machine hours × 85
            ("145000", 78.00m, 0m), ("511000", 0m, 78.00m),     // 1.5 labour hours × 52
            ("520000", 35.14m, 0m), ("145000", 0m, 35.14m),     // 1 scrapped at standard 35.14
            ("141000", 316.26m, 0m), ("145000", 0m, 316.26m),   // yield 9 × 35.14
            // WIP 44 + 50 + 170 + 78 − 35.14 − 316.26 = −9.40: the order's target per unit is 342.00 ÷ 10 = 34.20,
            // the standard 35.14 holds 0.94 overhead that no order absorbs: remaining variance, favourable.
            ("145000", 9.40m, 0m), ("536000", 0m, 9.40m),
        ], lines);
        Assert.Equal(0m, await WipAsync(Host, order));
        var view = await Host.GetAsync<JsonElement>($"/api/v1/production-orders/{order}");
        Assert.Equal(0m, view.GetProperty("wip").GetDecimal());
        Assert.Equal(2m, await Tables.CountAsync(Host.Store, "SELECT rework_e6 / 1000000 FROM production_order_operation WHERE order_number = @order", new { order }));
        var report = await Host.GetAsync<JsonElement>($"/api/v1/production/variances?plant=PA01&order={order}");
        var row = Assert.Single(report.GetProperty("rows").EnumerateArray());
        Assert.Equal(("remaining", -9.40m, 202606), (row.GetProperty("category").GetString(), row.GetProperty("amount").GetDecimal(), row.GetProperty("period").GetInt32()));

        await Host.DrainOutboxAsync();
        var types = await Tables.QueryAsync<string>(Host.Store,
            "SELECT e.type FROM intel_event_object o JOIN intel_event e ON e.seq = o.event_seq WHERE o.object_type = 'production-order' AND o.object_id = @order ORDER BY e.seq", new { order });
        Assert.Equal(
        [
            "takt.production.order-created.v1", "takt.production.order-released.v1", "takt.production.material-issued.v1", "takt.production.material-issued.v1",
            "takt.production.operation-confirmed.v1", "takt.production.yield-reported.v1", "takt.production.order-technically-completed.v1", "takt.production.order-settled.v1",
        ], types);
    }

    [Fact]
    public async Task the_gateway_honours_the_hold_too()
    {
        var order = await ReleasedOrderAsync("GATE", "GATE-1");
        await ActAsync(Host, order, "hold", new { reason = "audit" });
        using var response = await Host.PostStructuredAsync(Events.MaterialIssued("PA01", order, "GATE-R1", 1m, "KGM", ProductionHost.Now));
        var problem = await ProblemAsync(response);
        Assert.Equal("order.on-hold", problem.Rule);
    }

    [Fact]
    public async Task steps_the_state_does_not_allow_are_refused_with_the_state_and_the_rule()
    {
        var order = await ReleasedOrderAsync("ILL", "ILL-1");
        using (var created = await Host.PostJsonAsync("/api/v1/production-orders", new { number = "ILL-2", plant = "PA01", item = "ILL-S1", quantity = 1, dueDate = "2026-06-17" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var before = await Host.SettledSnapshotAsync();
        foreach (var (number, action, state) in new[]
        {
            (order, "release", "released"), (order, "settle", "released"), ("ILL-2", "issue", "created"), ("ILL-2", "complete", "created"), ("ILL-2", "settle", "created"),
        })
        {
            using var response = await Host.PostJsonAsync($"/api/v1/production-orders/{number}/{action}", new { item = "ILL-R1", quantity = 1 });
            var problem = await ProblemAsync(response);
            Assert.Equal((HttpStatusCode.UnprocessableEntity, "/status", "order.transition-not-allowed"), (problem.Status, problem.Field, problem.Rule));
            Assert.StartsWith($"Order {number} is {state};", problem.Detail, StringComparison.Ordinal);
        }

        using (var unknown = await Host.PostJsonAsync("/api/v1/production-orders/NO-SUCH/release", new { }))
            Assert.Equal((HttpStatusCode.NotFound, "order.unknown"), ((await ProblemAsync(unknown)).Status, (await ProblemAsync(unknown)).Rule));
        using (var taken = await Host.PostJsonAsync("/api/v1/production-orders", new { number = order, plant = "PA01", item = "ILL-S1", quantity = 1, dueDate = "2026-06-17" }))
            Assert.Equal("order.number-taken", (await ProblemAsync(taken)).Rule);
        await Host.DrainOutboxAsync();
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));

        await ActAsync(Host, order, "complete");
        await ActAsync(Host, order, "settle");
        using var late = await Host.PostJsonAsync($"/api/v1/production-orders/{order}/hold", new { reason = "too late" });
        Assert.StartsWith($"Order {order} is settled;", (await ProblemAsync(late)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task release_refuses_with_the_reason_when_material_or_capacity_is_short()
    {
        await Structures.ThreeLevelsAsync(Host, "SHORT");
        await StockAsync(Host, "PA01", "SHORT-R1", 10m, 2.00m, "RAW", "KGM");
        await StockAsync(Host, "PA01", "SHORT-R2", 50m, 5.00m, "RAW", "H87");
        using (var created = await Host.PostJsonAsync("/api/v1/production-orders", new { number = "SHORT-1", plant = "PA01", item = "SHORT-S1", quantity = 10, dueDate = "2026-06-17" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var material = await Host.PostJsonAsync("/api/v1/production-orders/SHORT-1/release", new { });
        var problem = await ProblemAsync(material);
        Assert.Equal(("/components/0", "order.material-short"), (problem.Field, problem.Rule));
        Assert.Contains("needs 22", problem.Detail, StringComparison.Ordinal);

        // 2,000 units need 1 + 0.1 × 2,000 = 201 machine hours on CNC1; it has 16 h on each of 6 working days to the 17th.
        await StockAsync(Host, "PA01", "SHORT-R1", 5000m, 2.00m, "RAW", "KGM");
        await StockAsync(Host, "PA01", "SHORT-R2", 2000m, 5.00m, "RAW", "H87");
        using (var big = await Host.PostJsonAsync("/api/v1/production-orders", new { number = "SHORT-2", plant = "PA01", item = "SHORT-S1", quantity = 2000, dueDate = "2026-06-17" }))
            Assert.Equal(HttpStatusCode.Created, big.StatusCode);
        using var capacity = await Host.PostJsonAsync("/api/v1/production-orders/SHORT-2/release", new { });
        problem = await ProblemAsync(capacity);
        Assert.Equal(("/operations/0", "order.capacity-exceeded"), (problem.Field, problem.Rule));
        Assert.Contains("needs 201", problem.Detail, StringComparison.Ordinal);
    }
}

public sealed class OrderLifecycleOnSqlite(ProductionSqliteHost fixture) : OrderLifecycleContract<ProductionSqliteHost>(fixture);

public sealed class OrderLifecycleOnPostgres(ProductionPostgresHost fixture) : OrderLifecycleContract<ProductionPostgresHost>(fixture);
