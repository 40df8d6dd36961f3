using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Takt.Contracts;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Orchestration;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;
using static Takt.Production.Tests.Bookings;

namespace Takt.Production.Tests;

/// <summary>
/// A production server whose flow worker does not run: tests run due flow work themselves, so every approval,
/// inspection and release happens at a known point. The master-data change approval standard is published here.
/// </summary>
public abstract class ProductionFlowHost(string engine) : HostFixture(engine)
{
    public FakeTimeProvider Clock { get; } = new(ProductionHost.Now);

    protected override void Configure(ServerSettings settings)
    {
        settings.Clock = Clock;
        settings.Orchestration.RunWorker = false;
    }

    public IOrchestration Flows => Host.Service<IOrchestration>();

    public async Task RunFlowsAsync()
    {
        await using var session = await Host.Store.OpenSessionAsync(Clock, Ct);
        while (await Flows.RunDueAsync(session, 500, Ct) > 0)
        {
        }

        await Host.DrainOutboxAsync();
    }

    public async Task<TaskView> OpenTaskAsync(string instance)
    {
        var ids = await Tables.QueryAsync<string>(Host.Store, "SELECT id FROM orch_task WHERE instance_id = @instance AND status = 'open' ORDER BY level, role", new { instance });
        return (await Flows.TaskAsync(Host.Store, Assert.Single(ids), Ct))!;
    }

    /// <summary>Master data loaded as the demo loads it (not through the governed API).</summary>
    public async Task DirectImportAsync(MasterDataDocument document)
    {
        await using var session = await Host.Store.OpenSessionAsync(Clock, Ct);
        await using var tx = await session.BeginAsync(Ct);
        var imported = await Host.Service<IMasterData>().ImportAsync(tx, document, new ChangeReason("setup", "test data"), Ct);
        Assert.False(imported.IsRejected, string.Join("; ", imported.Violations.Select(v => $"{v.Field} {v.Rule} {v.Detail}")));
        await tx.CommitAsync(Ct);
    }

    public async Task PublishChangeApprovalAsync()
    {
        if ((await Flows.StandardsAsync(Host.Store, "masterdata-change-approval", Ct)).Any(v => v.Status == "published"))
            return;
        (await Flows.PublishStandardAsync(Host.Store, "masterdata-change-approval", 1, Ct)).Ok();
        (await Flows.AssignRoleAsync(Host.Store, new RoleAssignment("sara.steward", "masterdata-steward", "PA01"), Ct)).Ok();
        (await Flows.AssignRoleAsync(Host.Store, new RoleAssignment(TaktHost.SuiteClientId, "masterdata-steward", "PA01"), Ct)).Ok();
    }
}

public sealed class ProductionFlowSqliteHost() : ProductionFlowHost("sqlite");

public sealed class ProductionFlowPostgresHost() : ProductionFlowHost("postgres");

/// <summary>Governed master-data changes through their approval flow; quality holds on orders and lots through the quality hold flow.</summary>
public abstract class GovernanceContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProductionFlowHost
{
    private TaktHost Host => fixture.Host;

    private static MasterDataDocument Base(string p) => new(
        Items:
        [
            new ItemRecord($"{p}-R1", "Steel", "raw", "KGM", "RAW"),
            new ItemRecord($"{p}-F1", "Bracket", "finished", "H87", "FIN"),
        ],
        Boms: [new BomRecord("PA01", $"{p}-F1", 1, new(2026, 1, 1), new(2026, 7, 1), 1m, "released", [new BomLineRecord($"{p}-R1", 2m, "KGM")])],
        StandardCosts: [new StandardCostRecord("PA01", $"{p}-R1", 2.00m), new StandardCostRecord("PB01", $"{p}-R1", 2.20m), new StandardCostRecord("PA01", $"{p}-F1", 5.00m)]);

    private async Task<decimal> CostAsync(string item, string plant = "PA01")
    {
        var view = await Host.GetAsync<JsonElement>($"/api/v1/masterdata/items/{item}");
        return view.GetProperty("standardCosts").EnumerateArray().Single(c => c.GetProperty("plant").GetString() == plant).GetProperty("cost").GetDecimal();
    }

    [Fact]
    public async Task a_standard_cost_change_waits_for_another_stewards_approval_and_is_logged_with_who_when_and_why()
    {
        await fixture.DirectImportAsync(Base("GOVC"));
        await fixture.PublishChangeApprovalAsync();

        // A description is not governed: it applies at once.
        using (var plain = await Host.PostJsonAsync("/api/v1/masterdata/import", new MasterDataDocument(Items: [new ItemRecord("GOVC-R1", "Steel, cold rolled", "raw", "KGM", "RAW")])))
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("Steel, cold rolled", (await Host.GetAsync<JsonElement>("/api/v1/masterdata/items/GOVC-R1")).GetProperty("description").GetString());

        using var proposed = await Host.PostJsonAsync("/api/v1/masterdata/import?reason=supplier%20price%20increase", new MasterDataDocument(StandardCosts: [new StandardCostRecord("PA01", "GOVC-R1", 2.50m)]));
        Assert.Equal(HttpStatusCode.Accepted, proposed.StatusCode);
        var request = await TaktHost.JsonAsync(proposed);
        var id = request.GetProperty("id").GetString()!;
        var instance = request.GetProperty("approvalInstance").GetString()!;
        Assert.Equal(("pending", "PA01", TaktHost.SuiteClientId), (request.GetProperty("status").GetString(), request.GetProperty("plant").GetString(), request.GetProperty("proposedBy").GetString()));
        Assert.Contains("standard cost of GOVC-R1 at PA01", Assert.Single(request.GetProperty("changes").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.Equal(2.00m, await CostAsync("GOVC-R1"));

        await fixture.RunFlowsAsync();
        var task = await fixture.OpenTaskAsync(instance);
        Assert.Equal(("masterdata-steward", "PA01"), (task.Role, task.Plant));
        var own = await fixture.Flows.ActAsync(Host.Store, task.Id, new TaskAction(TaskVerb.Approve, TaktHost.SuiteClientId), Ct);
        Assert.Equal("sod.requester-approves", Assert.Single(own.Violations).Rule);
        Assert.Equal(2.00m, await CostAsync("GOVC-R1"));

        fixture.Clock.Advance(TimeSpan.FromMinutes(30));
        (await fixture.Flows.ActAsync(Host.Store, task.Id, new TaskAction(TaskVerb.Approve, "sara.steward", "Matches the new contract."), Ct)).Ok();
        await fixture.RunFlowsAsync();
        Assert.Equal(2.50m, await CostAsync("GOVC-R1"));
        var done = Assert.Single((await Host.GetAsync<JsonElement>($"/api/v1/masterdata/change-requests?id={id}")).EnumerateArray());
        Assert.Equal("applied", done.GetProperty("status").GetString());
        Assert.Equal(ProductionHost.Now.AddMinutes(30), done.GetProperty("decidedAt").GetDateTimeOffset());
        var log = (await Host.GetAsync<JsonElement>("/api/v1/masterdata/changes?entity=standard-cost&key=PA01/GOVC-R1")).EnumerateArray().Last();
        Assert.Equal(("2", "2.50", TaktHost.SuiteClientId), (log.GetProperty("oldValue").GetString(), log.GetProperty("newValue").GetString(), log.GetProperty("changedBy").GetString()));
        Assert.Equal($"supplier price increase (approved in flow {instance})", log.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task a_rejected_bom_release_changes_nothing_and_a_change_across_plants_is_refused()
    {
        await fixture.DirectImportAsync(Base("GOVB"));
        await fixture.PublishChangeApprovalAsync();
        var v2 = new BomRecord("PA01", "GOVB-F1", 2, new(2026, 7, 1), null, 1m, "released", [new BomLineRecord("GOVB-R1", 1.8m, "KGM")]);

        // Bad: one document changing governed fields of two plants: nothing happens, not even a request.
        var before = await Host.SettledSnapshotAsync();
        using (var both = await Host.PostJsonAsync("/api/v1/masterdata/import", new MasterDataDocument(
            StandardCosts: [new StandardCostRecord("PA01", "GOVB-R1", 2.10m), new StandardCostRecord("PB01", "GOVB-R1", 2.30m)])))
        {
            var problem = await ProblemAsync(both);
            Assert.Equal((HttpStatusCode.UnprocessableEntity, "/standardCosts/1/plant", "masterdata.governed-change-one-plant"), (problem.Status, problem.Field, problem.Rule));
        }

        Assert.Empty((await Host.GetAsync<JsonElement>("/api/v1/masterdata/change-requests?plant=PB01")).EnumerateArray());
        await Host.DrainOutboxAsync();
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));

        using var proposed = await Host.PostJsonAsync("/api/v1/masterdata/import?reason=lighter%20blank", new MasterDataDocument(Boms: [v2]));
        Assert.Equal(HttpStatusCode.Accepted, proposed.StatusCode);
        var request = await TaktHost.JsonAsync(proposed);
        Assert.Equal(["BOM GOVB-F1 v2 at PA01 released"], request.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));
        await fixture.RunFlowsAsync();
        var task = await fixture.OpenTaskAsync(request.GetProperty("approvalInstance").GetString()!);
        (await fixture.Flows.ActAsync(Host.Store, task.Id, new TaskAction(TaskVerb.Reject, "sara.steward", "Not validated yet."), Ct)).Ok();
        await fixture.RunFlowsAsync();

        var versions = await Host.GetAsync<JsonElement>("/api/v1/masterdata/boms/PA01/GOVB-F1");
        var only = Assert.Single(versions.EnumerateArray());
        Assert.Equal(1, only.GetProperty("version").GetInt32());
        var list = await Host.GetAsync<JsonElement>("/api/v1/masterdata/change-requests?status=rejected&plant=PA01");
        var rejected = Assert.Single(list.EnumerateArray(), r => r.GetProperty("id").GetString() == request.GetProperty("id").GetString());
        Assert.StartsWith("Rejected in approval flow", rejected.GetProperty("outcome").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_rollup_beyond_the_stored_precision_is_a_problem_naming_the_item_not_a_server_error()
    {
        await fixture.DirectImportAsync(new MasterDataDocument(
            Items: [new ItemRecord("OVF-R1", "Gold", "raw", "KGM", "RAW"), new ItemRecord("OVF-F1", "Ingot stack", "finished", "H87", "FIN")],
            Boms: [new BomRecord("PB01", "OVF-F1", 1, new(2026, 1, 1), null, 1m, "released", [new BomLineRecord("OVF-R1", 999_999_999m, "KGM")])],
            StandardCosts: [new StandardCostRecord("PB01", "OVF-R1", 1_000_000m)]));
        var before = await Host.SettledSnapshotAsync();
        using var response = await Host.PostJsonAsync("/api/v1/costing/versions", new { plant = "PB01", validFrom = "2026-06-10" });
        var problem = await ProblemAsync(response);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "/items/OVF-F1", "cost.out-of-range"), (problem.Status, problem.Field, problem.Rule));
        Assert.Contains("900,000,000,000,000", problem.Detail, StringComparison.Ordinal);
        await Host.DrainOutboxAsync();
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    private async Task<string> ReleasedOrderAsync(string p, string number)
    {
        await fixture.DirectImportAsync(Structures.ThreeLevels(p));
        await StockAsync(Host, "PA01", $"{p}-R1", 100m, 2.00m, "RAW", "KGM");
        await StockAsync(Host, "PA01", $"{p}-R2", 50m, 5.00m, "RAW", "H87");
        using var created = await Host.PostJsonAsync("/api/v1/production-orders", new { number, plant = "PA01", item = $"{p}-S1", quantity = 10, dueDate = "2026-06-17" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await ActAsync(Host, number, "release");
        return number;
    }

    [Fact]
    public async Task an_order_hold_blocks_issue_yield_and_completion_until_the_quality_hold_flow_releases_it()
    {
        var order = await ReleasedOrderAsync("QHO", "QHO-1");
        var held = await ActAsync(Host, order, "hold", new { reason = "surface cracks on first parts" });
        Assert.Equal("surface cracks on first parts", held.GetProperty("hold").GetString());
        var hold = Assert.Single((await Host.GetAsync<JsonElement>("/api/v1/production/quality-holds?plant=PA01&status=open")).EnumerateArray(), h => OrderOf(h) == order);
        var instance = hold.GetProperty("flowInstance").GetString()!;
        Assert.Equal(("order", "QHO-S1", TaktHost.SuiteClientId), (hold.GetProperty("kind").GetString(), hold.GetProperty("item").GetString(), hold.GetProperty("placedBy").GetString()));

        var before = await Host.SettledSnapshotAsync();
        foreach (var (action, body, rule) in new (string, object, string)[]
        {
            ("issue", new { item = "QHO-R1", quantity = 5 }, "order.on-hold"), ("yield", new { quantity = 1 }, "order.on-hold"),
            ("complete", new { }, "order.on-hold"), ("release-hold", new { reason = "looks fine to me" }, "hold.release-through-flow"),
            ("hold", new { reason = "again" }, "order.already-on-hold"),
        })
        {
            using var refused = await Host.PostJsonAsync($"/api/v1/production-orders/{order}/{action}", body);
            var problem = await ProblemAsync(refused);
            Assert.Equal((HttpStatusCode.UnprocessableEntity, rule), (problem.Status, problem.Rule));
        }

        await Host.DrainOutboxAsync();
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));

        await fixture.RunFlowsAsync();
        var inspect = await fixture.OpenTaskAsync(instance);
        Assert.Equal(("inspect", "quality-inspector"), (inspect.Step, inspect.Role));
        (await fixture.Flows.ActAsync(Host.Store, inspect.Id, new TaskAction(TaskVerb.Complete, "frieda.inspector", "Cracks from one bad blank."), Ct)).Ok();
        await fixture.RunFlowsAsync();
        var disposition = await fixture.OpenTaskAsync(instance);
        Assert.Equal("quality-manager", disposition.Role);
        Assert.NotNull((await Host.OrderAsync(order)).Hold);
        (await fixture.Flows.ActAsync(Host.Store, disposition.Id, new TaskAction(TaskVerb.Approve, "gustav.qm", "Blank lot blocked; release."), Ct)).Ok();
        await fixture.RunFlowsAsync();

        Assert.Null((await Host.OrderAsync(order)).Hold);
        var released = Assert.Single((await Host.GetAsync<JsonElement>("/api/v1/production/quality-holds?plant=PA01&status=released")).EnumerateArray(), h => OrderOf(h) == order);
        Assert.Equal("flow:" + instance, released.GetProperty("releasedBy").GetString());
        await ActAsync(Host, order, "issue", new { item = "QHO-R1", quantity = 5 });
        await ActAsync(Host, order, "confirm", new { operation = "0010", good = 1 });
        await ActAsync(Host, order, "yield", new { quantity = 1 });
        Assert.Equal(1m, (await Host.OrderAsync(order)).Yield);
        var types = await Tables.QueryAsync<string>(Host.Store,
            "SELECT e.type FROM intel_event_object o JOIN intel_event e ON e.seq = o.event_seq WHERE o.object_type = 'production-order' AND o.object_id = @order AND e.type IN ('takt.production.order-held.v1', 'takt.production.order-hold-released.v1') ORDER BY e.seq", new { order });
        Assert.Equal(["takt.production.order-held.v1", "takt.production.order-hold-released.v1"], types);
    }

    [Fact]
    public async Task a_scrap_disposition_keeps_the_order_blocked_until_a_person_settles_the_hold()
    {
        var order = await ReleasedOrderAsync("QHS", "QHS-1");
        await ActAsync(Host, order, "hold", new { reason = "wrong alloy suspected" });
        var instance = (await Host.GetAsync<JsonElement>("/api/v1/production/quality-holds?plant=PA01&status=open")).EnumerateArray()
            .Single(h => OrderOf(h) == order).GetProperty("flowInstance").GetString()!;
        await fixture.RunFlowsAsync();
        (await fixture.Flows.ActAsync(Host.Store, (await fixture.OpenTaskAsync(instance)).Id, new TaskAction(TaskVerb.Complete, "frieda.inspector"), Ct)).Ok();
        await fixture.RunFlowsAsync();
        (await fixture.Flows.ActAsync(Host.Store, (await fixture.OpenTaskAsync(instance)).Id, new TaskAction(TaskVerb.Reject, "gustav.qm", "Alloy confirmed wrong: scrap."), Ct)).Ok();
        await fixture.RunFlowsAsync();

        var hold = Assert.Single((await Host.GetAsync<JsonElement>("/api/v1/production/quality-holds?plant=PA01&status=scrap-requested")).EnumerateArray(), h => OrderOf(h) == order);
        Assert.Equal("flow:" + instance, hold.GetProperty("releasedBy").GetString());
        using (var refused = await Host.PostJsonAsync($"/api/v1/production-orders/{order}/issue", new { item = "QHS-R1", quantity = 1 }))
            Assert.Equal("order.on-hold", (await ProblemAsync(refused)).Rule);
        await ActAsync(Host, order, "scrap", new { quantity = 10, reasonCode = "material-defect" });
        await ActAsync(Host, order, "release-hold", new { reason = "scrapped; order closes" });
        await ActAsync(Host, order, "complete");
        var settled = Assert.Single((await Host.GetAsync<JsonElement>("/api/v1/production/quality-holds?plant=PA01&status=released")).EnumerateArray(), h => OrderOf(h) == order);
        Assert.Equal((TaktHost.SuiteClientId, "scrapped; order closes"), (settled.GetProperty("releasedBy").GetString(), settled.GetProperty("disposition").GetString()));
    }

    [Fact]
    public async Task a_lot_on_hold_is_not_issued_until_the_flow_releases_it_and_bad_holds_change_nothing()
    {
        var order = await ReleasedOrderAsync("QHL", "QHL-1");
        await fixture.DirectImportAsync(new MasterDataDocument(Items: [new ItemRecord("QHL-R1", "Steel", "raw", "KGM", "RAW", LotControlled: true)]));
        await LotStockAsync("QHL-R1", "L-7", 30m);
        await LotStockAsync("QHL-R1", "L-8", 30m);

        var before = await Host.SettledSnapshotAsync();
        foreach (var (body, field, rule) in new (object, string, string)[]
        {
            (new { plant = "PA01", item = "NO-SUCH", lot = "L-7", reason = "x" }, "/item", "item.unknown"),
            (new { plant = "PA01", item = "QHL-R2", lot = "L-7", reason = "x" }, "/item", "hold.item-not-lot-controlled"),
            (new { plant = "PZ99", item = "QHL-R1", lot = "L-7", reason = "x" }, "/plant", "plant.unknown"),
            (new { plant = "PA01", item = "QHL-R1", lot = " ", reason = "x" }, "/lot", "field.required"),
            (new { plant = "PA01", item = "QHL-R1", lot = "L-7", reason = "" }, "/reason", "field.required"),
        })
        {
            using var refused = await Host.PostJsonAsync("/api/v1/production/quality-holds", body);
            var problem = await ProblemAsync(refused);
            Assert.Equal((HttpStatusCode.UnprocessableEntity, field, rule), (problem.Status, problem.Field, problem.Rule));
        }

        await Host.DrainOutboxAsync();
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));

        using var placed = await Host.PostJsonAsync("/api/v1/production/quality-holds", new { plant = "PA01", item = "QHL-R1", lot = "L-7", reason = "supplier certificate missing" });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var hold = await TaktHost.JsonAsync(placed);
        var instance = hold.GetProperty("flowInstance").GetString()!;
        using (var twice = await Host.PostJsonAsync("/api/v1/production/quality-holds", new { plant = "PA01", item = "QHL-R1", lot = "L-7", reason = "again" }))
            Assert.Equal(("/lot", "hold.already-open"), ((await ProblemAsync(twice)).Field, (await ProblemAsync(twice)).Rule));

        using (var refused = await Host.PostJsonAsync($"/api/v1/production-orders/{order}/issue", new { item = "QHL-R1", quantity = 5, lot = "L-7" }))
        {
            var problem = await ProblemAsync(refused);
            Assert.Equal(("/lot", "lot.on-hold"), (problem.Field, problem.Rule));
            Assert.Contains("supplier certificate missing", problem.Detail, StringComparison.Ordinal);
        }

        // Another lot of the same item is issued from that lot.
        await ActAsync(Host, order, "issue", new { item = "QHL-R1", quantity = 5, lot = "L-8" });
        Assert.Equal([("L-7", 30m), ("L-8", 25m)], await LotsAsync("QHL-R1"));

        await fixture.RunFlowsAsync();
        (await fixture.Flows.ActAsync(Host.Store, (await fixture.OpenTaskAsync(instance)).Id, new TaskAction(TaskVerb.Complete, "frieda.inspector", "Certificate received."), Ct)).Ok();
        await fixture.RunFlowsAsync();
        (await fixture.Flows.ActAsync(Host.Store, (await fixture.OpenTaskAsync(instance)).Id, new TaskAction(TaskVerb.Approve, "gustav.qm"), Ct)).Ok();
        await fixture.RunFlowsAsync();

        await ActAsync(Host, order, "issue", new { item = "QHL-R1", quantity = 5, lot = "L-7" });
        Assert.Equal([("L-7", 25m), ("L-8", 25m)], await LotsAsync("QHL-R1"));
        var released = (await Host.GetAsync<JsonElement>("/api/v1/production/quality-holds?plant=PA01&status=released")).EnumerateArray()
            .Single(h => h.GetProperty("id").GetString() == hold.GetProperty("id").GetString());
        Assert.Equal(("lot", "L-7", "flow:" + instance), (released.GetProperty("kind").GetString(), released.GetProperty("lot").GetString(), released.GetProperty("releasedBy").GetString()));
    }

    private static string? OrderOf(JsonElement hold) => hold.TryGetProperty("order", out var order) ? order.GetString() : null;

    private async Task LotStockAsync(string item, string lot, decimal quantity)
    {
        var ledger = Host.Service<ILedger>();
        await using var session = await Host.Store.OpenSessionAsync(fixture.Clock, Ct);
        await using var tx = await session.BeginAsync(Ct);
        var rules = await ledger.LoadRulesAsync(tx, Ct);
        var value = new Money(2.00m * quantity, Currency.Eur);
        var entry = ledger.Prepare(rules, new JournalEntryDraft("TK01", "PA01", Currency.Eur, ProductionHost.Today, "opening-stock",
            new PostingSource("takt.test.opening-stock", $"{item}/{lot}", "/tests", ProductionHost.Now, "/postingDate"),
            [new PostingPair("initial-stock", "RAW", value, "/quantity", Item: item)]));
        var je = ledger.Stage(tx, entry.Ok());
        Host.Service<IInventory>().Stage(tx, new StockMovementDraft("initial-stock", "PA01", item, new Quantity(quantity, UnitOfMeasure.Of("KGM")), value, null, je, ProductionHost.Today, null, Lot: lot));
        await tx.CommitAsync(Ct);
    }

    private async Task<IReadOnlyList<(string Lot, decimal Quantity)>> LotsAsync(string item) =>
        [.. (await Tables.QueryAsync<(string Lot, long Quantity)>(Host.Store, "SELECT lot, quantity_e6 FROM inventory_bin WHERE plant = 'PA01' AND item = @item AND lot <> '' ORDER BY lot", new { item }))
            .Select(r => (r.Lot, r.Quantity / 1_000_000m))];
}

public sealed class GovernanceOnSqlite(ProductionFlowSqliteHost fixture) : GovernanceContract<ProductionFlowSqliteHost>(fixture);

public sealed class GovernanceOnPostgres(ProductionFlowPostgresHost fixture) : GovernanceContract<ProductionFlowPostgresHost>(fixture);

internal static class OutcomeChecks
{
    public static T Ok<T>(this Outcome<T> outcome) => outcome.IsRejected
        ? throw new Xunit.Sdk.XunitException("Rejected: " + string.Join("; ", outcome.Violations.Select(v => $"{v.Field} {v.Rule} {v.Detail}")))
        : outcome.Value;
}
