using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Testing;
using Xunit;
using static Takt.Inventory.Tests.Inventory;

namespace Takt.Inventory.Tests;

/// <summary>
/// A WMS snapshot is compared with Takt's stock at the snapshot's time: in-flight movements explain timing
/// differences, exactly the injected differences become discrepancies with value, routed through the
/// stock-adjustment approval standard (below the threshold it approves itself and the correction posts).
/// </summary>
public abstract class ReconciliationContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task a_snapshot_with_injected_differences_yields_exactly_those_discrepancies()
    {
        var r = await LocationsAsync(Host, "PB01", "R", 3);
        await PostOkAsync(Host, "PB01",
            Line("receipt", "RM-3001", 100m, r[0], "A"), Line("receipt", "RM-3002", 50m, r[1]), Line("receipt", "FG-1000", 20m, r[2], "X"), Line("receipt", "RM-3004", 12m, r[2], unit: "LTR"));
        var date = PlantCalendar.PostingDate("PB01", Host.Settings.Clock.GetUtcNow()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        using (var reserved = await Host.PostJsonAsync("/api/v1/reservations", new { plant = "PB01", item = "FG-1000", quantity = Qty(5m), kind = "outbound-delivery", reference = "DLV-R", requirementDate = date }))
        {
            var id = (await TaktHost.JsonAsync(reserved)).GetProperty("id").GetString();
            using var allocated = await Host.PostJsonAsync($"/api/v1/reservations/{id}/allocations", new { });
            Assert.Equal(HttpStatusCode.Created, allocated.StatusCode);
        }

        // The WMS moved 10 RM-3002 to r0 in task T1, whose first confirmation Takt has not received: parked.
        await SendAsync(Moved("t1-2", "T1", 2, "RM-3002", "", r[1], r[0], 10m));
        var takenAt = Host.Settings.Clock.GetUtcNow();
        await Task.Delay(5, Ct);
        // The WMS moved 5 RM-3001 before its snapshot; Takt receives the confirmation after it.
        await SendAsync(Moved("t2-1", "T2", 1, "RM-3001", "A", r[0], r[1], 5m));

        var lines = new List<object>
        {
            new { item = "RM-3001", location = r[0], lot = "A", quantity = 93m }, // 95 expected: 2 missing (injected)
            new { item = "RM-3001", location = r[1], lot = "A", quantity = 5m },
            new { item = "RM-3002", location = r[0], lot = "", quantity = 10m },
            new { item = "RM-3002", location = r[1], lot = "", quantity = 40m },
            new { item = "FG-1000", location = r[2], lot = "X", quantity = 17m }, // 3 of the open pick done, not yet confirmed
            new { item = "RM-3003", location = r[1], lot = "", quantity = 7m }, // Takt has none there (injected)
            // RM-3004 at r2 (12 LTR in Takt) is missing from the snapshot (injected)
        };
        using var response = await Host.PostJsonAsync("/api/v1/inventory/reconciliations", new { plant = "PB01", takenAt, lines });
        var result = await TaktHost.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Created, result.ToString());
        Assert.Equal(6, result.GetProperty("lines").GetInt32());
        Assert.Equal(4, result.GetProperty("timing").GetInt32());
        var found = result.GetProperty("details").EnumerateArray()
            .Select(d => (d.GetProperty("item").GetString(), d.GetProperty("location").GetString(), d.GetProperty("difference").GetDecimal(), d.GetProperty("value").GetDecimal()))
            .ToList();
        // PB01 standard costs: RM-3001 38.40, RM-3003 4.10, RM-3004 3.35 EUR.
        Assert.Equal([("RM-3001", r[0], -2m, -76.80m), ("RM-3003", r[1], 7m, 28.70m), ("RM-3004", r[2], -12m, -40.20m)], found);
        Assert.Equal(145.70m, result.GetProperty("discrepancyValue").GetDecimal());
        Assert.Equal(3, await CountAsync(Host, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.inventory.stock-adjustment-requested.v1' AND data LIKE '%wms-reconciliation%'"));

        // Below PB01's approval threshold the standard flow approves each correction itself: Takt then holds what the WMS holds.
        await WaitAsync(async () => await CountAsync(Host, "SELECT COUNT(*) FROM inventory_discrepancy WHERE status = 'adjusted'") == 3, "the corrections");
        var bins = (await Host.GetAsync<List<Bin>>("/api/v1/stock/bins?plant=PB01")).Where(b => r.Contains(b.Location)).ToDictionary(b => (b.Item, b.Location, b.Lot), b => b.Quantity);
        Assert.Equal(93m, bins[("RM-3001", r[0], "A")]);
        Assert.Equal(7m, bins[("RM-3003", r[1], "")]);
        Assert.False(bins.ContainsKey(("RM-3004", r[2], "")));
    }

    [Fact]
    public async Task a_bad_snapshot_names_the_field_and_changes_nothing()
    {
        var before = await Host.SettledSnapshotAsync();
        var now = Host.Settings.Clock.GetUtcNow();
        (string Field, string Rule, HttpStatusCode Status, object Body)[] cases =
        [
            ("/takenAt", "snapshot.time-required", HttpStatusCode.BadRequest, new { plant = "PB01", lines = Array.Empty<object>() }),
            ("/takenAt", "snapshot.time-future", HttpStatusCode.UnprocessableEntity, new { plant = "PB01", takenAt = now.AddHours(1), lines = Array.Empty<object>() }),
            ("/lines/1", "snapshot.line-duplicate", HttpStatusCode.UnprocessableEntity, new { plant = "PB01", takenAt = now, lines = new[] { new { item = "RM-3001", location = "A-01", lot = "", quantity = 1m }, new { item = "RM-3001", location = "A-01", lot = "", quantity = 2m } } }),
            ("/lines/0/quantity", "quantity.non-negative", HttpStatusCode.UnprocessableEntity, new { plant = "PB01", takenAt = now, lines = new[] { new { item = "RM-3001", location = "A-01", lot = "", quantity = -1m } } }),
            ("/plant", "plant.unknown", HttpStatusCode.UnprocessableEntity, new { plant = "XX01", takenAt = now, lines = Array.Empty<object>() }),
        ];
        foreach (var (field, rule, status, body) in cases)
        {
            using var response = await Host.PostJsonAsync("/api/v1/inventory/reconciliations", body);
            await Problems.AssertAsync(response, status, field, rule);
        }

        before.AssertUnchanged(await Host.SettledSnapshotAsync());
    }

    private static JsonObject Moved(string id, string task, int sequence, string item, string lot, string from, string to, decimal quantity) =>
        Events.Envelope("takt.inventory.wms-moved.v1", new JsonObject
        {
            ["plant"] = "PB01", ["task"] = task, ["sequence"] = sequence, ["item"] = item, ["lot"] = lot.Length == 0 ? null : lot, ["fromLocation"] = from, ["toLocation"] = to, ["quantity"] = Events.Quantity(quantity, "H87"),
        }, id: id, source: "/wms/test");

    private async Task SendAsync(JsonObject e)
    {
        using var response = await Host.PostStructuredAsync(e);
        Assert.True(response.IsSuccessStatusCode, (await TaktHost.JsonAsync(response)).ToString());
    }

    internal static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await done())
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(2))
                throw new TimeoutException($"Still waiting for {what}.");
            await Task.Delay(50, Ct);
        }
    }
}

public sealed class ReconciliationOnSqlite(SqliteHost fixture) : ReconciliationContract<SqliteHost>(fixture);

public sealed class ReconciliationOnPostgres(PostgresHost fixture) : ReconciliationContract<PostgresHost>(fixture);
