using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Takt.Integration.Access;
using Takt.Payables.Invoices;
using Takt.Procurement;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Intelligence.Tests;

/// <summary>A server on a fresh database whose business clock stands still at <see cref="Now"/> (credentials stay on real time).</summary>
public abstract class FrozenClockHost(string engine) : HostFixture(engine)
{
    /// <summary>Friday 20 November 2026, 12:00 UTC.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Now);

    protected override void Configure(ServerSettings settings)
    {
        settings.Clock = Clock;
        settings.Access.Clock = TimeProvider.System;
    }
}

public sealed class FrozenSqliteHost() : FrozenClockHost("sqlite");

public sealed class FrozenPostgresHost() : FrozenClockHost("postgres");

/// <summary>
/// KPIs of DESIGN §5 read through <c>GET /api/v1/kpis</c> on a small history built through the real API, each
/// against a value computed by hand (the arithmetic is in the comments): latency, schedule change cycle time,
/// invoice exception and touchless rates, integration failure frequency. Other KPIs have their hand-computed tests in
/// the module that owns their data: inventory accuracy 2 ÷ 3 (Takt.Inventory.Tests CountContract), approval
/// turnaround 96.5 h and standardized resolution rate 1 ÷ 2 (Takt.Orchestration.Tests TimerContract).
/// </summary>
public abstract class KpiByHandContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FrozenClockHost
{
    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    [Fact]
    public async Task integration_failure_frequency_is_rejected_and_failed_exchanges_per_thousand_by_client()
    {
        var mes = Host.HttpWith((await Host.RegisterClientAsync("hand-mes", [Scopes.EventsProductionWrite], ["PA01"])).ApiKey);
        async Task<HttpStatusCode> PostAsync(string order)
        {
            var body = Events.MaterialIssued("PA01", order, "RM-3001", 1m, "H87", FrozenClockHost.Now.AddSeconds(-1)).ToJsonString();
            using var response = await mes.PostAsync("/api/v1/events", new StringContent(body, Encoding.UTF8, "application/cloudevents+json"), Ct);
            return response.StatusCode;
        }

        // Three accepted, one rejected (an order that does not exist).
        Assert.Equal(HttpStatusCode.OK, await PostAsync("PA01-100002"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync("PA01-100002"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync("PA01-100004"));
        Assert.NotEqual(HttpStatusCode.OK, await PostAsync("PA01-999999"));

        // 1 failure in 4 exchanges: 1 ÷ 4 × 1,000 = 250 per 1,000. The audit log is written a moment after each answer.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        KpiFigure? figure;
        while ((figure = (await Host.GetAsync<KpiReport>("/api/v1/kpis")).Figures.SingleOrDefault(f => f.Kpi == "integration-failure-frequency" && f.Key == "hand-mes")) is not { Cases: >= 4 })
        {
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), "The audit log never recorded the client's fourth request.");
            await Task.Delay(25, Ct);
        }

        Assert.Equal(("client", "per-1000", 250.0, 4L), (figure.By, figure.Measure, figure.Value, figure.Cases));
    }

    [Fact]
    public async Task invoice_exception_and_touchless_rates_are_shares_of_the_invoices_received_per_plant_and_month()
    {
        // Three orders of RM-3002 at 12.90 from Gießerei Meier (100, 100 and 40), each received in full. Two invoices at
        // 12.90 match by themselves and post (touchless); one at 15.00 is 16 % above the price (tolerance 2 %): an
        // exception. (Quantities differ so that no invoice looks like a duplicate of another.)
        var today = DateOnly.FromDateTime(FrozenClockHost.Now.UtcDateTime);
        foreach (var (quantity, price) in new[] { (100m, 12.90m), (100m, 15.00m), (40m, 12.90m) })
        {
            var order = await OrderAsync("SUP-100", "RM-3002", quantity, 12.90m);
            var invoice = InvoiceSamples.ForOrder($"HAND-{Guid.NewGuid():N}"[..14], today, order, [new InvoiceSamples.OrderLine(1, "RM-3002", quantity, "H87", price)],
                "Gießerei Meier GmbH", "DE811000100", buyerReference: "CC-4100");
            using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(invoice, InvoiceDocuments.Json));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var received = await Host.Http.PostAsync("/api/v1/payables/invoices?plant=PA01", content, Ct);
            var body = await received.Content.ReadAsStringAsync(Ct);
            Assert.True(received.StatusCode == HttpStatusCode.Created, body);
            Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("matchState").GetString() == (price == 12.90m ? "posted" : "exception"), body);
        }

        // Exception rate 1 ÷ 3 = 0.3333; touchless rate 2 ÷ 3 = 0.6667 (rounded to four places). Trend per month
        // received: October none, November the same three.
        var report = await Host.GetAsync<KpiReport>($"/api/v1/kpis?to={Q(FrozenClockHost.Now.AddHours(12))}&plant=PA01&period=month&periods=2");
        Assert.Equal(
            ["invoice-exception-rate PA01 0.3333 3 2026-10:-:0 2026-11:0.3333:3", "touchless-rate PA01 0.6667 3 2026-10:-:0 2026-11:0.6667:3"],
            report.Figures.Where(f => f.Kpi is "invoice-exception-rate" or "touchless-rate")
                .Select(f => $"{f.Kpi} {f.Key} {f.Value?.ToString(CultureInfo.InvariantCulture)} {f.Cases} {string.Join(' ', f.Trend.Select(t => $"{t.Start:yyyy-MM}:{t.Value?.ToString(CultureInfo.InvariantCulture) ?? "-"}:{t.Cases}"))}"));
    }

    [Fact]
    public async Task schedule_change_cycle_time_is_machine_down_time_to_committed_replan_as_nearest_rank_percentiles_per_plant()
    {
        // PB01-CNC1 down since 90 s before the frozen 12:00:00; PB01-CNC2 down since 30 s before. Each re-plan commits at
        // 12:00:00, so the cycle times are 90 s and 30 s. Nearest rank of (30, 90): p50 = ⌈0.5 × 2⌉ = 1st = 30 s,
        // p95 = ⌈1.9⌉ = 2nd = 90 s; two disruptions.
        var now = FrozenClockHost.Now;
        foreach (var (workCenter, seconds) in new[] { ("PB01-CNC1", 90), ("PB01-CNC2", 30) })
        {
            var since = now.AddSeconds(-seconds);
            var down = Events.Envelope("takt.production.machine-down.v1", new System.Text.Json.Nodes.JsonObject
            {
                ["plant"] = "PB01", ["workCenter"] = workCenter, ["since"] = since.ToString("O", CultureInfo.InvariantCulture), ["expectedDurationHours"] = 8m, ["reason"] = "Spindle bearing failure",
            }, since, null, "/mes/pb01");
            using var posted = await Host.PostStructuredAsync(down);
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync(Ct));
        }

        var waited = System.Diagnostics.Stopwatch.StartNew();
        List<KpiFigure> figures;
        while ((figures = [.. (await Host.GetAsync<KpiReport>("/api/v1/kpis?plant=PB01")).Figures.Where(f => f.Kpi == "schedule-change-cycle-time")]) is not [{ Cases: 2 }, ..])
        {
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), "The re-plans never committed.");
            await Task.Delay(50, Ct);
        }

        Assert.Equal(["PB01 p50 30 s 2", "PB01 p95 90 s 2"], figures.Select(f => $"{f.Key} {f.Measure} {f.Value?.ToString(CultureInfo.InvariantCulture)} {f.Unit} {f.Cases}"));

        // The monthly trend (six months to November 2026, by the month the machine went down): both disruptions in November.
        Assert.All(figures, f => Assert.Equal(
            ["2026-06 - 0", "2026-07 - 0", "2026-08 - 0", "2026-09 - 0", "2026-10 - 0", $"2026-11 {f.Value?.ToString(CultureInfo.InvariantCulture)} 2"],
            f.Trend.Select(t => $"{t.Start:yyyy-MM} {t.Value?.ToString(CultureInfo.InvariantCulture) ?? "-"} {t.Cases}")));
    }

    private async Task<string> OrderAsync(string supplier, string item, decimal quantity, decimal price)
    {
        var procurement = Host.Service<IProcurement>();
        await using var session = await Host.Store.OpenSessionAsync(fixture.Clock, Ct);
        await using var tx = await session.BeginAsync(Ct);
        var today = DateOnly.FromDateTime(FrozenClockHost.Now.UtcDateTime);
        var order = await procurement.CreateDirectOrderAsync(tx, new DirectOrder("PA01", supplier, "direct", "CC-4100", "FCA Augsburg", "anna.buyer",
            [new DirectOrderLine(item, quantity, "H87", price, today.AddDays(10))]), Ct);
        Assert.False(order.IsRejected);
        await tx.FlushAsync(Ct);
        Assert.False((await procurement.ReceiveAsync(tx, new ReceiveGoods(order.Value.Number, 1, quantity, "H87", "wim.warehouse"), Ct)).IsRejected);
        await tx.CommitAsync(Ct);
        return order.Value.Number;
    }
}

public sealed class KpiByHandOnSqlite(FrozenSqliteHost fixture) : KpiByHandContract<FrozenSqliteHost>(fixture);

public sealed class KpiByHandOnPostgres(FrozenPostgresHost fixture) : KpiByHandContract<FrozenPostgresHost>(fixture);

/// <summary>
/// Production-to-posting latency by hand, on a database of its own: the other hand-computed KPIs post goods receipts
/// at the same frozen instant, whose postings would join these cases.
/// </summary>
public abstract class LatencyByHandContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FrozenClockHost
{
    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    [Fact]
    public async Task production_to_posting_latency_is_commit_minus_event_time_as_nearest_rank_percentiles_per_plant_and_day()
    {
        // The clock stands at 12:00:00; each event posts (and commits its journal entry) at 12:00:00, so its latency
        // is 12:00:00 minus its CloudEvents time: 2 s, 4 s and 10 s.
        var now = FrozenClockHost.Now;
        foreach (var (seconds, id) in new[] { (2, "hand-l1"), (10, "hand-l2"), (4, "hand-l3") })
        {
            using var posted = await Host.PostStructuredAsync(Events.MaterialIssued("PA01", "PA01-100002", "RM-3001", 1m, "H87", now.AddSeconds(-seconds), id));
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync(Ct));
        }

        await Host.DrainOutboxAsync();
        var report = await Host.GetAsync<KpiReport>($"/api/v1/kpis?from={Q(now.AddHours(-1))}&to={Q(now.AddHours(12))}&plant=PA01&period=day&periods=2");

        // Sorted 2,000 / 4,000 / 10,000 ms. Nearest rank: p50 = ⌈0.50 × 3⌉ = 2nd = 4,000; p95 = ⌈2.85⌉ = 3rd = 10,000;
        // p99 = ⌈2.97⌉ = 3rd = 10,000. Trend per day: the 19th has no case, the 20th the same three.
        var figures = report.Figures.Where(f => f.Kpi == "production-to-posting-latency").ToList();
        Assert.Equal(["PA01 p50 4000 ms 3", "PA01 p95 10000 ms 3", "PA01 p99 10000 ms 3"], figures.Select(f => $"{f.Key} {f.Measure} {f.Value} {f.Unit} {f.Cases}"));
        Assert.All(figures, f => Assert.Equal([$"2026-11-19 - 0", $"2026-11-20 {f.Value} 3"], f.Trend.Select(t => $"{t.Start:yyyy-MM-dd} {t.Value?.ToString(CultureInfo.InvariantCulture) ?? "-"} {t.Cases}")));

        // Outside the period (the hour before): no figure at all.
        var before = await Host.GetAsync<KpiReport>($"/api/v1/kpis?from={Q(now.AddHours(-2))}&to={Q(now.AddHours(-1))}&plant=PA01");
        Assert.DoesNotContain(before.Figures, f => f.Kpi == "production-to-posting-latency");
    }
}

public sealed class LatencyByHandOnSqlite(FrozenSqliteHost fixture) : LatencyByHandContract<FrozenSqliteHost>(fixture);

public sealed class LatencyByHandOnPostgres(FrozenPostgresHost fixture) : LatencyByHandContract<FrozenPostgresHost>(fixture);

/// <summary>
/// Close readiness by hand (DESIGN §5: the share of close checks passed for the period), on a database of its own:
/// the whole outbox counts for the close, so other tests' traffic must not reach it.
/// </summary>
public abstract class CloseReadinessByHandContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : FrozenClockHost
{
    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await Host.Store.OpenConnectionAsync(Ct);
        await Dapper.SqlMapper.ExecuteAsync(connection, sql);
    }

    [Fact]
    public async Task close_readiness_is_the_share_of_applicable_close_checks_passed_for_the_company_and_month()
    {
        // The crafted close of TK01 (plants PA01, PB01) for November 2026: stock of RM-3001 at PA01 valued 12.34 above
        // the inventory accounts (inventory not reconciled) and an accrual of the month proposed, not posted.
        using var proposed = await Host.PostJsonAsync("/api/v1/ledger/accruals", new
        {
            company = "TK01", plant = "PA01", postingDate = new DateOnly(2026, 11, 1), category = "services", amount = 480m, currency = "EUR",
            description = "Maintenance service received, not invoiced",
        });
        Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
        await ExecuteAsync("UPDATE inventory_stock SET value_e4 = value_e4 + 123400 WHERE item = 'RM-3001' AND plant = 'PA01'");
        await Host.DrainOutboxAsync();
        var now = FrozenClockHost.Now;
        var report = await Host.GetAsync<KpiReport>($"/api/v1/kpis?to={Uri.EscapeDataString(now.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}&plant=PA01&periods=2");

        // The checks of the month, each from the data: outbox drained ✓, no dead letters ✓, entries balanced ✓,
        // inventory reconciled ✗ (12.34), production (WIP) reconciled ✓, procurement (GR/IR) reconciled ✓ (no open items),
        // payables reconciled ✓, GR/IR open items explained ✓ (none), exceptions resolved ✓ (none raised), accruals
        // posted ✗ (one proposed), earlier accruals reversed ✓: 11 applicable, 9 passed. Readiness 9 ÷ 11 = 0.8182 (to
        // four places, as the close reports it). October (the trend's first month): the same checks (the stock is
        // compared as it stands), but no accrual of October waits: 10 ÷ 11 = 0.9091.
        var status = await Host.GetAsync<Takt.Ledger.CloseStatus>("/api/v1/close/TK01/202611");
        Assert.Equal(
            ["outbox-drained passed", "dead-letters-empty passed", "entries-balanced passed", "inventory-reconciled failed", "production-reconciled passed",
             "procurement-reconciled passed", "payables-reconciled passed", "grir-open-items-explained passed", "exceptions-resolved passed",
             "accruals-posted failed", "accruals-reversed passed"],
            status.Checks.Select(c => $"{c.Check} {c.Status}"));
        var readiness = Assert.Single(report.Figures, f => f.Kpi == "close-readiness");
        Assert.Equal("TK01 share 0.8182 ratio 11", $"{readiness.Key} {readiness.Measure} {readiness.Value?.ToString(CultureInfo.InvariantCulture)} {readiness.Unit} {readiness.Cases}");
        Assert.Equal(["2026-10 0.9091 11", "2026-11 0.8182 11"], readiness.Trend.Select(t => $"{t.Start:yyyy-MM} {t.Value?.ToString(CultureInfo.InvariantCulture)} {t.Cases}"));
        await ExecuteAsync("UPDATE inventory_stock SET value_e4 = value_e4 - 123400 WHERE item = 'RM-3001' AND plant = 'PA01'");
    }
}

public sealed class CloseReadinessByHandOnSqlite(FrozenSqliteHost fixture) : CloseReadinessByHandContract<FrozenSqliteHost>(fixture);

public sealed class CloseReadinessByHandOnPostgres(FrozenPostgresHost fixture) : CloseReadinessByHandContract<FrozenPostgresHost>(fixture);
