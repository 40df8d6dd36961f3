using System.Net;
using System.Text.Json;
using Takt.Testing;
using Xunit;
using static Takt.Inventory.Tests.Inventory;

namespace Takt.Inventory.Tests;

/// <summary>Reservations and allocations: availability = on hand − reserved − blocked, per date; never over-promised.</summary>
public abstract class ReservationContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task concurrent_reservations_never_promise_more_than_the_unrestricted_stock()
    {
        // FG-1000 has no opening stock at PB01: exactly what is received here is there.
        var location = (await LocationsAsync(Host, "PB01", "CR", 1))[0];
        await PostOkAsync(Host, "PB01", Line("receipt", "FG-1000", 100m, location), Line("receipt", "FG-1000", 10m, location, status: "blocked"));
        // Plant B's date: between 23:00 and 24:00 UTC it is already tomorrow in Brno.
        var date = PlantCalendar.PostingDate("PB01", Host.Settings.Clock.GetUtcNow()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        // 24 clients ask for 7 pieces each at once: 14 fit into 100 (98), the other 10 are refused.
        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
        {
            using var response = await Host.PostJsonAsync("/api/v1/reservations", new { plant = "PB01", item = "FG-1000", quantity = Qty(7m), kind = "outbound-delivery", reference = $"DLV-{i:000}", requirementDate = date });
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        }, Ct)));
        Assert.Equal(14, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
            Assert.Contains("reservation.insufficient-stock", r.Body, StringComparison.Ordinal);
        });
        Assert.Equal(98_000_000, await CountAsync(Host, "SELECT CAST(SUM(quantity_e6) AS bigint) FROM inventory_reservation WHERE plant = 'PB01' AND item = 'FG-1000' AND status = 'open'"));

        var availability = await Host.GetAsync<JsonElement>($"/api/v1/stock/availability?plant=PB01&item=FG-1000&date={date}");
        Assert.Equal(110m, availability.GetProperty("onHand").GetDecimal());
        Assert.Equal(10m, availability.GetProperty("blocked").GetDecimal());
        Assert.Equal(98m, availability.GetProperty("reserved").GetDecimal());
        Assert.Equal(2m, availability.GetProperty("available").GetDecimal());
    }

    [Fact]
    public async Task allocations_assign_reserved_stock_to_lots_oldest_first_and_instruct_the_wms()
    {
        var codes = await LocationsAsync(Host, "PA01", "AL", 2);
        await PostOkAsync(Host, "PA01", Line("receipt", "SF-2000", 6m, codes[1], "L2026-10"), Line("receipt", "SF-2000", 10m, codes[0], "L2026-11"));
        // Plant A's dates: between 23:00 and 24:00 UTC it is already tomorrow in Augsburg.
        var today = PlantCalendar.PostingDate("PA01", Host.Settings.Clock.GetUtcNow());
        var date = today.AddDays(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        using var reserved = await Host.PostJsonAsync("/api/v1/reservations", new { plant = "PA01", item = "SF-2000", quantity = Qty(9m), kind = "production-order", reference = "PA01-100001", requirementDate = date });
        Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
        var id = (await TaktHost.JsonAsync(reserved)).GetProperty("id").GetString();

        // Availability per date: before the requirement date the reservation does not count yet.
        var before = await Host.GetAsync<JsonElement>($"/api/v1/stock/availability?plant=PA01&item=SF-2000&date={today:yyyy-MM-dd}");
        var on = await Host.GetAsync<JsonElement>($"/api/v1/stock/availability?plant=PA01&item=SF-2000&date={date}");
        Assert.Equal(before.GetProperty("available").GetDecimal() - 9m, on.GetProperty("available").GetDecimal());

        using var allocated = await Host.PostJsonAsync($"/api/v1/reservations/{id}/allocations", new { });
        var body = await TaktHost.JsonAsync(allocated);
        Assert.Equal(HttpStatusCode.Created, allocated.StatusCode);
        var allocations = body.GetProperty("allocations").EnumerateArray().Select(a => (a.GetProperty("location").GetString(), a.GetProperty("lot").GetString(), a.GetProperty("quantity").GetDecimal())).OrderBy(a => a.Item2, StringComparer.Ordinal).ToList();
        Assert.Equal([(codes[1], "L2026-10", 6m), (codes[0], "L2026-11", 3m)], allocations);
        Assert.Equal(2, await CountAsync(Host, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.inventory.pick-instructed.v1' AND data LIKE @r", new { r = "%" + id + "%" }));

        using (var more = await Host.PostJsonAsync($"/api/v1/reservations/{id}/allocations", new { }))
            await Problems.AssertAsync(more, HttpStatusCode.UnprocessableEntity, "/quantity", "allocation.exceeds-reservation");
        var first = body.GetProperty("allocations").EnumerateArray().Single(a => a.GetProperty("lot").GetString() == "L2026-11").GetProperty("id").GetString();
        using (var tooMuch = await Host.PostJsonAsync($"/api/v1/allocations/{first}/change", new { quantity = Qty(4m) }))
            await Problems.AssertAsync(tooMuch, HttpStatusCode.UnprocessableEntity, "/quantity", "allocation.exceeds-reservation");
        using (var changed = await Host.PostJsonAsync($"/api/v1/allocations/{first}/change", new { quantity = Qty(2m) }))
            Assert.Equal(2, (await TaktHost.JsonAsync(changed)).GetProperty("version").GetInt32());
        using (var cancelled = await Host.PostJsonAsync($"/api/v1/reservations/{id}/cancel", new { }))
            Assert.Equal("cancelled", (await TaktHost.JsonAsync(cancelled)).GetProperty("status").GetString());
        Assert.Equal(1, await CountAsync(Host, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.inventory.pick-changed.v1' AND subject = @a", new { a = first }));
        Assert.Equal(2, await CountAsync(Host, "SELECT COUNT(*) FROM store_outbox_message WHERE type = 'takt.inventory.pick-cancelled.v1' AND data LIKE @r", new { r = "%" + id + "%" }));
        using (var unknown = await Host.PostJsonAsync("/api/v1/reservations/RS-nope/allocations", new { }))
            await Problems.AssertAsync(unknown, HttpStatusCode.NotFound, "/id", "reservation.unknown");
    }
}

public sealed class ReservationOnSqlite(SqliteHost fixture) : ReservationContract<SqliteHost>(fixture);

public sealed class ReservationOnPostgres(PostgresHost fixture) : ReservationContract<PostgresHost>(fixture);
