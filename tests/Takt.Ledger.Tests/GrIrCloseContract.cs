using System.Net;
using System.Text.Json;
using Takt.Procurement;
using Takt.Server;
using Takt.Testing;
using Xunit;

namespace Takt.Ledger.Tests;

/// <summary>A host with Plant A's demo invoices (as <c>takt run</c>): GR/IR open items and invoice exceptions.</summary>
public abstract class InvoicedHost(string engine) : HostFixture(engine)
{
    protected override void Configure(ServerSettings settings) => settings.DemoInvoices = true;
}

public sealed class InvoicedSqliteHost() : InvoicedHost("sqlite");

public sealed class InvoicedPostgresHost() : InvoicedHost("postgres");

/// <summary>
/// The GR/IR subledger (receipts from procurement less what posted invoices cleared in payables, as of the period
/// end) reconciles to the GR/IR account and detects an injected difference; GR/IR items open longer than 30 days at
/// the period end fail the close until explained (who, when, why); open invoice exceptions fail "exceptions resolved".
/// </summary>
public abstract class GrIrCloseContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : InvoicedHost
{
    private TaktHost Host => fixture.Host;

    private static DateOnly Today => DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);

    private static int ThisPeriod => (Today.Year * 100) + Today.Month;

    private static int PreviousPeriod => (Today.AddMonths(-1).Year * 100) + Today.AddMonths(-1).Month;

    private async Task<JsonElement> StatusAsync(int period) => await Host.GetAsync<JsonElement>($"/api/v1/close/TK01/{period}");

    private static (string? Status, string Detail) Check(JsonElement status, string name)
    {
        var check = status.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == name);
        return (check.GetProperty("status").GetString(), check.GetProperty("detail").GetString()!);
    }

    /// <summary>An order of one line received (not invoiced) on a posting date: a GR/IR open item "order/1".</summary>
    private async Task<string> ReceiveAsync(DateOnly postingDate, decimal quantity, decimal price)
    {
        var ct = TestContext.Current.CancellationToken;
        var procurement = Host.Service<IProcurement>();
        await using var session = await Host.Store.OpenSessionAsync(Host.Service<TimeProvider>(), ct);
        await using var tx = await session.BeginAsync(ct);
        var order = await procurement.CreateDirectOrderAsync(tx, new DirectOrder("PA01", "SUP-100", "direct", "CC-4100", "FCA Augsburg", "anna.buyer",
            [new DirectOrderLine("RM-3002", quantity, "H87", price, Today.AddDays(7))]), ct);
        Assert.False(order.IsRejected, string.Join("; ", order.Violations.Select(v => v.Detail)));
        await tx.FlushAsync(ct);
        var receipt = await procurement.ReceiveAsync(tx, new ReceiveGoods(order.Value.Number, 1, quantity, "H87", "marta.wh", PostingDate: postingDate), ct);
        Assert.False(receipt.IsRejected, string.Join("; ", receipt.Violations.Select(v => v.Detail)));
        await tx.CommitAsync(ct);
        return order.Value.Number;
    }

    [Fact]
    public async Task the_grir_subledger_reconciles_to_the_grir_account_and_detects_an_injected_difference()
    {
        await Host.DrainOutboxAsync();
        var clean = await StatusAsync(ThisPeriod);
        var (status, detail) = Check(clean, "procurement-reconciled");
        Assert.True(status == "passed", detail);
        Assert.Contains("GR/IR open items", detail, StringComparison.Ordinal);
        // The demo's dearer castings (50 × 38.00 received, invoice blocked on its price) are open on GR/IR.
        Assert.DoesNotContain("(0 purchase order lines", detail, StringComparison.Ordinal);

        // A receipt whose GR/IR is 10.00 more than it posted: the subledger owes 10.00 more than the GR/IR account says.
        var receipt = (await Tables.QueryAsync<string>(Host.Store, "SELECT id FROM proc_receipt ORDER BY created_at_us, id"))[0];
        await Tables.ExecuteAsync(Host.Store, $"UPDATE proc_receipt SET grir_e4 = grir_e4 + 100000 WHERE id = '{receipt}'");
        try
        {
            var injected = await StatusAsync(ThisPeriod);
            var check = injected.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "procurement-reconciled");
            Assert.Equal(("failed", 10m), (check.GetProperty("status").GetString(), check.GetProperty("difference").GetDecimal()));
            Assert.Contains(injected.GetProperty("failing").EnumerateArray(), c => c.GetProperty("check").GetString() == "procurement-reconciled");
        }
        finally
        {
            await Tables.ExecuteAsync(Host.Store, $"UPDATE proc_receipt SET grir_e4 = grir_e4 - 100000 WHERE id = '{receipt}'");
        }

        // An invoice that cleared 5.00 less GR/IR than it posted: the other side of the subledger, detected as well.
        var line = (await Tables.QueryAsync<(string Invoice, string Po)>(Host.Store, "SELECT invoice_id, po FROM payables_match_line ORDER BY invoice_id, po"))[0];
        var grir = (await Tables.QueryAsync<string>(Host.Store, "SELECT grir FROM payables_match_line WHERE invoice_id = @Invoice AND po = @Po", new { line.Invoice, line.Po }))[0];
        await Tables.ExecuteAsync(Host.Store, "UPDATE payables_match_line SET grir = @changed WHERE invoice_id = @Invoice AND po = @Po",
            new { changed = (decimal.Parse(grir, System.Globalization.CultureInfo.InvariantCulture) - 5m).ToString(System.Globalization.CultureInfo.InvariantCulture), line.Invoice, line.Po });
        try
        {
            var check = (await StatusAsync(ThisPeriod)).GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "procurement-reconciled");
            Assert.Equal(("failed", 5m), (check.GetProperty("status").GetString(), check.GetProperty("difference").GetDecimal()));
        }
        finally
        {
            await Tables.ExecuteAsync(Host.Store, "UPDATE payables_match_line SET grir = @grir WHERE invoice_id = @Invoice AND po = @Po", new { grir, line.Invoice, line.Po });
        }

        Assert.Equal("passed", Check(await StatusAsync(ThisPeriod), "procurement-reconciled").Status);
    }

    [Fact]
    public async Task reconciliation_is_as_of_the_period_end_so_a_closed_month_stays_reconciled_after_later_postings()
    {
        // A receipt at the first day of last month; everything the demo posted today belongs to this month.
        var order = await ReceiveAsync(new DateOnly(Today.AddMonths(-1).Year, Today.AddMonths(-1).Month, 1), 4m, 12.90m);
        await Host.DrainOutboxAsync();
        var previous = await StatusAsync(PreviousPeriod);
        foreach (var name in new[] { "inventory-reconciled", "procurement-reconciled" })
        {
            var (status, detail) = Check(previous, name);
            Assert.True(status == "passed", $"{name}: {detail}");
            Assert.Contains($"through {PreviousPeriod}", detail, StringComparison.Ordinal);
        }

        // This month's close sees the receipt too, with every receipt of this month; the GR/IR account through this month agrees.
        Assert.Equal("passed", Check(await StatusAsync(ThisPeriod), "procurement-reconciled").Status);
        // Aged at this month's end: explained, so the other tests of this class see only their own aged items.
        using var explained = await Host.PostJsonAsync($"/api/v1/close/TK01/{ThisPeriod}/explanations", new { item = $"{order}/1", reason = "Invoice expected with the next delivery" });
        Assert.Equal(HttpStatusCode.Created, explained.StatusCode);
    }

    [Fact]
    public async Task a_grir_item_open_longer_than_30_days_fails_the_close_until_explained_with_who_when_why()
    {
        var old = await ReceiveAsync(new DateOnly(Today.AddMonths(-1).Year, Today.AddMonths(-1).Month, 1), 3m, 12.90m);
        await Host.DrainOutboxAsync();
        var (status, detail) = Check(await StatusAsync(ThisPeriod), "grir-open-items-explained");
        Assert.Equal("failed", status);
        Assert.Contains($"{old}/1 38.7", detail, StringComparison.Ordinal);
        // The demo's receipts of today are not aged.
        Assert.DoesNotContain("since " + Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), detail, StringComparison.Ordinal);

        var before = await Host.SettledSnapshotAsync();
        using (var noReason = await Host.PostJsonAsync($"/api/v1/close/TK01/{ThisPeriod}/explanations", new { item = $"{old}/1", reason = " " }))
            await Problems.AssertAsync(noReason, HttpStatusCode.UnprocessableEntity, "/reason", "close.reason-required");
        using (var notOpen = await Host.PostJsonAsync($"/api/v1/close/TK01/{ThisPeriod}/explanations", new { item = "4599999999/1", reason = "Disputed" }))
            await Problems.AssertAsync(notOpen, HttpStatusCode.UnprocessableEntity, "/item", "close.item-not-open");
        using (var badPeriod = await Host.PostJsonAsync($"/api/v1/close/TK01/202613/explanations", new { item = $"{old}/1", reason = "Disputed" }))
            await Problems.AssertAsync(badPeriod, HttpStatusCode.BadRequest, "/path/period", "query.period-invalid");
        before.AssertUnchanged(await Host.SettledSnapshotAsync());

        using var explained = await Host.PostJsonAsync($"/api/v1/close/TK01/{ThisPeriod}/explanations", new { item = $"{old}/1", reason = "Supplier invoice disputed: quantity short" });
        Assert.Equal(HttpStatusCode.Created, explained.StatusCode);
        var body = await TaktHost.JsonAsync(explained);
        Assert.Equal((38.70m, "Supplier invoice disputed: quantity short"), (body.GetProperty("amount").GetDecimal(), body.GetProperty("reason").GetString()));
        Assert.StartsWith(TaktHost.SuiteClientId, body.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.True(body.TryGetProperty("at", out _));

        var after = Check(await StatusAsync(ThisPeriod), "grir-open-items-explained");
        Assert.True(after.Status == "passed", after.Detail);
        Assert.Contains("are explained", after.Detail, StringComparison.Ordinal);
        // At last month's end the item was open 30 days or less: nothing to explain there.
        Assert.Equal("passed", Check(await StatusAsync(PreviousPeriod), "grir-open-items-explained").Status);
    }

    [Fact]
    public async Task open_invoice_exceptions_fail_exceptions_resolved_and_are_listed()
    {
        var status = await StatusAsync(ThisPeriod);
        var (result, detail) = Check(status, "exceptions-resolved");
        Assert.Equal("failed", result);
        Assert.Matches(@"\d+ invoice", detail);
        var open = await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM payables_exception WHERE status = 'open'");
        Assert.True(open >= 3, $"the demo raises three invoice exceptions; {open} are open");
        Assert.Contains($"{open} invoice", detail, StringComparison.Ordinal);
        Assert.Contains(status.GetProperty("failing").EnumerateArray(), c => c.GetProperty("check").GetString() == "exceptions-resolved");
        // Last month had none of them: they were raised this month.
        Assert.Equal("passed", Check(await StatusAsync(PreviousPeriod), "exceptions-resolved").Status);
    }
}

public sealed class GrIrCloseOnSqlite(InvoicedSqliteHost fixture) : GrIrCloseContract<InvoicedSqliteHost>(fixture);

public sealed class GrIrCloseOnPostgres(InvoicedPostgresHost fixture) : GrIrCloseContract<InvoicedPostgresHost>(fixture);
