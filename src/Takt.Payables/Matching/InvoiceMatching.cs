using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Integration.Gateway;
using Takt.Payables.Invoices;
using Takt.Store;

namespace Takt.Payables.Matching;

/// <summary>Invoice matching, exceptions, payment readiness and the payables KPIs (docs/payables.md).</summary>
public interface IInvoiceMatching
{
    /// <summary>Matches a received invoice again (it must not be posted yet): posts it, or keeps it an exception with what was found now.</summary>
    Task<(InvoiceMatchView? Match, Problem? Problem)> MatchAsync(TaktStore store, string invoice, MatchRequest request, CancellationToken ct);

    Task<InvoiceMatchView?> MatchViewAsync(TaktStore store, string invoice, CancellationToken ct);

    Task<IReadOnlyList<InvoiceExceptionView>> ExceptionsAsync(TaktStore store, string? plant, string? status, int limit, CancellationToken ct);

    /// <summary>Posted invoices and credit notes due by a date and not paid yet, and what stays blocked (rejected ones are neither).</summary>
    Task<PaymentProposal> PaymentProposalAsync(TaktStore store, string? plant, DateOnly dueBy, CancellationToken ct);

    /// <summary>The KPIs by plant, supplier and plant × month received; <paramref name="period"/> (YYYY-MM) keeps one month.</summary>
    Task<PayablesKpis> KpisAsync(TaktStore store, string? plant, CancellationToken ct, string? period = null);

    /// <summary>Sets a tolerance row (per procurement supplier and spend category, <c>*</c> for any).</summary>
    Task<(InvoiceTolerance? Tolerance, Problem? Problem)> SetToleranceAsync(TaktStore store, InvoiceTolerance tolerance, CancellationToken ct);

    Task<IReadOnlyList<InvoiceTolerance>> TolerancesAsync(TaktStore store, CancellationToken ct);

    /// <summary>Re-matches the exceptions waiting on a purchase order, in the caller's transaction (a goods receipt arrived).</summary>
    Task<int> RematchOrderAsync(StoreTransaction transaction, string order, CancellationToken ct);
}

internal sealed class InvoiceMatching(InvoiceMatcher matcher, TimeProvider clock) : IInvoiceMatching
{
    public async Task<(InvoiceMatchView? Match, Problem? Problem)> MatchAsync(TaktStore store, string invoice, MatchRequest request, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var found = await ExceptionDecisions.StateAsync(tx, invoice, ct);
        if (found is null)
            return (null, Problem.NotFound(new Violation("/id", "invoice.unknown", $"Supplier invoice '{invoice}' does not exist.")));
        if (ExceptionDecisions.Closed(found, invoice) is { } closed)
            return (null, closed);
        var outcome = await matcher.MatchAsync(tx, found.Receipt, found.Document, request.PostingDate, matcher.NewRules(), ct);
        if (outcome.IsRejected)
            return (null, Problem.RuleViolated(outcome.Violations));
        await tx.CommitAsync(ct);
        return (await MatchViewAsync(store, invoice, ct), null);
    }

    public async Task<int> RematchOrderAsync(StoreTransaction transaction, string order, CancellationToken ct)
    {
        var waiting = new List<string>();
        await using (var r = await transaction.Command("SELECT invoice_id FROM payables_match WHERE purchase_order = $1 AND state = 'exception' AND rejected_at_us IS NULL ORDER BY received_at_us, invoice_id", order).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                waiting.Add(r.GetString(0));
        }

        var rules = matcher.NewRules();
        var posted = 0;
        foreach (var id in waiting)
        {
            await transaction.FlushAsync(ct); // the next invoice sees what the previous one cleared
            var found = (await InvoiceIntake.LoadAsync(transaction, id, ct))!.Value;
            var outcome = await matcher.MatchAsync(transaction, found.Receipt, found.Document, null, rules, ct);
            if (!outcome.IsRejected && outcome.Value == "posted")
                posted++;
        }

        return posted;
    }

    public async Task<InvoiceMatchView?> MatchViewAsync(TaktStore store, string invoice, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var rows = await MatchRowsAsync(tx, "WHERE invoice_id = $1", [invoice], ct);
        if (rows.Count == 0)
            return null;
        var exceptions = await ExceptionRowsAsync(tx, "WHERE invoice_id = $1 ORDER BY raised_at_us, id", [invoice], ct);
        return rows[0] with { Exceptions = exceptions, Decisions = await ExceptionDecisions.DecisionsAsync(tx, invoice, ct) };
    }

    public async Task<IReadOnlyList<InvoiceExceptionView>> ExceptionsAsync(TaktStore store, string? plant, string? status, int limit, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var (where, args) = Where(("plant", plant), ("status", status));
        return await ExceptionRowsAsync(tx, $"{where} ORDER BY raised_at_us DESC, id DESC LIMIT {limit.ToString(CultureInfo.InvariantCulture)}", args, ct);
    }

    public async Task<PaymentProposal> PaymentProposalAsync(TaktStore store, string? plant, DateOnly dueBy, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var (where, args) = Where(("m.plant", plant));
        var due = new List<PaymentProposalLine>();
        var blocked = new List<BlockedInvoice>();
        await using (var r = await tx.Command(
            $"SELECT m.invoice_id, m.plant, m.kind, i.number, COALESCE(m.supplier, i.supplier_key), i.supplier_name, m.currency, m.payable, m.due_date, m.purchase_order, m.state, m.reason FROM payables_match m JOIN payables_invoice i ON i.id = m.invoice_id " +
            $"{(where.Length == 0 ? "WHERE" : where + " AND")} m.rejected_at_us IS NULL AND NOT EXISTS (SELECT 1 FROM payables_payment p WHERE p.invoice_id = m.invoice_id) ORDER BY m.due_date, m.invoice_id",
            args).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var dueDate = DateOnly.ParseExact(r.GetString(8), "yyyy-MM-dd", CultureInfo.InvariantCulture);
                if (r.GetString(10) == "posted")
                {
                    if (dueDate <= dueBy)
                        due.Add(new PaymentProposalLine(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), InvoiceMatcher.Dec(r.GetString(7)), dueDate, r.IsDBNull(9) ? null : r.GetString(9)));
                }
                else
                {
                    blocked.Add(new BlockedInvoice(r.GetString(0), r.GetString(1), r.GetString(3), r.GetString(5), r.GetString(6), InvoiceMatcher.Dec(r.GetString(7)), dueDate, r.IsDBNull(11) ? "" : r.GetString(11)));
                }
            }
        }

        var totals = due.GroupBy(d => (d.Supplier, d.Currency)).OrderBy(g => g.Key.Supplier, StringComparer.Ordinal).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => new PaymentProposalTotal(g.Key.Supplier, g.Key.Currency, g.Sum(d => d.Amount), g.Count())).ToList();
        return new PaymentProposal(dueBy, plant, due, totals, blocked);
    }

    public async Task<PayablesKpis> KpisAsync(TaktStore store, string? plant, CancellationToken ct, string? period = null)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var (where, args) = Where(("m.plant", plant));
        var rows = new List<(string Plant, string Supplier, bool Posted, bool HadException, long? CycleUs, string Id, string Period)>();
        await using (var r = await tx.Command(
            $"SELECT m.plant, COALESCE(m.supplier, i.supplier_name), m.state, m.had_exception, m.receipt_at_us, m.posted_at_us, m.invoice_id, m.received_at_us FROM payables_match m JOIN payables_invoice i ON i.id = m.invoice_id {where}",
            args).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                long? cycle = r.IsDBNull(4) || r.IsDBNull(5) ? null : Math.Max(0, r.GetInt64(5) - r.GetInt64(4));
                var received = Instants.FromUnixMicroseconds(r.GetInt64(7)).UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
                if (period is null || period == received)
                    rows.Add((r.GetString(0), r.GetString(1), r.GetString(2) == "posted", r.GetInt64(3) == 1, cycle, r.GetString(6), received));
            }
        }

        var categories = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var (exWhere, exArgs) = Where(("plant", plant));
        await using (var r = await tx.Command($"SELECT invoice_id, categories FROM payables_exception {exWhere}", exArgs).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                if (!categories.TryGetValue(r.GetString(0), out var list))
                    categories[r.GetString(0)] = list = [];
                list.AddRange(r.GetString(1).Split(','));
            }
        }

        PayablesKpiRow Row(string key, IReadOnlyCollection<(string Plant, string Supplier, bool Posted, bool HadException, long? CycleUs, string Id, string Period)> group, string? month = null)
        {
            var invoices = group.Count;
            var exceptions = group.Count(g => g.HadException);
            var touchless = group.Count(g => g.Posted && !g.HadException);
            var counted = group.SelectMany(g => (categories.GetValueOrDefault(g.Id) ?? []).Distinct(StringComparer.Ordinal))
                .GroupBy(c => c, StringComparer.Ordinal).OrderBy(c => c.Key, StringComparer.Ordinal).ToDictionary(c => c.Key, c => (long)c.Count(), StringComparer.Ordinal);
            var cycles = group.Where(g => g.Posted && g.CycleUs is not null).Select(g => g.CycleUs!.Value / 3_600_000_000d).Order().ToList();
            var exceptionRate = invoices == 0 ? 0 : Math.Round((double)exceptions / invoices, 4);
            var touchlessRate = invoices == 0 ? 0 : Math.Round((double)touchless / invoices, 4);
            return new PayablesKpiRow(key, invoices, exceptions, touchless, group.Count(g => g.Posted), exceptionRate, touchlessRate, counted,
                cycles.Count, Percentile(cycles, 0.5), Percentile(cycles, 0.9), month, PayablesBenchmark.Standing(exceptionRate, touchlessRate),
                Math.Round(exceptionRate - PayablesBenchmark.Default.BestInClassExceptionRate, 4), Math.Round(touchlessRate - PayablesBenchmark.Default.BestInClassTouchlessRate, 4));
        }

        return new PayablesKpis(
            [.. rows.GroupBy(r => r.Plant, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Row(g.Key, [.. g]))],
            [.. rows.GroupBy(r => r.Supplier, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Row(g.Key, [.. g]))],
            [.. rows.GroupBy(r => (r.Plant, r.Period)).OrderBy(g => g.Key.Plant, StringComparer.Ordinal).ThenBy(g => g.Key.Period, StringComparer.Ordinal).Select(g => Row(g.Key.Plant, [.. g], g.Key.Period))],
            PayablesBenchmark.Default);
    }

    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 3);

    public async Task<(InvoiceTolerance? Tolerance, Problem? Problem)> SetToleranceAsync(TaktStore store, InvoiceTolerance tolerance, CancellationToken ct)
    {
        var errors = new List<Violation>();
        if (string.IsNullOrWhiteSpace(tolerance.Supplier))
            errors.Add(new Violation("/supplier", "tolerance.supplier-required", "Name the supplier's code, or * for any."));
        if (string.IsNullOrWhiteSpace(tolerance.Category))
            errors.Add(new Violation("/category", "tolerance.category-required", "Name the spend category, or * for any."));
        if (tolerance.MatchKind is not ("three-way" or "two-way"))
            errors.Add(new Violation("/matchKind", "tolerance.match-kind", "matchKind is three-way or two-way."));
        foreach (var (field, value) in new[] { ("/quantityPercent", tolerance.QuantityPercent), ("/quantityAbsolute", tolerance.QuantityAbsolute), ("/pricePercent", tolerance.PricePercent), ("/priceAbsolute", tolerance.PriceAbsolute) })
        {
            if (value < 0)
                errors.Add(new Violation(field, "tolerance.negative", $"{field[1..]} cannot be negative."));
        }

        if (errors.Count > 0)
            return (null, Problem.RuleViolated(errors));
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        tx.Stage(
            "INSERT INTO payables_tolerance (supplier, category, match_kind, quantity_percent, quantity_absolute, price_percent, price_absolute) VALUES ($1, $2, $3, $4, $5, $6, $7) " +
            "ON CONFLICT (supplier, category) DO UPDATE SET match_kind = excluded.match_kind, quantity_percent = excluded.quantity_percent, quantity_absolute = excluded.quantity_absolute, price_percent = excluded.price_percent, price_absolute = excluded.price_absolute",
            tolerance.Supplier, tolerance.Category, tolerance.MatchKind, InvoiceMatcher.Text(tolerance.QuantityPercent), InvoiceMatcher.Text(tolerance.QuantityAbsolute),
            InvoiceMatcher.Text(tolerance.PricePercent), InvoiceMatcher.Text(tolerance.PriceAbsolute));
        await tx.CommitAsync(ct);
        return (tolerance, null);
    }

    public async Task<IReadOnlyList<InvoiceTolerance>> TolerancesAsync(TaktStore store, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var list = new List<InvoiceTolerance>();
        await using var r = await tx.Command("SELECT supplier, category, match_kind, quantity_percent, quantity_absolute, price_percent, price_absolute FROM payables_tolerance ORDER BY supplier, category").ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new InvoiceTolerance(r.GetString(0), r.GetString(1), r.GetString(2), InvoiceMatcher.Dec(r.GetString(3)), InvoiceMatcher.Dec(r.GetString(4)),
                InvoiceMatcher.Dec(r.GetString(5)), InvoiceMatcher.Dec(r.GetString(6))));
        }

        return list;
    }

    private static (string Where, object?[] Args) Where(params (string Column, string? Value)[] filters)
    {
        var conditions = new List<string>();
        var args = new List<object?>();
        foreach (var (column, value) in filters)
        {
            if (value is null)
                continue;
            args.Add(value);
            conditions.Add($"{column} = ${args.Count}");
        }

        return (conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions), [.. args]);
    }

    private static async Task<List<InvoiceMatchView>> MatchRowsAsync(StoreTransaction tx, string where, object?[] args, CancellationToken ct)
    {
        var list = new List<InvoiceMatchView>();
        await using var r = await tx.Command(
            "SELECT invoice_id, plant, kind, state, reason, supplier, purchase_order, match_kind, attempts, had_exception, currency, grir, price_variance, tax, payable, journal_entry, posting_date, due_date, posted_at_us, " +
            "rejected_at_us, rejection, (SELECT p.run_id FROM payables_payment p WHERE p.invoice_id = payables_match.invoice_id) FROM payables_match " + where,
            args).ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var state = r.GetString(3);
            list.Add(new InvoiceMatchView(r.GetString(0), r.GetString(1), r.GetString(2), state, Opt(r, 4), Opt(r, 5), Opt(r, 6), Opt(r, 7), (int)r.GetInt64(8), state == "posted" && r.GetInt64(9) == 0,
                r.GetString(10), OptDec(r, 11), OptDec(r, 12), OptDec(r, 13), InvoiceMatcher.Dec(r.GetString(14)), Opt(r, 15),
                r.IsDBNull(16) ? null : DateOnly.ParseExact(r.GetString(16), "yyyy-MM-dd", CultureInfo.InvariantCulture), DateOnly.ParseExact(r.GetString(17), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                !r.IsDBNull(19) ? "rejected" : !r.IsDBNull(21) ? "paid" : state == "posted" ? "payable" : "blocked", r.IsDBNull(18) ? null : Instants.FromUnixMicroseconds(r.GetInt64(18)), [],
                Opt(r, 21), Opt(r, 20)));
        }

        return list;
    }

    private static async Task<List<InvoiceExceptionView>> ExceptionRowsAsync(StoreTransaction tx, string where, object?[] args, CancellationToken ct)
    {
        var list = new List<InvoiceExceptionView>();
        await using var r = await tx.Command(
            "SELECT id, invoice_id, plant, category, categories, route, reason, findings, difference, currency, context, status, resolution, advice, raised_at_us, resolved_at_us FROM payables_exception " + where,
            args).ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new InvoiceExceptionView(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4).Split(','), r.GetString(5), r.GetString(6),
                JsonSerializer.Deserialize<List<MatchFinding>>(r.GetString(7), PayablesJson.Options)!, InvoiceMatcher.Dec(r.GetString(8)), r.GetString(9),
                JsonSerializer.Deserialize<ExceptionErpContext>(r.GetString(10), PayablesJson.Options)!, r.GetString(11), Opt(r, 12),
                r.IsDBNull(13) ? null : JsonSerializer.Deserialize<InvoiceExceptionAdvice>(r.GetString(13), PayablesJson.Options),
                Instants.FromUnixMicroseconds(r.GetInt64(14)), r.IsDBNull(15) ? null : Instants.FromUnixMicroseconds(r.GetInt64(15))));
        }

        return list;
    }

    private static string? Opt(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static decimal? OptDec(DbDataReader r, int i) => r.IsDBNull(i) ? null : InvoiceMatcher.Dec(r.GetString(i));
}

/// <summary>
/// A goods receipt arrived: the invoices of its order that wait as exceptions are matched again, in the dispatcher's
/// transaction (so exactly once per receipt). One that now matches is posted and its exception resolved.
/// </summary>
internal sealed class GoodsReceiptRematch(IServiceProvider services) : IOutboxSubscriber
{
    // Matching writes to the outbox, whose subscribers include this one: resolved at first use, not at construction.
    private IInvoiceMatching matching => services.GetRequiredService<IInvoiceMatching>();

    public string Name => "payables.goods-receipt-rematch";

    public IReadOnlyCollection<string> Types { get; } = [EventTypes.GoodsReceived];

    public bool Accepts(OutboxMessage message) => message.Type == EventTypes.GoodsReceived;

    public async Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct)
    {
        var received = JsonSerializer.Deserialize(message.Data, EventJson.Default.GoodsReceived);
        if (received is not null)
            await matching.RematchOrderAsync(transaction, received.Order, ct);
    }
}
