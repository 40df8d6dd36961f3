using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Takt.Contracts;
using Takt.Orchestration;
using Takt.Payables.Invoices;
using Takt.Procurement;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Payables.Tests;

/// <summary>
/// A server with the demo data (suppliers, account determination of receipts and invoices, tax rates, the published
/// invoice-exception standard) whose business clock is a FakeTimeProvider and whose flow worker does not run: tests run
/// due flow work themselves. Invoices go through real HTTP; orders and receipts through procurement's interface.
/// </summary>
public abstract class MatchingHost(string engine) : HostFixture(engine)
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    protected override void Configure(ServerSettings settings)
    {
        settings.Clock = Clock;
        settings.Access.Clock = TimeProvider.System; // credentials stay on real time
        settings.Orchestration.RunWorker = false;
        settings.DemoInvoices = true; // as takt run: Plant A's demo invoices, matched and exceptions
        settings.Assist.ColdStartRows = 1_000; // the cold-start invoice model trained at start (smaller than takt run's, for time)
    }

    public DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public IProcurement Procurement => Host.Service<IProcurement>();

    /// <summary>A direct order of one line at Plant A (approved by policy at these values), received in part or whole.</summary>
    public async Task<PurchaseOrderView> OrderAsync(string supplier, string item, decimal quantity, decimal price, decimal received, string category = "direct", string plant = "PA01")
    {
        await using var session = await Host.Store.OpenSessionAsync(Clock, Ct);
        await using var tx = await session.BeginAsync(Ct);
        var order = (await Procurement.CreateDirectOrderAsync(tx, new DirectOrder(plant, supplier, category, "CC-4100", "FCA Augsburg", "anna.buyer",
            [new DirectOrderLine(item, quantity, "H87", price, Today.AddDays(10))]), Ct)).Ok();
        Assert.Equal("issued", order.Status);
        await tx.FlushAsync(Ct); // the receipt reads the order
        if (received > 0)
            (await Procurement.ReceiveAsync(tx, new ReceiveGoods(order.Number, 1, received, "H87", "wim.warehouse"), Ct)).Ok();
        await tx.CommitAsync(Ct);
        return order;
    }

    public async Task<GoodsReceiptView> ReceiveAsync(string order, decimal quantity, int line = 1)
    {
        await using var session = await Host.Store.OpenSessionAsync(Clock, Ct);
        await using var tx = await session.BeginAsync(Ct);
        var receipt = (await Procurement.ReceiveAsync(tx, new ReceiveGoods(order, line, quantity, "H87", "wim.warehouse"), Ct)).Ok();
        await tx.CommitAsync(Ct);
        return receipt;
    }

    public static (string Name, string Vat) Meier => ("Gießerei Meier GmbH", "DE811000100");

    public static (string Name, string Vat) Hridele => ("Hřídele Brno s.r.o.", "CZ26000200");

    public static string Number(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public SupplierInvoice Invoice(string? order, decimal quantity, decimal price, string item = "RM-3002", (string Name, string Vat)? supplier = null, bool creditNote = false, decimal tax = 19m, string? number = null) =>
        InvoiceSamples.ForOrder(number ?? Number(creditNote ? "CN" : "INV"), Today, order, [new InvoiceSamples.OrderLine(1, item, quantity, "H87", price)],
            (supplier ?? Meier).Name, (supplier ?? Meier).Vat, tax, creditNote, buyerReference: "CC-4100");

    /// <summary>POSTs the invoice's JSON form and answers the receipt (201 expected).</summary>
    public async Task<JsonElement> SendAsync(SupplierInvoice invoice, string plant = "PA01")
    {
        using var response = await Invoices.PostAsync(Host.Http, plant, JsonSerializer.SerializeToUtf8Bytes(invoice, InvoiceDocuments.Json), "application/json");
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public Task<JsonElement> MatchAsync(string invoice) => Host.GetAsync<JsonElement>($"/api/v1/payables/invoices/{invoice}/match");

    public sealed record Line(string Account, decimal Debit, decimal Credit);

    public async Task<IReadOnlyList<Line>> JournalLinesAsync(string entry)
    {
        var rows = await Tables.QueryAsync<(string Account, long Debit, long Credit)>(Host.Store,
            "SELECT account, debit_e4, credit_e4 FROM ledger_journal_line WHERE entry_id = @entry ORDER BY line_no", new { entry });
        return [.. rows.Select(r => new Line(r.Account, r.Debit / 10_000m, r.Credit / 10_000m))];
    }

    /// <summary>Lets the outbox reach every subscriber (flow triggers, re-matching) and runs the flows' due work.</summary>
    public async Task SettleAsync()
    {
        await Host.DrainOutboxAsync();
        var flows = Host.Service<IOrchestration>();
        await using var session = await Host.Store.OpenSessionAsync(Clock, Ct);
        while (await flows.RunDueAsync(session, 500, Ct) > 0)
        {
        }
    }

    /// <summary>The open task of the invoice-exception flow started for an invoice: its id and role.</summary>
    public async Task<(string Id, string Role)> ExceptionTaskAsync(string invoice) =>
        Assert.Single(await Tables.QueryAsync<(string, string)>(Host.Store,
            "SELECT t.id, t.role FROM orch_task t JOIN orch_instance i ON i.id = t.instance_id WHERE i.flow = 'invoice-exception-resolution' AND i.variables LIKE @pattern AND t.status = 'open'",
            new { pattern = $"%\"invoice\":\"{invoice}\"%" }));

    /// <summary>The roles of the open tasks of the invoice-exception flow started for an invoice.</summary>
    public async Task<IReadOnlyList<string>> ExceptionTaskRolesAsync(string invoice) =>
        await Tables.QueryAsync<string>(Host.Store,
            "SELECT t.role FROM orch_task t JOIN orch_instance i ON i.id = t.instance_id WHERE i.flow = 'invoice-exception-resolution' AND i.variables LIKE @pattern AND t.status = 'open' ORDER BY t.role",
            new { pattern = $"%\"invoice\":\"{invoice}\"%" });
}

public sealed class MatchingSqliteHost() : MatchingHost("sqlite");

public sealed class MatchingPostgresHost() : MatchingHost("postgres");

internal static class OutcomeAssertions
{
    public static T Ok<T>(this Outcome<T> outcome)
    {
        Assert.False(outcome.IsRejected, outcome.IsRejected ? string.Join("; ", outcome.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")) : "");
        return outcome.Value;
    }
}
