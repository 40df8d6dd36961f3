using System.Net;
using Takt.Integration.Access;
using Xunit;

namespace Takt.Procurement.Tests;

/// <summary>
/// Suppliers send acknowledgements and shipping notices over the real HTTP API as registered clients: only about their
/// own orders; a repeated message has no second effect; an older message arriving late changes nothing; changes
/// outside tolerance raise an exception to the buyer.
/// </summary>
public abstract class SupplierUpdateContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProcurementHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<PurchaseOrderView> OrderAsync(string supplier) =>
        await fixture.OkAsync(tx => fixture.Procurement.CreateDirectOrderAsync(tx, new DirectOrder("PA01", supplier, "direct", "CC-4100", "FCA Augsburg", "anna.buyer",
            [new DirectOrderLine("RM-3001", 100m, "H87", 38.40m, fixture.Today.AddDays(10)), new DirectOrderLine("RM-3005", 400m, "KGM", 2.85m, fixture.Today.AddDays(10))]), Ct));

    [Fact]
    public async Task acknowledgements_are_applied_once_in_order_and_changes_outside_tolerance_reach_the_buyer()
    {
        var meier = fixture.Host.HttpWith((await fixture.Host.RegisterClientAsync("supplier-meier", [Scopes.ProcurementSupplier], ["PA01"])).ApiKey);
        var order = await OrderAsync("SUP-100");
        var path = $"/api/v1/procurement/purchase-orders/{order.Number}/acknowledgements";

        var accepted = new { messageId = "ack-1", sequence = 1, status = "accepted" };
        var first = await ProcurementHost.PostAsync(meier, path, accepted, key: "k-ack-1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("applied", (await ProcurementHost.JsonAsync(first)).GetProperty("outcome").GetString());
        var firstBody = await first.Content.ReadAsStringAsync(Ct);

        // The same request again (same Idempotency-Key): the stored answer. The same message under a new key: no second effect.
        var replay = await ProcurementHost.PostAsync(meier, path, accepted, key: "k-ack-1");
        Assert.Equal(firstBody, await replay.Content.ReadAsStringAsync(Ct));
        var duplicate = await ProcurementHost.PostAsync(meier, path, accepted);
        Assert.Equal("duplicate", (await ProcurementHost.JsonAsync(duplicate)).GetProperty("outcome").GetString());
        Assert.Equal(1, await fixture.CountAsync("SELECT COUNT(*) FROM proc_supplier_message WHERE po = @po", new { po = order.Number }));

        // Message 3 moves line 1 five days later (tolerance: 2 days): applied, and an exception for the buyer.
        var changed = await ProcurementHost.PostAsync(meier, path, new
        {
            messageId = "ack-3", sequence = 3, status = "changed",
            lines = new[] { new { line = 1, quantity = (decimal?)null, deliveryDate = (DateOnly?)fixture.Today.AddDays(15) }, new { line = 2, quantity = (decimal?)390m, deliveryDate = (DateOnly?)null } },
        });
        var changedBody = await ProcurementHost.JsonAsync(changed);
        Assert.Equal("exception", changedBody.GetProperty("outcome").GetString());
        var exception = Assert.Single(changedBody.GetProperty("exceptions").EnumerateArray()).GetString();
        Assert.StartsWith("line 1: confirmed delivery", exception, StringComparison.Ordinal);

        // Message 2 arrives late: it changes nothing.
        var late = await ProcurementHost.PostAsync(meier, path, new { messageId = "ack-2", sequence = 2, status = "rejected", comment = "no capacity" });
        Assert.Equal("stale", (await ProcurementHost.JsonAsync(late)).GetProperty("outcome").GetString());

        var document = await fixture.Host.GetAsync<System.Text.Json.JsonElement>($"/api/v1/procurement/purchase-orders/{order.Number}");
        Assert.Equal(("confirmed", "changed"), (document.GetProperty("order").GetProperty("status").GetString(), document.GetProperty("order").GetProperty("acknowledgement").GetString()));
        Assert.Equal(390m, document.GetProperty("order").GetProperty("lines")[1].GetProperty("confirmedQuantity").GetDecimal());
        var raised = Assert.Single(document.GetProperty("exceptions").EnumerateArray());
        Assert.Equal(("confirmation-outside-tolerance", "open"), (raised.GetProperty("kind").GetString(), raised.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task shipping_notices_are_kept_once_and_receipts_refer_to_them()
    {
        var meier = fixture.Host.HttpWith((await fixture.Host.RegisterClientAsync("supplier-meier-2", [Scopes.ProcurementSupplier], ["PA01"])).ApiKey);
        await fixture.OkAsync(tx => fixture.Procurement.SaveSupplierAsync(tx, new SupplierView("SUP-110", "Gießerei Meier Werk 2", "EUR", 30, "low", "supplier-meier-2"), Ct));
        var order = await OrderAsync("SUP-110");
        var path = $"/api/v1/procurement/purchase-orders/{order.Number}/shipping-notices";
        var notice = new { messageId = "asn-1", sequence = 1, number = "DN-7781", shipDate = fixture.Today.AddDays(8), lines = new[] { new { line = 1, quantity = 100m }, new { line = 2, quantity = 450m } } };
        var sent = await ProcurementHost.PostAsync(meier, path, notice);
        var body = await ProcurementHost.JsonAsync(sent);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("exception", body.GetProperty("outcome").GetString()); // 450 kg on 400 ordered: over the 5% tolerance
        Assert.Equal("duplicate", (await ProcurementHost.JsonAsync(await ProcurementHost.PostAsync(meier, path, notice))).GetProperty("outcome").GetString());
        var reused = await ProcurementHost.PostAsync(meier, path, notice with { messageId = "asn-2" });
        Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);
        Assert.Equal(1, await fixture.CountAsync("SELECT COUNT(*) FROM proc_asn WHERE po = @po", new { po = order.Number }));

        var receipt = await fixture.OkAsync(tx => fixture.Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, 100m, "H87", "wim.warehouse", Asn: "DN-7781"), Ct));
        Assert.Equal("DN-7781", receipt.Asn);
    }

    [Fact]
    public async Task a_late_confirmation_is_chased_by_the_buyer_and_escalates_by_sla()
    {
        var late = await OrderAsync("SUP-300");
        var onTime = await OrderAsync("SUP-200");
        await fixture.Host.DrainOutboxAsync();
        await fixture.RunFlowsAsync();

        // An operator client for all plants acknowledges for the supplier that has no API client of its own.
        var ack = await ProcurementHost.PostAsync(fixture.Host.Http, $"/api/v1/procurement/purchase-orders/{onTime.Number}/acknowledgements", new { messageId = "edi-1", sequence = 1, status = "accepted" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        await fixture.Host.DrainOutboxAsync();
        await fixture.RunFlowsAsync();

        async Task<List<(string Role, string Status, long Escalations)>> ChaseAsync(string order)
        {
            await using var connection = await fixture.Store.OpenConnectionAsync(Ct);
            return [.. await Dapper.SqlMapper.QueryAsync<(string, string, long)>(connection,
                "SELECT t.role, t.status, t.escalations FROM orch_task t JOIN orch_instance i ON i.id = t.instance_id WHERE i.flow = 'purchase-order-confirmation' AND i.variables LIKE @pattern",
                new { pattern = $"%\"{order}\"%" })];
        }

        Assert.Equal(1, await fixture.CountAsync("SELECT COUNT(*) FROM orch_instance WHERE flow = 'purchase-order-confirmation' AND status = 'completed' AND variables LIKE @pattern", new { pattern = $"%\"{onTime.Number}\"%" }));
        fixture.Clock.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1));
        await fixture.RunFlowsAsync();
        Assert.Empty(await ChaseAsync(late.Number));

        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        await fixture.RunFlowsAsync();
        Assert.Equal([("buyer", "open", 0L)], await ChaseAsync(late.Number));
        Assert.Empty(await ChaseAsync(onTime.Number));

        // The buyer lets the chase lie for more than its SLA (8 business hours): it escalates to the plant manager.
        fixture.Clock.Advance(TimeSpan.FromDays(3));
        await fixture.RunFlowsAsync();
        Assert.Equal([("plant-manager", "open", 1L)], await ChaseAsync(late.Number));
    }

    [Fact]
    public async Task a_supplier_speaks_only_about_its_own_orders_and_bad_messages_change_nothing()
    {
        var meier = fixture.Host.HttpWith((await fixture.Host.RegisterClientAsync("supplier-meier-3", [Scopes.ProcurementSupplier], ["PA01"])).ApiKey);
        await fixture.OkAsync(tx => fixture.Procurement.SaveSupplierAsync(tx, new SupplierView("SUP-120", "Gießerei Meier Werk 3", "EUR", 30, "low", "supplier-meier-3"), Ct));
        var stranger = fixture.Host.HttpWith((await fixture.Host.RegisterClientAsync("edi-plant-a", [Scopes.ProcurementSupplier], ["PA01"])).ApiKey);
        var other = await OrderAsync("SUP-200");
        var own = await OrderAsync("SUP-120");
        var before = await fixture.CountAsync("SELECT COUNT(*) FROM proc_supplier_message");

        var foreign = await ProcurementHost.PostAsync(meier, $"/api/v1/procurement/purchase-orders/{other.Number}/acknowledgements", new { messageId = "x-1", sequence = 1, status = "accepted" });
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        var notSupplier = await ProcurementHost.PostAsync(stranger, $"/api/v1/procurement/purchase-orders/{own.Number}/acknowledgements", new { messageId = "x-2", sequence = 1, status = "accepted" });
        Assert.Equal(HttpStatusCode.Forbidden, notSupplier.StatusCode);
        Assert.Contains("supplier.client-unknown", await notSupplier.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var badStatus = await ProcurementHost.PostAsync(meier, $"/api/v1/procurement/purchase-orders/{own.Number}/acknowledgements", new { messageId = "x-3", sequence = 1, status = "maybe" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badStatus.StatusCode);
        Assert.Contains("/status", await badStatus.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var badLine = await ProcurementHost.PostAsync(meier, $"/api/v1/procurement/purchase-orders/{own.Number}/acknowledgements", new { messageId = "x-4", sequence = 1, status = "changed", lines = new[] { new { line = 9, quantity = 1m } } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badLine.StatusCode);
        Assert.Contains("/lines/0/line", await badLine.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.CountAsync("SELECT COUNT(*) FROM proc_supplier_message"));
        Assert.Equal("issued", (await fixture.ReadAsync(tx => fixture.Procurement.PurchaseOrdersAsync(tx, [own.Number], Ct)))[own.Number].Status);
    }
}

public sealed class SqliteSupplierUpdate(SqliteProcurementHost fixture) : SupplierUpdateContract<SqliteProcurementHost>(fixture);

public sealed class PostgresSupplierUpdate(PostgresProcurementHost fixture) : SupplierUpdateContract<PostgresProcurementHost>(fixture);
