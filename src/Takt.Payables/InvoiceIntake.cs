using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Integration.Gateway;
using Takt.Intelligence;
using Takt.MasterData;
using Takt.Payables.Invoices;
using Takt.Store;

namespace Takt.Payables;

/// <summary>
/// Receives supplier invoices: plant check, duplicate detection (exact: same supplier, kind and number; suspected:
/// same supplier, kind and amount due with issue dates within <see cref="PayablesOptions.SuspectedDuplicateDays"/>),
/// then the invoice, its lines, the process-log event and the outbox event in ONE transaction (DESIGN §2.1, §2.2).
/// </summary>
internal sealed class InvoiceIntake(IMasterData masterData, IIntelligence intelligence, Outbox outbox, Matching.InvoiceMatcher matcher, PayablesOptions options, TimeProvider clock) : IPayables
{
    private const string Source = "/takt/payables";

    private const string Columns =
        "id, plant, kind, number, supplier_key, supplier_name, issue_date, due_date, currency, line_extension, tax_exclusive, tax_total, tax_inclusive, payable, line_count, status, duplicate, duplicate_of, order_reference, format, received_at_us, " +
        "(SELECT m.state FROM payables_match m WHERE m.invoice_id = payables_invoice.id)";

    public async Task<(InvoiceReceipt? Receipt, Problem? Problem)> ReceiveAsync(TaktStore store, string plant, CheckedInvoice document, string? clientId, CancellationToken ct)
    {
        if (document.Problem is { } refused)
            return (null, refused);
        if (document.Violations.Count > 0)
            return (null, Problem.RuleViolated(document.Violations));
        var invoice = document.Invoice!;

        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var view = await masterData.LoadAsync(tx, [plant], [], [], ct);
        if (view.Plant(plant) is null)
            return (null, Problem.RuleViolated([new Violation("/plant", "plant.unknown", $"Plant '{plant}' does not exist.")]));

        if (await FindAsync(tx, "WHERE plant = $1 AND content_sha256 = $2", ct, plant, document.ContentSha256) is { Count: > 0 } earlier)
            return (earlier[0] with { Replayed = true }, null);

        var kind = Kind(invoice.Kind);
        var supplier = invoice.SupplierKey;
        if (tx.Engine == StoreEngine.Postgres)
        {
            // Two deliveries of one supplier's invoices at once must see each other for duplicate detection.
            await tx.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext($1))", ct, "takt.payables:" + supplier);
        }

        var number = invoice.Number!;
        var payable = Text(invoice.Totals.Payable!.Value);
        var issueDate = invoice.IssueDate!.Value;
        (string Kind, string Of)? duplicate = null;
        var sameNumber = await FindAsync(tx, "WHERE supplier_key = $1 AND kind = $2 AND number = $3 ORDER BY received_at_us, id", ct, supplier, kind, number);
        if (sameNumber.Count > 0)
        {
            duplicate = ("exact", sameNumber[0].Id);
        }
        else
        {
            var sameAmount = await FindAsync(tx, "WHERE supplier_key = $1 AND kind = $2 AND payable = $3 ORDER BY received_at_us, id", ct, supplier, kind, payable);
            if (sameAmount.FirstOrDefault(r => Math.Abs(r.IssueDate.DayNumber - issueDate.DayNumber) <= options.SuspectedDuplicateDays) is { } close)
                duplicate = ("suspected", close.Id);
        }

        var now = clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        var status = duplicate is null ? "received" : "blocked";
        var receipt = new InvoiceReceipt(
            id, plant, kind, number, supplier, invoice.Supplier.Name!, issueDate, invoice.DueDate, invoice.Currency!,
            invoice.Totals.LineExtension!.Value, invoice.Totals.TaxExclusive!.Value, invoice.TaxTotal ?? 0m, invoice.Totals.TaxInclusive!.Value, invoice.Totals.Payable.Value,
            invoice.Lines.Count, status, duplicate?.Kind, duplicate?.Of, invoice.OrderReference, document.Format == InvoiceFormat.Ubl ? "ubl" : "json", now);

        tx.Stage(
            "INSERT INTO payables_invoice (id, plant, kind, type_code, number, supplier_key, supplier_name, issue_date, due_date, currency, line_extension, tax_exclusive, tax_total, tax_inclusive, payable, order_reference, line_count, format, content_sha256, status, duplicate, duplicate_of, client_id, document, received_at_us, commit_id) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)",
            id, plant, kind, invoice.TypeCode, number, supplier, receipt.SupplierName, issueDate.Format(), invoice.DueDate?.Format(), receipt.Currency,
            Text(receipt.LineExtension), Text(receipt.TaxExclusive), Text(receipt.TaxTotal), Text(receipt.TaxInclusive), payable, invoice.OrderReference,
            (long)invoice.Lines.Count, receipt.Format, document.ContentSha256, status, duplicate?.Kind, duplicate?.Of, clientId,
            JsonSerializer.Serialize(invoice, InvoiceDocuments.Json), now.ToUnixMicroseconds(), tx.CommitId);
        for (var i = 0; i < invoice.Lines.Count; i++)
        {
            var l = invoice.Lines[i];
            tx.Stage(
                "INSERT INTO payables_invoice_line (invoice_id, position, line_id, item_name, seller_item, buyer_item, quantity, unit, net_amount, price, base_quantity, order_line, tax_category, tax_percent) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                id, (long)i, l.Id, l.ItemName, l.SellerItemId, l.BuyerItemId, Text(l.Quantity!.Value), l.Unit, Text(l.LineExtensionAmount!.Value), Text(l.PriceAmount!.Value),
                Text(l.BaseQuantity ?? 1m), l.OrderLineReference, l.TaxCategory, l.TaxPercent is { } p ? Text(p) : null);
        }

        var data = new SupplierInvoiceReceived(id, plant, kind, number, supplier, receipt.SupplierName, issueDate, receipt.Currency, receipt.Payable, receipt.LineCount, status,
            invoice.OrderReference, duplicate?.Kind, duplicate?.Of);
        var json = JsonSerializer.Serialize(data, EventJson.Default.SupplierInvoiceReceived);
        var objects = new List<ObjectLink>
        {
            new("plant", plant, "at"),
            new("supplier-invoice", id, "received"),
            new("supplier", supplier, "from"),
        };
        if (invoice.OrderReference is { } order)
            objects.Add(new ObjectLink("purchase-order", order, "references"));
        if (duplicate is { } d)
            objects.Add(new ObjectLink("supplier-invoice", d.Of, d.Kind == "exact" ? "duplicates" : "suspected-duplicate-of"));
        intelligence.Append(tx, new ProcessEventDraft(EventTypes.SupplierInvoiceReceived, Source, id, plant, now, json, 0, objects));
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.SupplierInvoiceReceived, Source, id, plant, now, json));

        // Matching in the same transaction: posted, or an exception routed to its flow. A posting the ledger refuses
        // (a closed period) refuses the whole delivery: nothing is written.
        var matched = await matcher.MatchAsync(tx, receipt, invoice, null, matcher.NewRules(), ct);
        if (matched.IsRejected)
            return (null, Problem.RuleViolated(matched.Violations));
        await tx.CommitAsync(ct);
        return (receipt with { MatchState = matched.Value }, null);
    }

    public async Task<IReadOnlyList<InvoiceReceipt>> InvoicesAsync(TaktStore store, string? plant, string? status, int limit, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var conditions = new List<string>();
        var args = new List<object?>();
        if (plant is not null)
        {
            args.Add(plant);
            conditions.Add($"plant = ${args.Count}");
        }

        if (status is not null)
        {
            args.Add(status);
            conditions.Add($"status = ${args.Count}");
        }

        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        return await FindAsync(tx, $"{where} ORDER BY received_at_us DESC, id DESC LIMIT {limit.ToString(CultureInfo.InvariantCulture)}", ct, [.. args]);
    }

    /// <summary>A received invoice with its document, in the caller's transaction.</summary>
    internal static async Task<(InvoiceReceipt Receipt, SupplierInvoice Document)?> LoadAsync(StoreTransaction tx, string id, CancellationToken ct)
    {
        var found = await FindAsync(tx, "WHERE id = $1", ct, id);
        if (found.Count == 0)
            return null;
        // The command is the session's prepared one: not disposed here.
        var document = (string)(await tx.Command("SELECT document FROM payables_invoice WHERE id = $1", id).ExecuteScalarAsync(ct))!;
        return (found[0], JsonSerializer.Deserialize<SupplierInvoice>(document, InvoiceDocuments.Json)!);
    }

    public async Task<InvoiceDetail?> InvoiceAsync(TaktStore store, string id, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var found = await FindAsync(tx, "WHERE id = $1", ct, id);
        if (found.Count == 0)
            return null;
        await using var command = tx.Command("SELECT document FROM payables_invoice WHERE id = $1", id);
        var document = (string)(await command.ExecuteScalarAsync(ct))!;
        return new InvoiceDetail(found[0], JsonSerializer.Deserialize<SupplierInvoice>(document, InvoiceDocuments.Json)!);
    }

    private static async Task<List<InvoiceReceipt>> FindAsync(StoreTransaction tx, string where, CancellationToken ct, params object?[] args)
    {
        var sql = $"SELECT {Columns} FROM payables_invoice {where}";
        var command = tx.Command(sql, args);
        var rows = new List<InvoiceReceipt>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(Row(reader));
        return rows;
    }

    private static InvoiceReceipt Row(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
        DateOnly.ParseExact(r.GetString(6), "yyyy-MM-dd", CultureInfo.InvariantCulture),
        r.IsDBNull(7) ? null : DateOnly.ParseExact(r.GetString(7), "yyyy-MM-dd", CultureInfo.InvariantCulture),
        r.GetString(8), Dec(r.GetString(9)), Dec(r.GetString(10)), Dec(r.GetString(11)), Dec(r.GetString(12)), Dec(r.GetString(13)),
        checked((int)r.GetInt64(14)), r.GetString(15), r.IsDBNull(16) ? null : r.GetString(16), r.IsDBNull(17) ? null : r.GetString(17),
        r.IsDBNull(18) ? null : r.GetString(18), r.GetString(19), Instants.FromUnixMicroseconds(r.GetInt64(20)), MatchState: r.IsDBNull(21) ? null : r.GetString(21));

    internal static string Kind(InvoiceKind kind) => kind == InvoiceKind.CreditNote ? "credit-note" : "invoice";

    /// <summary>Exact decimal text without trailing zeros, so that 1656.25 and 1656.250 compare equal.</summary>
    internal static string Text(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    private static decimal Dec(string text) => decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}
