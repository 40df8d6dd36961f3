using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Takt.Contracts;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Production.Tests;

/// <summary>
/// A server on a business clock fixed at Wednesday 2026-06-10 10:00 UTC (plant dates and capacity days never
/// depend on when the suite runs), with the demo data.
/// </summary>
public abstract class ProductionHost(string engine) : HostFixture(engine)
{
    public static readonly DateTimeOffset Now = new(2026, 6, 10, 10, 0, 0, TimeSpan.Zero);

    public static readonly DateOnly Today = new(2026, 6, 10);

    public FakeTimeProvider Clock { get; } = new(Now);

    protected override void Configure(ServerSettings settings) => settings.Clock = Clock;
}

public sealed class ProductionSqliteHost() : ProductionHost("sqlite");

public sealed class ProductionPostgresHost() : ProductionHost("postgres");

/// <summary>Calls and direct bookings the production tests share.</summary>
internal static class Bookings
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<HttpResponseMessage> PostAsync(TaktHost host, string path, object body) => await host.PostJsonAsync(path, body);

    public static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The first error of a problem: status, field, rule and detail.</summary>
    public static async Task<(HttpStatusCode Status, string Field, string Rule, string Detail, JsonElement Problem)> ProblemAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.False(response.IsSuccessStatusCode, $"expected a problem, got {(int)response.StatusCode}: {text}");
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        var error = problem.GetProperty("errors")[0];
        return (response.StatusCode, error.GetProperty("field").GetString()!, error.GetProperty("rule").GetString()!, error.GetProperty("detail").GetString()!, problem);
    }

    public static async Task ImportAsync(TaktHost host, MasterDataDocument document)
    {
        using var response = await host.PostJsonAsync("/api/v1/masterdata/import", document);
        await OkAsync(response);
    }

    /// <summary>Opening stock at standard, posted against the opening-balance account as the demo does.</summary>
    public static async Task StockAsync(TaktHost host, string plant, string item, decimal quantity, decimal cost, string itemClass, string unit)
    {
        var ledger = host.Service<ILedger>();
        var inventory = host.Service<IInventory>();
        await using var session = await host.Store.OpenSessionAsync(host.Service<TimeProvider>(), Ct);
        await using var tx = await session.BeginAsync(Ct);
        var rules = await ledger.LoadRulesAsync(tx, Ct);
        var value = new Money(cost * quantity, Currency.Eur).RoundToMinorUnits();
        var entry = ledger.Prepare(rules, new JournalEntryDraft("TK01", plant, Currency.Eur, ProductionHost.Today, "opening-stock",
            new PostingSource("takt.test.opening-stock", $"{plant}/{item}/{Guid.NewGuid()}", "/tests", ProductionHost.Now, "/postingDate"),
            [new PostingPair("initial-stock", itemClass, value, "/quantity", Item: item)]));
        Assert.False(entry.IsRejected, string.Join("; ", entry.Violations.Select(v => v.Detail)));
        var je = ledger.Stage(tx, entry.Value);
        inventory.Stage(tx, new StockMovementDraft("initial-stock", plant, item, new Quantity(quantity, UnitOfMeasure.Of(unit)), value, null, je, ProductionHost.Today, null));
        await tx.CommitAsync(Ct);
    }

    /// <summary>Every journal line of an order (or of the entries listed), in posting order, as (account, debit, credit).</summary>
    public static async Task<IReadOnlyList<(string Account, decimal Debit, decimal Credit)>> LinesAsync(TaktHost host, string sql, object args)
    {
        var rows = await Tables.QueryAsync<(string Account, long Debit, long Credit)>(host.Store, sql, args);
        return [.. rows.Select(r => (r.Account, r.Debit / 10_000m, r.Credit / 10_000m))];
    }

    public static Task<IReadOnlyList<(string Account, decimal Debit, decimal Credit)>> EntryLinesAsync(TaktHost host, string entry) =>
        LinesAsync(host, "SELECT account, debit_e4, credit_e4 FROM ledger_journal_line WHERE entry_id = @entry ORDER BY line_no", new { entry });

    public static async Task<decimal> WipAsync(TaktHost host, string order)
    {
        var balances = await host.Service<ILedger>().BalancesAsync(host.Store, order, Ct);
        return balances.Where(b => b.Account == "145000").Sum(b => b.Balance);
    }

    public static async Task<JsonElement> ActAsync(TaktHost host, string order, string action, object? body = null)
    {
        using var response = await host.PostJsonAsync($"/api/v1/production-orders/{order}/{action}", body ?? new { });
        return await OkAsync(response);
    }
}
