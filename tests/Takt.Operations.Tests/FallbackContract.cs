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
}

public sealed class FallbackOnSqlite(OperationsSqliteHost fixture) : FallbackContract<OperationsSqliteHost>(fixture);

public sealed class FallbackOnPostgres(OperationsPostgresHost fixture) : FallbackContract<OperationsPostgresHost>(fixture);
