using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Production;
using Takt.Server;
using Takt.Testing;
using Xunit;
using static Takt.Operations.Tests.Http;

namespace Takt.Operations.Tests;

/// <summary>
/// Manual fallback (issue 14, docs/operations.md): while the MES is down people record issues, confirmations and
/// yield by hand; each posts at once. When the MES comes back and sends its own events for the same facts, they are
/// matched by plant, order, operation or item and time window, and only the difference is applied; the
/// reconciliation report tells matched, difference-applied, conflicting, unmatched and waiting records apart.
/// </summary>
public abstract class FallbackContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : OperationsHost
{
    private TaktHost Host => fixture.Host;

    private DateTimeOffset Now => fixture.Clock.GetUtcNow();

    private const string Mes = "/mes/pa01/line-1";

    /// <summary>A released demo order of Plant A that no other test of the class touches.</summary>
    private async Task<ProductionOrderView> OrderAsync(int index) =>
        (await Host.OrdersAsync()).Where(o => o.Plant == DemoData.PlantA && o.Status == "released" && o.Operations.Count > 0).OrderBy(o => o.Number, StringComparer.Ordinal).ElementAt(index);

    private async Task<JsonElement> RecordAsync(object body)
    {
        using var response = await Host.PostJsonAsync("/api/v1/fallback/entries", body);
        return await OkAsync(response, HttpStatusCode.Created);
    }

    private async Task<JsonElement> EntryAsync(string id)
    {
        var report = await Host.GetAsync<JsonElement>("/api/v1/fallback/reconciliation?plant=PA01");
        return report.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);
    }

    private async Task<long> LinesOfAsync(string order) =>
        await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM ledger_journal_line WHERE order_number = @order", new { order });

    private async Task AcceptedAsync(System.Text.Json.Nodes.JsonObject cloudEvent)
    {
        using var response = await Host.PostStructuredAsync(cloudEvent);
        await OkAsync(response);
    }

    [Fact]
    public async Task a_confirmation_recorded_by_hand_posts_at_once_and_the_mes_event_for_the_same_fact_changes_nothing_more()
    {
        var order = await OrderAsync(0);
        var op = order.Operations[0];
        var occurred = Now.AddMinutes(-40);
        var recorded = await RecordAsync(new
        {
            kind = "confirm", order = order.Number, operation = op.Operation, good = 5, machineHours = 1.5, labourHours = 0.5,
            occurredAt = occurred, reason = "MES PA01 down, incident INC-881",
        });
        Assert.Single(recorded.GetProperty("journalEntries").EnumerateArray());
        var id = recorded.GetProperty("entry").GetProperty("id").GetString()!;
        Assert.Equal("waiting", (await EntryAsync(id)).GetProperty("status").GetString());
        var afterManual = await Host.OrderAsync(order.Number);
        var operationAfterManual = afterManual.Operations.Single(o => o.Operation == op.Operation);
        Assert.Equal(op.Good + 5m, operationAfterManual.Good);
        Assert.Equal(op.MachineHours + 1.5m, operationAfterManual.MachineHours);
        var lines = await LinesOfAsync(order.Number);

        // The MES comes back and sends the same fact, its time a few minutes off and machine time in minutes.
        var mesEvent = Events.OperationConfirmed(DemoData.PlantA, order.Number, op.Operation, op.WorkCenter, 5m, order.Unit,
            machine: (90m, "MIN"), labour: (0.5m, "HUR"), time: occurred.AddMinutes(3));
        await AcceptedAsync(mesEvent);
        // Delivered twice: the inbox answers the replay; still one match.
        await AcceptedAsync(mesEvent);

        var afterMes = await Host.OrderAsync(order.Number);
        Assert.Equal(operationAfterManual, afterMes.Operations.Single(o => o.Operation == op.Operation));
        Assert.Equal(afterManual.Wip, afterMes.Wip);
        Assert.Equal(lines, await LinesOfAsync(order.Number));

        var entry = await EntryAsync(id);
        Assert.Equal("matched", entry.GetProperty("status").GetString());
        var match = Assert.Single(entry.GetProperty("matches").EnumerateArray());
        Assert.Equal(Mes, match.GetProperty("source").GetString());
        Assert.Equal(mesEvent["id"]!.GetValue<string>(), match.GetProperty("id").GetString());
        Assert.Equal(1.5m, match.GetProperty("covered").GetProperty("machineHours").GetDecimal());
        Assert.True(match.GetProperty("applied").EnumerateObject().All(p => p.Value.GetDecimal() == 0m));
        // The MES event is in the process log, linked to the record it matched.
        Assert.Equal(1, await Tables.CountAsync(Host.Store,
            "SELECT COUNT(*) FROM intel_event WHERE source = @mes AND source_id = @source AND objects LIKE @link",
            new { mes = Mes, source = mesEvent["id"]!.GetValue<string>(), link = $"%fallback-entry%{id}%" }));
        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT fallback_open FROM production_order WHERE number = @order", new { order = order.Number }));
    }

    [Fact]
    public async Task the_mes_reporting_more_applies_only_the_difference_less_is_conflicting_nothing_is_unmatched_and_a_late_event_applies_in_full()
    {
        var order = await OrderAsync(1);
        var component = order.Components[0];
        var occurred = Now.AddMinutes(-30);
        const string Reason = "MES PA01 down, incident INC-882";

        // An issue of 4 by hand; the MES reports 6 for it: 2 more leave stock and reach the order.
        var issue = (await RecordAsync(new { kind = "issue", order = order.Number, item = component.Item, quantity = 4, occurredAt = occurred, windowMinutes = 60, reason = Reason }))
            .GetProperty("entry").GetProperty("id").GetString()!;
        var issuedByHand = (await Host.OrderAsync(order.Number)).Components.Single(c => c.Item == component.Item).Issued;
        Assert.Equal(component.Issued + 4m, issuedByHand);
        var stockBefore = await StockAsync(component.Item);
        await AcceptedAsync(Events.MaterialIssued(DemoData.PlantA, order.Number, component.Item, 6m, "H87", occurred.AddMinutes(10)));
        Assert.Equal(issuedByHand + 2m, (await Host.OrderAsync(order.Number)).Components.Single(c => c.Item == component.Item).Issued);
        Assert.Equal(stockBefore - 2m, await StockAsync(component.Item));
        var issueEntry = await EntryAsync(issue);
        Assert.Equal("difference-applied", issueEntry.GetProperty("status").GetString());
        Assert.Equal(2m, issueEntry.GetProperty("applied").GetProperty("quantity").GetDecimal());
        Assert.Equal(4m, issueEntry.GetProperty("matched").GetProperty("quantity").GetDecimal());

        // A yield of 3 by hand; the MES reports 2: nothing more is posted and 1 stays open.
        var yieldEntry = (await RecordAsync(new { kind = "yield", order = order.Number, quantity = 3, occurredAt = occurred, windowMinutes = 60, reason = Reason }))
            .GetProperty("entry").GetProperty("id").GetString()!;
        var yieldByHand = (await Host.OrderAsync(order.Number)).Yield;
        await AcceptedAsync(Events.YieldReported(DemoData.PlantA, order.Number, order.Item, 2m, order.Unit, occurred.AddMinutes(-5)));
        Assert.Equal(yieldByHand, (await Host.OrderAsync(order.Number)).Yield);
        Assert.Equal("waiting", (await EntryAsync(yieldEntry)).GetProperty("status").GetString());

        // A confirmation by hand that the MES never sends.
        var op = order.Operations[0];
        var lonely = (await RecordAsync(new { kind = "confirm", order = order.Number, operation = op.Operation, good = 1, occurredAt = occurred, windowMinutes = 60, reason = Reason }))
            .GetProperty("entry").GetProperty("id").GetString()!;

        // An event for the same key outside the window is a different fact: applied in full, matched to nothing.
        var beforeLate = (await Host.OrderAsync(order.Number)).Yield;
        await AcceptedAsync(Events.YieldReported(DemoData.PlantA, order.Number, order.Item, 1m, order.Unit, occurred.AddMinutes(-61)));
        Assert.Equal(beforeLate + 1m, (await Host.OrderAsync(order.Number)).Yield);

        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        var report = await Host.GetAsync<JsonElement>($"/api/v1/fallback/reconciliation?plant=PA01&from={Uri.EscapeDataString(occurred.AddSeconds(-1).ToString("O"))}&to={Uri.EscapeDataString(occurred.AddSeconds(1).ToString("O"))}");
        var byId = report.GetProperty("entries").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("status").GetString());
        Assert.Equal("difference-applied", byId[issue]);
        Assert.Equal("conflicting", byId[yieldEntry]);
        Assert.Equal("unmatched", byId[lonely]);
        Assert.True(report.GetProperty("counts").GetProperty("conflicting").GetInt32() >= 1);
        Assert.True(report.GetProperty("counts").GetProperty("unmatched").GetInt32() >= 1);
    }

    private async Task<decimal> StockAsync(string item) =>
        (await Tables.QueryAsync<long>(Host.Store, "SELECT COALESCE(SUM(quantity_e6), 0) FROM inventory_movement WHERE plant = 'PA01' AND item = @item", new { item }))[0] / 1_000_000m;

    [Fact]
    public async Task bad_records_are_refused_with_the_field_and_rule_and_change_nothing()
    {
        var order = await OrderAsync(2);
        var at = Now.AddMinutes(-5);
        const string Reason = "MES PA01 down";
        var before = await Host.SettledSnapshotAsync();
        (object Body, string Field, string Rule)[] cases =
        [
            (new { kind = "move", order = order.Number, quantity = 1, occurredAt = at, reason = Reason }, "/kind", "fallback.kind-unknown"),
            (new { kind = "yield", quantity = 1, occurredAt = at, reason = Reason }, "/order", "field.required"),
            (new { kind = "yield", order = order.Number, quantity = 1, reason = Reason }, "/occurredAt", "field.required"),
            (new { kind = "yield", order = order.Number, quantity = 1, occurredAt = Now.AddHours(1), reason = Reason }, "/occurredAt", "fallback.occurred-in-future"),
            (new { kind = "yield", order = order.Number, quantity = 1, occurredAt = at, windowMinutes = 0, reason = Reason }, "/windowMinutes", "fallback.window-range"),
            (new { kind = "yield", order = order.Number, quantity = 1, occurredAt = at }, "/reason", "field.required"),
            (new { kind = "yield", order = "PA01-NOPE", quantity = 1, occurredAt = at, reason = Reason }, "/order", "order.unknown"),
            (new { kind = "yield", order = order.Number, occurredAt = at, reason = Reason }, "/quantity", "field.required"),
            (new { kind = "yield", order = order.Number, quantity = -2, occurredAt = at, reason = Reason }, "/quantity", "quantity.positive"),
            (new { kind = "issue", order = order.Number, quantity = 1, occurredAt = at, reason = Reason }, "/item", "field.required"),
            (new { kind = "issue", order = order.Number, item = order.Item, quantity = 1, occurredAt = at, reason = Reason }, "/item", "order.component-unknown"),
            (new { kind = "issue", order = order.Number, item = order.Components[0].Item, quantity = 1, unit = "XXX", occurredAt = at, reason = Reason }, "/unit", "unit.unknown"),
            (new { kind = "confirm", order = order.Number, good = 1, occurredAt = at, reason = Reason }, "/operation", "field.required"),
            (new { kind = "confirm", order = order.Number, operation = "9999", good = 1, occurredAt = at, reason = Reason }, "/operation", "order.operation-unknown"),
            (new { kind = "confirm", order = order.Number, operation = order.Operations[0].Operation, occurredAt = at, reason = Reason }, "", "confirmation.empty"),
        ];
        foreach (var (body, field, rule) in cases)
        {
            using var response = await Host.PostJsonAsync("/api/v1/fallback/entries", body);
            var problem = await Problems.AssertAsync(response, HttpStatusCode.UnprocessableEntity, field, rule);
            Assert.Equal(422, problem.GetProperty("status").GetInt32());
        }

        (await Host.SettledSnapshotAsync()).AssertUnchanged(before);
    }

    [Fact]
    public async Task a_record_sent_twice_with_the_same_idempotency_key_is_recorded_once()
    {
        var order = await OrderAsync(3);
        var body = new { kind = "yield", order = order.Number, quantity = 1, occurredAt = Now.AddMinutes(-1), reason = "MES PA01 down" };
        var key = Guid.NewGuid().ToString();
        var answers = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/fallback/entries") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await Host.Http.SendAsync(request, Ct);
            answers.Add((await OkAsync(response, HttpStatusCode.Created)).GetProperty("entry").GetProperty("id").GetString()!);
        }

        Assert.Equal(answers[0], answers[1]);
        Assert.Equal(1, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM production_fallback_entry WHERE order_number = @order", new { order = order.Number }));
        Assert.Equal(order.Yield + 1m, (await Host.OrderAsync(order.Number)).Yield);
    }
}

public sealed class FallbackOnSqlite(OperationsSqliteHost fixture) : FallbackContract<OperationsSqliteHost>(fixture);

public sealed class FallbackOnPostgres(OperationsPostgresHost fixture) : FallbackContract<OperationsPostgresHost>(fixture);
