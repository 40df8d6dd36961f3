using System.Net;
using System.Text.Json;
using Takt.Testing;
using Xunit;
using static Takt.Inventory.Tests.Inventory;

namespace Takt.Inventory.Tests;

/// <summary>Cycle counts: within tolerance the difference posts; above the value threshold it waits for the approval flow.</summary>
public abstract class CountContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task a_count_within_tolerance_posts_and_one_above_the_threshold_waits_for_approval()
    {
        var location = (await LocationsAsync(Host, "PA01", "CT", 1))[0];
        await PostOkAsync(Host, "PA01", Line("receipt", "RM-3001", 100m, location), Line("receipt", "FG-1000", 10m, location, "F1"), Line("receipt", "RM-3005", 1000m, location, unit: "KGM"));
        using var created = await Host.PostJsonAsync("/api/v1/inventory/counts", new { plant = "PA01", location });
        var count = await TaktHost.JsonAsync(created);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = count.GetProperty("id").GetString();
        var lines = count.GetProperty("lines").EnumerateArray().ToDictionary(l => l.GetProperty("item").GetString()!, l => l.GetProperty("line").GetInt32());
        Assert.Equal(["FG-1000", "RM-3001", "RM-3005"], lines.Keys.Order(StringComparer.Ordinal));

        using var counted = await Host.PostJsonAsync($"/api/v1/inventory/counts/{id}/results", new
        {
            lines = new object[]
            {
                new { line = lines["RM-3001"], quantity = Qty(99m) }, // −1: within RAW's 2 % tolerance, posts
                new { line = lines["FG-1000"], quantity = Qty(30m) }, // +20 × 138.90 = 2,778 EUR, above PA01's 2,500: waits
                new { line = lines["RM-3005"], quantity = Qty(1000m, "KGM") },
            },
        });
        var result = await TaktHost.JsonAsync(counted);
        Assert.True(counted.StatusCode == HttpStatusCode.OK, result.ToString());
        var status = result.GetProperty("lines").EnumerateArray().ToDictionary(l => l.GetProperty("item").GetString()!, l => l.GetProperty("status").GetString());
        Assert.Equal("posted", status["RM-3001"]);
        Assert.Equal("awaiting-approval", status["FG-1000"]);
        Assert.Equal("no-difference", status["RM-3005"]);
        var bins = await BinsAsync(Host, "PA01", "RM-3001");
        Assert.Equal(99m, bins[(location, "", "unrestricted")]);
        Assert.Equal(10m, (await BinsAsync(Host, "PA01", "FG-1000"))[(location, "F1", "unrestricted")]);

        var accuracy = (await Host.GetAsync<JsonElement>("/api/v1/kpis/inventory-accuracy?plant=PA01"))[0];
        Assert.Equal((3, 2), (accuracy.GetProperty("countedLines").GetInt32(), accuracy.GetProperty("withinTolerance").GetInt32()));
        Assert.Equal(0.6667, accuracy.GetProperty("accuracy").GetDouble());
        // By the time counted (the KPI's monthly trend asks per month): the three lines were counted just now.
        var now = TimeProvider.System.GetUtcNow();
        var counted3 = Assert.Single(await Takt.Inventory.Counts.InventoryKpis.AccuracyAsync(Host.Store, "PA01", TestContext.Current.CancellationToken, now.AddDays(-1), now.AddDays(1)));
        Assert.Equal((3L, 2L), (counted3.CountedLines, counted3.WithinTolerance));
        Assert.Empty(await Takt.Inventory.Counts.InventoryKpis.AccuracyAsync(Host.Store, "PA01", TestContext.Current.CancellationToken, now.AddDays(1), null));

        // PA01 counts twice: the warehouse lead recounts, then the inventory controller and the plant controller approve.
        await ActAsync("marta.wh", "complete");
        Assert.Equal(10m, (await BinsAsync(Host, "PA01", "FG-1000"))[(location, "F1", "unrestricted")]);
        await ActAsync("nils.inv", "approve");
        await ActAsync("bernd.controller", "approve");
        await ReconciliationContract<TFixture>.WaitAsync(async () => (await BinsAsync(Host, "PA01", "FG-1000"))[(location, "F1", "unrestricted")] == 30m, "the approved adjustment");
        var after = await Host.GetAsync<JsonElement>($"/api/v1/inventory/counts/{id}");
        Assert.Equal("posted", after.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("item").GetString() == "FG-1000").GetProperty("status").GetString());

        using (var again = await Host.PostJsonAsync($"/api/v1/inventory/counts/{id}/results", new { lines = new[] { new { line = lines["RM-3001"], quantity = Qty(98m) } } }))
            await Problems.AssertAsync(again, HttpStatusCode.UnprocessableEntity, "/lines/0/line", "count.line-counted");
        using (var neither = await Host.PostJsonAsync("/api/v1/inventory/counts", new { plant = "PA01" }))
            await Problems.AssertAsync(neither, HttpStatusCode.BadRequest, "/location", "count.selection-required");
    }

    private async Task ActAsync(string user, string verb)
    {
        JsonElement task = default;
        await ReconciliationContract<TFixture>.WaitAsync(async () =>
        {
            var inbox = await Host.GetAsync<JsonElement>($"/api/v1/tasks/?user={user}&plant=PA01");
            var open = inbox.EnumerateArray().Where(t => t.GetProperty("flow").GetString() == "stock-adjustment-approval" && t.GetProperty("status").GetString() == "open").ToList();
            if (open.Count == 0)
                return false;
            task = open[0];
            return true;
        }, $"a task for {user}");
        using var response = await Host.PostJsonAsync($"/api/v1/tasks/{task.GetProperty("id").GetString()}/{verb}", new { actor = user, comment = "Counted again: 30." });
        Assert.True(response.IsSuccessStatusCode, (await TaktHost.JsonAsync(response)).ToString());
    }
}

public sealed class CountOnSqlite(SqliteHost fixture) : CountContract<SqliteHost>(fixture);

public sealed class CountOnPostgres(PostgresHost fixture) : CountContract<PostgresHost>(fixture);
