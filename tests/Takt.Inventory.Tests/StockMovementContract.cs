using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Testing;
using Xunit;
using static Takt.Inventory.Tests.Inventory;

namespace Takt.Inventory.Tests;

/// <summary>
/// Each movement type changes stock by location, lot and status and posts per DESIGN §3 in the same transaction;
/// negative stock is refused per plant; bad input changes nothing; stock as of a date replays the movements.
/// </summary>
public abstract class StockMovementContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task each_movement_type_moves_stock_and_posts_its_journal_entry_at_standard_cost()
    {
        var (a, b) = await TwoLocationsAsync("MV");
        // RM-3001 costs 38.40 EUR at PA01 (demo data).
        var receipt = await PostOkAsync(Host, "PA01", Line("receipt", "RM-3001", 100m, a, "L1"));
        Assert.Equal([("140000", 3840m, 0m), ("191000", 0m, 3840m)], await JournalAsync(Host, receipt.GetProperty("journalEntry").GetString()!));
        Assert.Equal(100m, (await BinsAsync(Host, "PA01", "RM-3001"))[(a, "L1", "unrestricted")]);

        var transfer = await PostOkAsync(Host, "PA01", Line("transfer", "RM-3001", 30m, a, "L1", toLocation: b));
        Assert.False(transfer.TryGetProperty("journalEntry", out _));
        Assert.Equal(2, transfer.GetProperty("movements").GetArrayLength());

        var statusChange = await PostOkAsync(Host, "PA01", Line("status-change", "RM-3001", 10m, b, "L1", toStatus: "blocked"));
        Assert.False(statusChange.TryGetProperty("journalEntry", out _));

        var issue = await PostOkAsync(Host, "PA01", Line("issue", "RM-3001", 20m, a, "L1"));
        Assert.Equal([("540000", 768m, 0m), ("140000", 0m, 768m)], await JournalAsync(Host, issue.GetProperty("journalEntry").GetString()!));

        var returned = await PostOkAsync(Host, "PA01", Line("return", "RM-3001", 5m, a, "L1"));
        Assert.Equal([("140000", 192m, 0m), ("540000", 0m, 192m)], await JournalAsync(Host, returned.GetProperty("journalEntry").GetString()!));

        var loss = await PostOkAsync(Host, "PA01", Line("adjustment", "RM-3001", -3m, a, "L1"));
        Assert.Equal([("550000", 115.2m, 0m), ("140000", 0m, 115.2m)], await JournalAsync(Host, loss.GetProperty("journalEntry").GetString()!));
        var gain = await PostOkAsync(Host, "PA01", Line("adjustment", "RM-3001", 2m, b, "L1"));
        Assert.Equal([("140000", 76.8m, 0m), ("550000", 0m, 76.8m)], await JournalAsync(Host, gain.GetProperty("journalEntry").GetString()!));

        var bins = await BinsAsync(Host, "PA01", "RM-3001");
        Assert.Equal(100m - 30m - 20m + 5m - 3m, bins[(a, "L1", "unrestricted")]);
        Assert.Equal(30m - 10m + 2m, bins[(b, "L1", "unrestricted")]);
        Assert.Equal(10m, bins[(b, "L1", "blocked")]);
        var movements = await Host.GetAsync<List<Movement>>("/api/v1/stock/movements?plant=PA01&item=RM-3001");
        Assert.Equal(
            ["goods-receipt", "stock-transfer", "stock-transfer", "stock-status-change", "stock-status-change", "goods-issue", "goods-return", "stock-adjustment-loss", "stock-adjustment-gain"],
            movements.Where(m => m.Location == a || m.Location == b).Select(m => m.MovementType));
        // The movement, its entry, its process-log event and its outbox events are one commit.
        var issued = movements.Single(m => m.JournalEntry == issue.GetProperty("journalEntry").GetString());
        Assert.Equal(1, await CountAsync(Host, "SELECT COUNT(*) FROM intel_event WHERE source_id = @id", new { id = issued.SourceEventId }));
        Assert.Equal(1, await CountAsync(Host, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.inventory.stock-moved.v1' AND data LIKE @id", new { id = "%" + issued.Id + "%" }));
    }

    [Fact]
    public async Task negative_stock_is_refused_with_the_line_and_rule_and_nothing_changes_unless_the_plant_allows_it()
    {
        var (a, _) = await TwoLocationsAsync("NG");
        await PostOkAsync(Host, "PA01", Line("receipt", "RM-3002", 10m, a));
        var before = await Host.SettledSnapshotAsync();
        using (var refused = await PostAsync(Host, "PA01", Line("receipt", "RM-3002", 1m, a), Line("issue", "RM-3002", 12m, a)))
            await Problems.AssertAsync(refused, HttpStatusCode.UnprocessableEntity, "/lines/1/quantity", "stock.negative");
        before.AssertUnchanged(await Host.SettledSnapshotAsync());

        var (pb, _) = await TwoLocationsAsync("NG", "PB01");
        using (var allow = await Host.Http.PutAsJsonAsync("/api/v1/inventory/plants/PB01/settings", new { allowNegativeStock = true, adjustmentApprovalThreshold = 5000m, stagingLocation = "PSA" }, Ct))
            Assert.Equal(HttpStatusCode.OK, allow.StatusCode);
        await PostOkAsync(Host, "PB01", Line("issue", "RM-3002", 4m, pb));
        Assert.Equal(-4m, (await BinsAsync(Host, "PB01", "RM-3002"))[(pb, "", "unrestricted")]);
    }

    [Fact]
    public async Task bad_input_names_the_field_and_the_rule_and_changes_nothing()
    {
        var (a, b) = await TwoLocationsAsync("BAD");
        var before = await Host.SettledSnapshotAsync();
        (string Field, string Rule, HttpStatusCode Status, object Body)[] cases =
        [
            ("/plant", "plant.required", HttpStatusCode.BadRequest, new { lines = new[] { Line("receipt", "RM-3001", 1m, a) } }),
            ("/lines", "movement.lines-required", HttpStatusCode.BadRequest, new { plant = "PA01", lines = Array.Empty<object>() }),
            ("/lines/0/quantity/value", "quantity.positive", HttpStatusCode.UnprocessableEntity, new { plant = "PA01", lines = new[] { Line("receipt", "RM-3001", 0m, a) } }),
            ("/lines/0/kind", "movement.kind-unknown", HttpStatusCode.UnprocessableEntity, new { plant = "PA01", lines = new[] { Line("teleport", "RM-3001", 1m, a) } }),
            ("/lines/0/item", "item.unknown", HttpStatusCode.UnprocessableEntity, new { plant = "PA01", lines = new[] { Line("receipt", "NOPE", 1m, a) } }),
            ("/plant", "plant.unknown", HttpStatusCode.UnprocessableEntity, new { plant = "XX99", lines = new[] { Line("receipt", "RM-3001", 1m, a) } }),
            ("/lines/0/location", "location.unknown", HttpStatusCode.UnprocessableEntity, new { plant = "PA01", lines = new[] { Line("receipt", "RM-3001", 1m, "NOWHERE") } }),
            ("/lines/0/status", "stock.status-unknown", HttpStatusCode.UnprocessableEntity, new { plant = "PA01", lines = new[] { Line("receipt", "RM-3001", 1m, a, status: "lost") } }),
            ("/lines/0/quantity/unit", "quantity.unit-not-convertible", HttpStatusCode.UnprocessableEntity, new { plant = "PA01", lines = new[] { Line("receipt", "RM-3001", 1m, a, unit: "KGM") } }),
            ("/lines/0/toStatus", "movement.status-unchanged", HttpStatusCode.UnprocessableEntity, new { plant = "PA01", lines = new[] { Line("status-change", "RM-3001", 1m, a) } }),
            ("/lines/0/toStatus", "movement.transfer-keeps-status", HttpStatusCode.UnprocessableEntity, new { plant = "PA01", lines = new[] { Line("transfer", "RM-3001", 1m, a, toLocation: b, toStatus: "blocked") } }),
            ("/lines/0/toLocation", "movement.no-change", HttpStatusCode.UnprocessableEntity, new { plant = "PA01", lines = new[] { Line("transfer", "RM-3001", 1m, a, toLocation: a) } }),
            ("/postingDate", "period.closed", HttpStatusCode.UnprocessableEntity, new { plant = "PA01", postingDate = "2020-01-15", lines = new[] { Line("receipt", "RM-3001", 1m, a) } }),
        ];
        foreach (var (field, rule, status, body) in cases)
        {
            using var response = await Host.PostJsonAsync("/api/v1/stock/movements", body);
            await Problems.AssertAsync(response, status, field, rule);
        }

        before.AssertUnchanged(await Host.SettledSnapshotAsync());
    }

    [Fact]
    public async Task stock_as_of_a_date_equals_replaying_the_movements_posted_up_to_it()
    {
        var (a, b) = await TwoLocationsAsync("ASOF");
        var today = DateOnly.FromDateTime(Host.Settings.Clock.GetUtcNow().UtcDateTime);
        var days = new[] { today.AddDays(-3), today.AddDays(-2), today.AddDays(-1), today };
        // A random but repeatable history over four posting dates (all within the open periods of the demo).
        var random = new Random(7);
        foreach (var day in days)
        {
            await PostDatedOkAsync(day, Line("receipt", "RM-3003", random.Next(50, 100), a, "L1"));
            await PostDatedOkAsync(day, Line("transfer", "RM-3003", random.Next(1, 20), a, "L1", toLocation: b));
            await PostDatedOkAsync(day, Line("status-change", "RM-3003", random.Next(1, 5), b, "L1", toStatus: "quality-inspection"));
            await PostDatedOkAsync(day, Line("issue", "RM-3003", random.Next(1, 10), a, "L1"));
        }

        var movements = await Host.GetAsync<List<Movement>>("/api/v1/stock/movements?plant=PA01&item=RM-3003&limit=100000");
        foreach (var day in days)
        {
            var replayed = movements.Where(m => m.PostingDate <= day)
                .GroupBy(m => (m.Location, m.Lot, m.Status))
                .Select(g => (g.Key, Quantity: g.Sum(m => m.Quantity)))
                .Where(g => g.Quantity != 0)
                .ToDictionary(g => g.Key, g => g.Quantity);
            Assert.Equal(replayed.OrderBy(p => p.Key.ToString()), (await BinsAsync(Host, "PA01", "RM-3003", day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))).OrderBy(p => p.Key.ToString()));
        }

        Assert.NotEqual(await BinsAsync(Host, "PA01", "RM-3003", days[0].ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), await BinsAsync(Host, "PA01", "RM-3003"));
        Assert.Equal(
            (await BinsAsync(Host, "PA01", "RM-3003", today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))).OrderBy(p => p.Key.ToString()),
            (await BinsAsync(Host, "PA01", "RM-3003")).OrderBy(p => p.Key.ToString()));
    }

    private async Task PostDatedOkAsync(DateOnly day, object line)
    {
        using var response = await PostDatedAsync(Host, "PA01", day, line);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
    }

    private async Task<(string A, string B)> TwoLocationsAsync(string prefix, string plant = "PA01")
    {
        var codes = await LocationsAsync(Host, plant, prefix, 2);
        return (codes[0], codes[1]);
    }
}

public sealed class StockMovementOnSqlite(SqliteHost fixture) : StockMovementContract<SqliteHost>(fixture);

public sealed class StockMovementOnPostgres(PostgresHost fixture) : StockMovementContract<PostgresHost>(fixture);
