using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Orchestration;
using Xunit;

namespace Takt.Procurement.Tests;

/// <summary>
/// Budgets (commitment = open requisitions + open orders; over budget → the next level approves too), purchase orders
/// from approved requisitions grouped by supplier and issued as a canonical event, and changes within/outside tolerance.
/// </summary>
public abstract class BudgetAndOrderContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProcurementHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task over_budget_escalates_to_the_next_level_and_the_routing_says_why()
    {
        (await fixture.Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("olaf.controller", "plant-controller", "PB01"), Ct)).Ok();
        (await fixture.Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("maria.manager", "plant-manager", "PB01"), Ct)).Ok();
        await fixture.OkAsync(tx => fixture.Procurement.SetBudgetAsync(tx, new ProcurementBudget("PB01", "indirect", 50_000m, "EUR"), Ct));

        var first = await fixture.OkAsync(tx => fixture.Procurement.CreateRequisitionAsync(tx, fixture.Draft("PB01", 30_000m, "indirect"), Ct));
        Assert.False(first.OverBudget);
        Assert.Equal("Budget PB01/indirect 50,000.00 EUR: committed 0.00 (open requisitions 0.00, open orders 0.00) + 30,000.00 = 30,000.00, within it.", first.Routing[^1]);

        // 30,000 pending + 25,000 = 55,000 > 50,000: the matrix asks the controller (level 1), the budget adds the plant manager (level 2).
        var second = await fixture.OkAsync(tx => fixture.Procurement.CreateRequisitionAsync(tx, fixture.Draft("PB01", 25_000m, "indirect"), Ct));
        Assert.True(second.OverBudget);
        Assert.Equal("Budget PB01/indirect 50,000.00 EUR: committed 30,000.00 (open requisitions 30,000.00, open orders 0.00) + 25,000.00 = 55,000.00 exceeds it: routed to the next level, plant-manager (level 2).", second.Routing[^1]);

        // Within the plant threshold, but over budget: it still needs a person (the next level above none: the controller).
        var small = await fixture.OkAsync(tx => fixture.Procurement.CreateRequisitionAsync(tx, fixture.Draft("PB01", 5_000m, "indirect"), Ct));
        Assert.Equal("pending-approval", small.Status);
        Assert.EndsWith("exceeds it: routed to the next level, plant-controller (level 1).", small.Routing[^1], StringComparison.Ordinal);

        await fixture.RunFlowsAsync();
        var controller = Assert.Single(await fixture.OpenTasksAsync(second.ApprovalInstance!));
        Assert.Equal("plant-controller", controller.Role);
        (await fixture.Flows.ActAsync(fixture.Store, controller.Id, new TaskAction(TaskVerb.Approve, "olaf.controller"), Ct)).Ok();
        await fixture.RunFlowsAsync();
        var manager = Assert.Single(await fixture.OpenTasksAsync(second.ApprovalInstance!));
        Assert.Equal(("plant-manager", "approve-over-budget"), (manager.Role, manager.Step));
        Assert.Equal("pending-approval", (await fixture.ReadAsync(tx => fixture.Procurement.RequisitionAsync(tx, second.Number, Ct)))!.Status);
        (await fixture.Flows.ActAsync(fixture.Store, manager.Id, new TaskAction(TaskVerb.Approve, "maria.manager"), Ct)).Ok();
        await fixture.RunFlowsAsync();
        Assert.Equal("approved", (await fixture.ReadAsync(tx => fixture.Procurement.RequisitionAsync(tx, second.Number, Ct)))!.Status);
    }

    [Fact]
    public async Task approved_requisitions_become_one_order_per_supplier_issued_as_a_canonical_event()
    {
        var a = await fixture.OkAsync(tx => fixture.Procurement.CreateRequisitionAsync(tx, fixture.Draft("PA01", 1_275.00m, item: "RM-3002", quantity: 100m, supplier: "SUP-200"), Ct));
        var b = await fixture.OkAsync(tx => fixture.Procurement.CreateRequisitionAsync(tx, fixture.Draft("PA01", 410.00m, item: "RM-3003", quantity: 100m, supplier: "SUP-200"), Ct));
        var c = await fixture.OkAsync(tx => fixture.Procurement.CreateRequisitionAsync(tx, fixture.Draft("PA01", 1_920.00m, item: "RM-3001", quantity: 50m, supplier: "SUP-100"), Ct));
        var orders = await fixture.OkAsync(tx => fixture.Procurement.OrderRequisitionsAsync(tx, new OrderRequisitions([a.Number, b.Number, c.Number], "anna.buyer", "FCA Augsburg",
            [new RequisitionPrice(a.Number, 13.10m)]), Ct));
        Assert.Equal(2, orders.Count);
        var hridele = orders.Single(o => o.Supplier == "SUP-200");
        Assert.Equal([(1, "RM-3002", 100m, 13.10m), (2, "RM-3003", 100m, 4.10m)], hridele.Lines.Select(l => (l.Line, l.Item, l.Quantity, l.Price)));
        Assert.Equal("issued", hridele.Status);

        await using var connection = await fixture.Store.OpenConnectionAsync(Ct);
        var data = await Dapper.SqlMapper.QuerySingleAsync<string>(connection, "SELECT data FROM store_outbox_message WHERE type = @type AND subject = @subject", new { type = EventTypes.PurchaseOrderIssued, subject = hridele.Number });
        var issued = JsonSerializer.Deserialize<PurchaseOrderIssued>(data, EventTypes.Json)!;
        Assert.Equal((hridele.Number, 1, "PA01", "SUP-200", "EUR", "FCA Augsburg", "anna.buyer"), (issued.Order, issued.Revision, issued.Plant, issued.Supplier, issued.Currency, issued.Incoterms, issued.Buyer));
        Assert.Equal(13.10m, issued.Lines[0].Price);
        Assert.Equal(new QuantityValue(100m, "H87"), issued.Lines[0].Quantity);
        Assert.Equal("ordered", (await fixture.ReadAsync(tx => fixture.Procurement.RequisitionAsync(tx, a.Number, Ct)))!.Status);

        // Ordered once only.
        (await fixture.TryAsync(tx => fixture.Procurement.OrderRequisitionsAsync(tx, new OrderRequisitions([a.Number], "anna.buyer", "FCA Augsburg"), Ct)))
            .Rejected("/requisitions/0", "order.requisition-not-approved");
    }

    [Fact]
    public async Task a_change_within_tolerance_is_issued_at_once_and_one_outside_is_approved_again()
    {
        (await fixture.Flows.AssignRoleAsync(fixture.Store, new RoleAssignment("otto.controller", "plant-controller", "PB01"), Ct)).Ok();
        var order = await fixture.OkAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, new DirectOrder("PB01", "SUP-200", "direct", "CC-5100", "DAP Brno", "bea.buyer",
            [new DirectOrderLine("RM-3002", 800m, "H87", 12.50m, fixture.Today.AddDays(20))]), Ct));
        Assert.Equal("issued", order.Status); // 10,000.00 EUR: within Plant B's threshold

        // +5% price, +10% quantity: at the tolerance, issued as revision 2.
        var within = await fixture.OkAsync(tx => fixture.Procurement.ChangeOrderAsync(tx, order.Number, new OrderChange("bea.buyer", [new OrderLineChange(1, Quantity: 880m, Price: 13.125m)]), Ct));
        Assert.Equal(("issued", 2), (within.Status, within.Revision));

        // Above it (price +5.01% of the approved 13.125): approval again; 880 × 13.7826 = 12,128.69 EUR > 10,000 goes to the controller.
        var outside = await fixture.OkAsync(tx => fixture.Procurement.ChangeOrderAsync(tx, order.Number, new OrderChange("bea.buyer", [new OrderLineChange(1, Price: 13.7826m)]), Ct));
        Assert.Equal("pending-approval", outside.Status);
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 10m, "H87", "wim.warehouse"), Ct))).Rejected("/order", "receipt.order-not-open");
        await fixture.RunFlowsAsync();
        var instance = await fixture.CountAsync("SELECT COUNT(*) FROM orch_instance WHERE flow = 'requisition-approval' AND variables LIKE @pattern", new { pattern = $"%{order.Number}%" });
        Assert.Equal(1, instance);
        await using var connection = await fixture.Store.OpenConnectionAsync(Ct);
        var approval = await Dapper.SqlMapper.QuerySingleAsync<string>(connection, "SELECT approval_instance FROM proc_po WHERE number = @number", new { number = order.Number });
        var task = Assert.Single(await fixture.OpenTasksAsync(approval));
        Assert.Equal("plant-controller", task.Role);
        (await fixture.Flows.ActAsync(fixture.Store, task.Id, new TaskAction(TaskVerb.Approve, "otto.controller"), Ct)).Ok();
        await fixture.RunFlowsAsync();
        var approved = (await fixture.ReadAsync(tx => fixture.Procurement.PurchaseOrdersAsync(tx, [order.Number], Ct)))[order.Number];
        Assert.Equal(("issued", 3, "otto.controller", 13.7826m), (approved.Status, approved.Revision, approved.ApprovedBy, approved.Lines[0].Price));
        Assert.Equal(3, await fixture.CountAsync("SELECT COUNT(*) FROM store_outbox_message WHERE type = @type AND subject = @subject", new { type = EventTypes.PurchaseOrderIssued, subject = order.Number }));

        // The approver may not receive against the order (segregation of duties); someone else may.
        (await fixture.TryAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 10m, "H87", "otto.controller"), Ct))).Rejected("/receivedBy", "sod.approver-receives");
        await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 10m, "H87", "wim.warehouse"), Ct));
    }
}

public sealed class SqliteBudgetAndOrder(SqliteProcurementHost fixture) : BudgetAndOrderContract<SqliteProcurementHost>(fixture);

public sealed class PostgresBudgetAndOrder(PostgresProcurementHost fixture) : BudgetAndOrderContract<PostgresProcurementHost>(fixture);
