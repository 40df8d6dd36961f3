using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Takt.Testing;
using Xunit;

namespace Takt.Inventory.Tests;

/// <summary>Calls of the inventory API as a client makes them, and reads of what they wrote.</summary>
internal static class Inventory
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static object Qty(decimal value, string unit = "H87") => new { value, unit };

    public static object Line(string kind, string item, decimal quantity, string? location = null, string? lot = null, string? status = null, string? toLocation = null, string? toStatus = null, string unit = "H87", string? toLot = null) =>
        new { kind, item, quantity = Qty(quantity, unit), location, lot, status, toLocation, toLot, toStatus };

    public static Task<HttpResponseMessage> PostAsync(TaktHost host, string plant, params object[] lines) =>
        host.PostJsonAsync("/api/v1/stock/movements", new { plant, lines });

    public static Task<HttpResponseMessage> PostDatedAsync(TaktHost host, string plant, DateOnly postingDate, params object[] lines) =>
        host.PostJsonAsync("/api/v1/stock/movements", new { plant, postingDate = postingDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), lines });

    public static async Task<JsonElement> PostOkAsync(TaktHost host, string plant, params object[] lines)
    {
        using var response = await PostAsync(host, plant, lines);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Creates storage locations with codes unique to the calling test, and returns them.</summary>
    public static async Task<string[]> LocationsAsync(TaktHost host, string plant, string prefix, int count)
    {
        var codes = Enumerable.Range(1, count).Select(i => $"{prefix}-{i}").ToArray();
        foreach (var code in codes)
        {
            using var response = await host.Http.PutAsJsonAsync($"/api/v1/inventory/plants/{plant}/locations/{code}", new { name = "Test location " + code }, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        return codes;
    }

    public static async Task<Dictionary<(string Location, string Lot, string Status), decimal>> BinsAsync(TaktHost host, string plant, string item, string? asOf = null)
    {
        var bins = await host.GetAsync<List<Bin>>($"/api/v1/stock/bins?plant={plant}&item={item}" + (asOf is null ? "" : "&asOf=" + asOf));
        return bins.ToDictionary(b => (b.Location, b.Lot, b.Status), b => b.Quantity);
    }

    /// <summary>Journal lines of an entry as (account, debit, credit).</summary>
    public static async Task<List<(string Account, decimal Debit, decimal Credit)>> JournalAsync(TaktHost host, string entryId)
    {
        await using var connection = await host.Store.OpenConnectionAsync(Ct);
        var rows = await connection.QueryAsync<(string Account, long Debit, long Credit)>("SELECT account, debit_e4, credit_e4 FROM ledger_journal_line WHERE entry_id = @entryId ORDER BY line_no", new { entryId });
        return [.. rows.Select(r => (r.Account, r.Debit / 10_000m, r.Credit / 10_000m))];
    }

    public static async Task<long> CountAsync(TaktHost host, string sql, object? args = null)
    {
        await using var connection = await host.Store.OpenConnectionAsync(Ct);
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }

    public sealed record Bin(string Plant, string Item, string Location, string Lot, string Status, decimal Quantity, decimal Value);

    public sealed record Movement(string Id, string Document, string MovementType, string Plant, string Item, string Location, string Lot, string Status, decimal Quantity, string Unit, decimal Value, string Currency, string? Order, string? JournalEntry, DateOnly PostingDate, string? SourceEventId);
}
