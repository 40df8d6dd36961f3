using System.Net;
using Takt.Contracts;
using Takt.Orchestration;
using Xunit;

namespace Takt.Procurement.Tests;

/// <summary>
/// Requisitions are routed by the plant's approval threshold (the approval standard with the plant's variant) and the
/// delegation-of-authority matrix; the routing is explained and stored; the requester never approves; over budget
/// adds the next level of authority.
/// </summary>
public abstract class RequisitionApprovalContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProcurementHost
{
    // Plant B runs the standard (threshold 10,000 EUR); Plant A's variant raises it to 25,000 EUR. The matrix: plant-controller
    // above 10,000 for direct, plant-manager above 100,000, cfo above 250,000.
    public static TheoryData<string, decimal, string[]> Thresholds { get; } = new()
    {
        { "PB01", 9_999.99m, [] },
        { "PB01", 10_000.00m, [] },
        { "PB01", 10_000.01m, ["plant-controller"] },
        { "PB01", 100_000.00m, ["plant-controller"] },
        { "PB01", 100_000.01m, ["plant-controller", "plant-manager"] },
        { "PB01", 250_000.00m, ["plant-controller", "plant-manager"] },
        { "PB01", 250_000.01m, ["plant-controller", "plant-manager", "cfo"] },
        { "PA01", 24_999.99m, [] },
        { "PA01", 25_000.00m, [] },
        { "PA01", 25_000.01m, ["plant-controller"] },
        { "PA01", 100_000.00m, ["plant-controller"] },
        { "PA01", 100_000.01m, ["plant-controller", "plant-manager"] },
        { "PA01", 250_000.00m, ["plant-controller", "plant-manager"] },
        { "PA01", 250_000.01m, ["plant-controller", "plant-manager", "cfo"] },
    };

    [Theory]
    [MemberData(nameof(Thresholds))]
    public async Task values_just_below_at_and_above_each_threshold_route_per_plant_variant_with_explanations(string plant, decimal value, string[] roles)
    {
        var requisition = await fixture.OkAsync(tx => fixture.Procurement.CreateRequisitionAsync(tx, fixture.Draft(plant, value), TestContext.Current.CancellationToken));
        var source = plant == "PA01" ? "requisition-approval v1, PA01 variant" : "requisition-approval v1, standard";
        var threshold = plant == "PA01" ? "25,000.00" : "10,000.00";
        var amount = value.ToString("#,##0.00", System.Globalization.CultureInfo.InvariantCulture);
        if (roles.Length == 0)
        {
            Assert.Equal("approved", requisition.Status);
            Assert.Null(requisition.ApprovalInstance);
            Assert.StartsWith($"{plant} approval threshold {threshold} EUR ({source}", requisition.Routing[0], StringComparison.Ordinal);
            Assert.EndsWith($"value {amount} is within it.", requisition.Routing[0], StringComparison.Ordinal);
            Assert.Equal("Approved without a person: within the plant threshold and the budget.", requisition.Routing[1]);
            return;
        }

        Assert.Equal("pending-approval", requisition.Status);
        Assert.EndsWith($"value {amount} is above it, routed by the approval matrix.", requisition.Routing[0], StringComparison.Ordinal);
        var doa = value.ToString("#,##0.##", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"{plant} plant-controller: value {doa} EUR > 10,000 for direct (matrix procurement v1)", requisition.Routing);
        Assert.Equal(roles.Contains("plant-manager"), requisition.Routing.Contains($"{plant} plant-manager: value {doa} EUR > 100,000 (matrix procurement v1)"));
        Assert.Equal(roles.Contains("cfo"), requisition.Routing.Contains($"{plant} cfo: value {doa} EUR > 250,000 (matrix procurement v1)"));
        Assert.Equal(roles.Length, requisition.Routing.Count(r => r.Contains("(matrix procurement v1)", StringComparison.Ordinal)));

        // The stored routing is what the flow does: its first level asks the plant controller.
        var stored = await fixture.ReadAsync(tx => fixture.Procurement.RequisitionAsync(tx, requisition.Number, TestContext.Current.CancellationToken));
        Assert.Equal(requisition.Routing, stored!.Routing);
        await fixture.RunFlowsAsync();
        var task = Assert.Single(await fixture.OpenTasksAsync(requisition.ApprovalInstance!));
        Assert.Equal(("plant-controller", 1, plant), (task.Role, task.Level, task.Plant));
    }

    [Fact]
    public async Task the_requester_cannot_approve_and_another_controller_releases_the_requisition_over_http()
    {
        var ct = TestContext.Current.CancellationToken;
        (await fixture.Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("pia.controller", "plant-controller", "PA01"), ct)).Ok();
        var created = await ProcurementHost.PostAsync(fixture.Host.Http, "/api/v1/procurement/requisitions", new
        {
            kind = "manual", plant = "PA01", item = "RM-3002", quantity = 3000, unit = "H87", needDate = fixture.Today.AddDays(10), costObject = "CC-4100",
            category = "direct", estimatedValue = new { amount = 38_250.00m, currency = "EUR" }, requester = "bernd.controller", supplier = "SUP-100",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await ProcurementHost.JsonAsync(created);
        var number = body.GetProperty("number").GetString()!;
        var instance = body.GetProperty("approvalInstance").GetString()!;
        await fixture.RunFlowsAsync();
        var task = Assert.Single(await fixture.OpenTasksAsync(instance));

        var refused = await ProcurementHost.PostAsync(fixture.Host.Http, $"/api/v1/tasks/{task.Id}/approve", new { actor = "bernd.controller" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("sod.requester-approves", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal("pending-approval", (await fixture.ReadAsync(tx => fixture.Procurement.RequisitionAsync(tx, number, ct)))!.Status);

        var approved = await ProcurementHost.PostAsync(fixture.Host.Http, $"/api/v1/tasks/{task.Id}/approve", new { actor = "pia.controller" });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        await fixture.RunFlowsAsync();
        var done = await fixture.ReadAsync(tx => fixture.Procurement.RequisitionAsync(tx, number, ct));
        Assert.Equal("approved", done!.Status);
        Assert.NotNull(done.DecidedAt);
    }

    [Fact]
    public async Task a_rejected_requisition_is_rejected_and_never_ordered()
    {
        var ct = TestContext.Current.CancellationToken;
        (await fixture.Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("paul.controller", "plant-controller", "PB01"), ct)).Ok();
        var requisition = await fixture.OkAsync(tx => fixture.Procurement.CreateRequisitionAsync(tx, fixture.Draft("PB01", 12_000m), ct));
        await fixture.RunFlowsAsync();
        var task = Assert.Single(await fixture.OpenTasksAsync(requisition.ApprovalInstance!));
        (await fixture.Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Reject, "paul.controller", "Use stock from Plant A."), ct)).Ok();
        await fixture.RunFlowsAsync();
        Assert.Equal("rejected", (await fixture.ReadAsync(tx => fixture.Procurement.RequisitionAsync(tx, requisition.Number, ct)))!.Status);
        (await fixture.TryAsync(tx => fixture.Procurement.OrderRequisitionsAsync(tx, new OrderRequisitions([requisition.Number], "anna.buyer", "FCA Brno"), ct)))
            .Rejected("/requisitions/0", "order.requisition-not-approved");
    }

    [Fact]
    public async Task an_expedite_carries_urgency_reason_and_disruption_and_bad_requisitions_change_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await fixture.CountAsync("SELECT COUNT(*) FROM proc_requisition");
        async Task Refused(object body, string field, string rule)
        {
            var response = await ProcurementHost.PostAsync(fixture.Host.Http, "/api/v1/procurement/requisitions", body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var problem = await ProcurementHost.JsonAsync(response);
            Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field && e.GetProperty("rule").GetString() == rule);
        }

        object Body(string kind = "expedite", string plant = "PA01", string? item = "RM-3001", string unit = "H87", string currency = "EUR", string? disruption = "machine-down PA01-CNC1", string? service = null, decimal quantity = 50) => new
        {
            kind, plant, item, service, quantity, unit, needDate = fixture.Today.AddDays(2), costObject = "PA01-100002", category = "direct",
            estimatedValue = new { amount = 1_920.00m, currency }, requester = "lukas.planner", supplier = "SUP-100", urgency = "critical",
            reason = "Castings for the rescheduled housing order", disruption,
        };

        await Refused(Body(disruption: null), "/disruption", "requisition.expedite-disruption-required");
        await Refused(Body(unit: "KGM"), "/unit", "requisition.unit-mismatch");
        await Refused(Body(plant: "PX99"), "/plant", "requisition.plant-unknown");
        await Refused(Body(currency: "USD"), "/estimatedValue/currency", "requisition.currency-not-company");
        await Refused(Body(service: "Machining"), "/item", "requisition.item-or-service");
        await Refused(Body(quantity: 0), "/quantity", "requisition.quantity-positive");
        await Refused(Body(kind: "urgent"), "/kind", "requisition.kind-unknown");
        Assert.Equal(before, await fixture.CountAsync("SELECT COUNT(*) FROM proc_requisition"));

        var created = await ProcurementHost.PostAsync(fixture.Host.Http, "/api/v1/procurement/requisitions", Body());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var requisition = await ProcurementHost.JsonAsync(created);
        Assert.Equal("expedite", requisition.GetProperty("kind").GetString());
        Assert.Equal("machine-down PA01-CNC1", requisition.GetProperty("disruption").GetString());
        Assert.Equal("critical", requisition.GetProperty("urgency").GetString());
        Assert.Equal("approved", requisition.GetProperty("status").GetString());
        Assert.Equal(before + 1, await fixture.CountAsync("SELECT COUNT(*) FROM proc_requisition"));
        var number = requisition.GetProperty("number").GetString()!;
        var logged = await fixture.CountAsync("SELECT COUNT(*) FROM intel_event WHERE type = 'takt.procurement.requisition-created.v1' AND source_id <> '' AND objects LIKE @pattern", new { pattern = $"%\"disruption\"%machine-down PA01-CNC1%" });
        Assert.Equal(1, logged);
        Assert.Equal(1, await fixture.CountAsync("SELECT COUNT(*) FROM intel_event WHERE type = 'takt.procurement.requisition-created.v1' AND objects LIKE @pattern", new { pattern = $"%{number}%" }));
    }
}

public sealed class SqliteRequisitionApproval(SqliteProcurementHost fixture) : RequisitionApprovalContract<SqliteProcurementHost>(fixture);

public sealed class PostgresRequisitionApproval(PostgresProcurementHost fixture) : RequisitionApprovalContract<PostgresProcurementHost>(fixture);
