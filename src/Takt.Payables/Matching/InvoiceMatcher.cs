using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Payables.Invoices;
using Takt.Procurement;
using Takt.Production;
using Takt.Store;

namespace Takt.Payables.Matching;

/// <summary>The ledger rules of one transaction, read at its first posting (the ledger wants one read per transaction).</summary>
internal sealed class LedgerRulesOfTransaction(ILedger ledger)
{
    private PostingRules? rules;

    public async ValueTask<PostingRules> GetAsync(StoreTransaction tx, CancellationToken ct) => rules ??= await ledger.LoadRulesAsync(tx, ct);
}

/// <summary>
/// Matches a received invoice (or credit note) at line level against its purchase order and goods receipts and, when
/// everything is within tolerance, posts it in the caller's transaction: GR/IR (PO price × quantity invoiced) against
/// accounts payable, the price difference as invoice price variance, the tax as input tax (DESIGN §3), with the
/// process-log event and <c>takt.payables.invoice-posted.v1</c>. Otherwise it records an exception with its
/// categories and route and raises <c>takt.payables.invoice-exception-raised.v1</c>, which starts the
/// invoice-exception flow. Nothing is staged before the ledger has accepted the entry: a rejection changes nothing.
/// </summary>
internal sealed class InvoiceMatcher(IProcurement procurement, IProduction production, IInventory inventory, ILedger ledger, IMasterData masterData, IIntelligence intelligence, Outbox outbox, IInvoiceExceptionAdvisor advisor, PayablesOptions options)
{
    private const string Source = "/takt/payables";

    /// <summary>The cost center an exception's flow gets when the invoice names none (the flow needs one; owners of any cost center see it).</summary>
    public const string UnassignedCostCenter = "unassigned";

    public const string InvoiceGrIr = "supplier-invoice-grir";
    public const string CreditNoteGrIr = "supplier-credit-note-grir";
    public const string InvoiceTwoWay = "supplier-invoice-two-way";
    public const string CreditNoteTwoWay = "supplier-credit-note-two-way";
    public const string PriceVarianceLoss = "invoice-price-variance";
    public const string PriceVarianceGain = "invoice-price-variance-gain";
    public const string InputTax = "input-tax";
    public const string InputTaxReversal = "input-tax-reversal";

    public LedgerRulesOfTransaction NewRules() => new(ledger);

    private sealed record LineGroup(PurchaseOrderLineView Line, decimal Quantity, decimal Net, List<int> Positions);

    private sealed record Prior(int Attempts, bool HadException, string? OpenException, long ReceivedAtUs);

    /// <summary>Matches and posts or raises; rejected only when the ledger refuses the entry (e.g. a closed period), then nothing is staged.</summary>
    /// <param name="release">
    /// A person (or the invoice-exception flow) accepted the exception: post despite the findings, lines without an order
    /// line as non-PO spend. Refused (nothing staged) when the invoice is in another currency than its order or is an
    /// exact duplicate: those cannot be posted as they are.
    /// </param>
    public async Task<Outcome<string>> MatchAsync(StoreTransaction tx, InvoiceReceipt receipt, SupplierInvoice invoice, DateOnly? postingDate, LedgerRulesOfTransaction rules, CancellationToken ct, string? release = null)
    {
        var view = await masterData.LoadAsync(tx, [receipt.Plant], [], [], ct);
        var plant = view.Plant(receipt.Plant)!;
        var credit = receipt.Kind == "credit-note";
        var sign = credit ? -1m : 1m;
        var currency = Currency.TryParse(receipt.Currency, out var c) ? c : Currency.Eur;
        var findings = new List<MatchFinding>();
        var prior = await PriorAsync(tx, receipt.Id, ct);

        if (receipt.Duplicate is { } duplicate)
        {
            findings.Add(new MatchFinding(ExceptionCategories.DuplicateSuspected, "/number",
                duplicate == "exact" ? $"Invoice {receipt.Number} of this supplier was received before ({receipt.DuplicateOf})."
                    : $"Invoice {receipt.DuplicateOf} of this supplier has the same amount due and an issue date within {options.SuspectedDuplicateDays} days."));
        }

        PurchaseOrderView? order = null;
        SupplierView? supplier = null;
        if (string.IsNullOrWhiteSpace(invoice.OrderReference))
        {
            findings.Add(new MatchFinding(ExceptionCategories.MissingPo, "/orderReference", "The invoice names no purchase order (BT-13)."));
        }
        else
        {
            if (tx.Engine == StoreEngine.Postgres)
                await tx.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext($1))", ct, "takt.payables.po:" + invoice.OrderReference);
            var orders = await procurement.PurchaseOrdersAsync(tx, [invoice.OrderReference], ct);
            if (!orders.TryGetValue(invoice.OrderReference, out order))
                findings.Add(new MatchFinding(ExceptionCategories.MissingPo, "/orderReference", $"Purchase order '{invoice.OrderReference}' does not exist."));
            else if (order.Plant != receipt.Plant)
                findings.Add(new MatchFinding(ExceptionCategories.MissingPo, "/orderReference", $"Purchase order {order.Number} is for plant {order.Plant}, not {receipt.Plant}."));
            else if (order.Status is "pending-approval" or "rejected" or "cancelled")
                findings.Add(new MatchFinding(ExceptionCategories.MissingPo, "/orderReference", $"Purchase order {order.Number} is {order.Status}."));
        }

        if (order is not null)
        {
            supplier = await procurement.SupplierAsync(tx, order.Supplier, ct);
            var mapped = await tx.Command("SELECT supplier FROM payables_supplier_key WHERE supplier_key = $1", receipt.Supplier).ExecuteScalarAsync(ct) as string;
            var sameName = supplier is not null && string.Equals(Normalize(supplier.Name), Normalize(receipt.SupplierName), StringComparison.OrdinalIgnoreCase);
            if (mapped is not null ? mapped != order.Supplier : !sameName)
            {
                findings.Add(new MatchFinding(ExceptionCategories.SupplierDataMismatch, "/supplier",
                    $"The seller '{receipt.SupplierName}' ({receipt.Supplier}) is not supplier {order.Supplier} ({supplier?.Name}) of purchase order {order.Number}."));
            }

            if (order.Currency != receipt.Currency)
                findings.Add(new MatchFinding(ExceptionCategories.SupplierDataMismatch, "/currency", $"The invoice is in {receipt.Currency}; purchase order {order.Number} is in {order.Currency}."));
        }

        var tolerance = await ToleranceAsync(tx, order?.Supplier ?? "*", order?.Category ?? "*", ct);
        var taxRates = await TaxRatesAsync(tx, receipt.Plant, ct);
        var groups = new Dictionary<int, LineGroup>();
        var taxDelta = 0m;
        for (var i = 0; i < invoice.Lines.Count; i++)
        {
            var line = invoice.Lines[i];
            var quantity = line.Quantity ?? 0m;
            var net = line.LineExtensionAmount ?? 0m;
            var charges = (line.AllowanceCharges ?? []).Sum(a => (a.IsCharge ? 1m : -1m) * (a.Amount ?? 0m));
            var expected = new Money((quantity * (line.PriceAmount ?? 0m) / (line.BaseQuantity is > 0 ? line.BaseQuantity.Value : 1m)) + charges, currency).RoundToMinorUnits().Amount;
            if (Math.Abs(expected - net) > 0.01m)
            {
                findings.Add(new MatchFinding(ExceptionCategories.ArithmeticError, $"/lines/{i}/lineExtensionAmount",
                    $"Line {line.Id}: {Format(quantity)} × {Format(line.PriceAmount ?? 0m)} / {Format(line.BaseQuantity ?? 1m)} {(charges == 0 ? "" : $"+ {Format(charges)} ")}is {Format(expected)}, not {Format(net)}."));
            }

            if (line.TaxCategory is { } category && taxRates.TryGetValue(category, out var rate) && (line.TaxPercent ?? 0m) != rate)
            {
                taxDelta = Math.Max(taxDelta, Math.Abs((line.TaxPercent ?? 0m) - rate) / 100m);
                findings.Add(new MatchFinding(ExceptionCategories.TaxMismatch, $"/lines/{i}/taxPercent", $"Line {line.Id}: tax category {category} is {Format(rate)} % at {receipt.Plant}, not {Format(line.TaxPercent ?? 0m)} %."));
            }

            if (order is null)
                continue;
            var poLine = PoLine(order, line);
            if (poLine is null)
            {
                findings.Add(new MatchFinding(ExceptionCategories.MissingPo, $"/lines/{i}/orderLineReference",
                    $"Line {line.Id} ({line.ItemName}) matches no line of purchase order {order.Number} (order line reference '{line.OrderLineReference}', item '{line.BuyerItemId ?? line.SellerItemId}')."));
                continue;
            }

            if (line.Unit != poLine.Unit)
            {
                findings.Add(new MatchFinding(ExceptionCategories.SupplierDataMismatch, $"/lines/{i}/unit", $"Line {line.Id} is in {line.Unit}; purchase order line {poLine.Line} is in {poLine.Unit}."));
                continue;
            }

            if (!groups.TryGetValue(poLine.Line, out var group))
                groups[poLine.Line] = group = new LineGroup(poLine, 0m, 0m, []);
            groups[poLine.Line] = group with { Quantity = group.Quantity + quantity, Net = group.Net + net };
            group.Positions.Add(i);
        }

        var invoicedBefore = order is null ? [] : await InvoicedAsync(tx, order.Number, ct);
        var receipts = order is null ? [] : await procurement.ReceiptsAsync(tx, [order.Number], ct);
        var grir = 0m;
        var priceDifference = 0m;
        var quantityDifference = 0m;
        var priceDeviation = 0m;
        var quantityDeviation = 0m;
        long? lastReceiptUs = null;
        foreach (var group in groups.Values.OrderBy(g => g.Line.Line))
        {
            var poLine = group.Line;
            var at = $"/lines/{group.Positions[0]}";
            var before = invoicedBefore.GetValueOrDefault(poLine.Line);
            if (credit)
            {
                if (group.Quantity > before)
                {
                    quantityDifference += new Money((group.Quantity - before) * poLine.Price, currency).RoundToMinorUnits().Amount;
                    findings.Add(new MatchFinding(ExceptionCategories.QuantityVariance, at + "/quantity", $"Purchase order line {poLine.Line}: {Format(group.Quantity)} {poLine.Unit} credited, but only {Format(before)} invoiced."));
                }
            }
            else if (tolerance.MatchKind == "three-way" && poLine.Received <= 0)
            {
                findings.Add(new MatchFinding(ExceptionCategories.MissingReceipt, at + "/quantity", $"Purchase order line {poLine.Line} ({poLine.Item}): nothing received yet."));
            }
            else
            {
                var reference = tolerance.MatchKind == "three-way" ? poLine.Received : poLine.Quantity;
                var allowed = Math.Min(tolerance.QuantityAbsolute, reference * tolerance.QuantityPercent / 100m);
                if (before + group.Quantity > reference + allowed)
                {
                    quantityDifference += new Money((before + group.Quantity - reference) * poLine.Price, currency).RoundToMinorUnits().Amount;
                    findings.Add(new MatchFinding(ExceptionCategories.QuantityVariance, at + "/quantity",
                        $"Purchase order line {poLine.Line}: {Format(before)} invoiced before and {Format(group.Quantity)} now exceed the {(tolerance.MatchKind == "three-way" ? "received" : "ordered")} {Format(reference)} {poLine.Unit} by more than the tolerance ({Format(allowed)})."));
                }
            }

            if (!credit && poLine.Received > 0)
                quantityDeviation = MaxAbs(quantityDeviation, (before + group.Quantity - poLine.Received) / poLine.Received);
            var lineGrir = new Money(poLine.Price * group.Quantity, currency).RoundToMinorUnits().Amount;
            grir += lineGrir;
            if (group.Quantity != 0)
            {
                var unitDifference = (group.Net / group.Quantity) - poLine.Price;
                if (poLine.Price != 0)
                    priceDeviation = MaxAbs(priceDeviation, unitDifference / poLine.Price);
                var lineDifference = group.Net - lineGrir;
                if (Math.Abs(unitDifference) > poLine.Price * tolerance.PricePercent / 100m || Math.Abs(lineDifference) > tolerance.PriceAbsolute)
                {
                    priceDifference += Math.Abs(lineDifference);
                    findings.Add(new MatchFinding(ExceptionCategories.PriceVariance, at + "/priceAmount",
                        $"Purchase order line {poLine.Line}: invoiced at {Format(Math.Round(group.Net / group.Quantity, 6))}, ordered at {Format(poLine.Price)} {order!.Currency}; the difference {Format(lineDifference)} exceeds the tolerance ({Format(tolerance.PricePercent)} %, {Format(tolerance.PriceAbsolute)})."));
                }
            }

            foreach (var r in receipts.Where(r => r.Line == poLine.Line))
                lastReceiptUs = Math.Max(lastReceiptUs ?? 0, r.CreatedAt.ToUnixMicroseconds());
        }

        var now = tx.Clock.GetUtcNow();
        var dueDate = invoice.DueDate ?? receipt.IssueDate.AddDays(supplier?.PaymentTermsDays ?? options.DefaultPaymentTermsDays);
        var payable = sign * receipt.Payable;
        if (release is not null && findings.Count > 0)
        {
            var blocking = findings.Where(f => (f.Category == ExceptionCategories.SupplierDataMismatch && f.Field == "/currency")
                || (f.Category == ExceptionCategories.DuplicateSuspected && receipt.Duplicate == "exact")).ToList();
            if (blocking.Count > 0)
            {
                return Outcome<string>.FromViolations([.. blocking.Select(f => new Violation(f.Field, "payables.release-refused",
                    $"{f.Detail} An invoice like this cannot be posted as it is: reject it{(f.Category == ExceptionCategories.DuplicateSuspected ? ", or decide that it is no duplicate first" : "")}."))]);
            }
        }

        if (findings.Count > 0 && release is null)
        {
            var priorInvoices = await PriorInvoicesAsync(tx, receipt, ct);
            var categories = ExceptionCategories.All.Where(cat => findings.Any(f => f.Category == cat)).ToList();
            var main = categories[0];
            var route = options.ExceptionRoutes.TryGetValue(main, out var routed) ? routed : "ap-clerk";
            // Only a price or quantity variance (nothing else found: they come last in ExceptionCategories.All) has a
            // difference a tolerance can accept: the price difference plus the value of what was invoiced beyond the
            // received (or ordered) quantity at the order price. Any other exception puts the whole net amount at stake.
            var difference = main is ExceptionCategories.PriceVariance or ExceptionCategories.QuantityVariance ? priceDifference + quantityDifference : receipt.TaxExclusive;
            var reason = string.Join(" ", findings.Select(f => f.Detail));
            var productionOrders = order is null ? [] : await ProductionOrdersAsync(tx, receipt.Plant, groups.Count > 0 ? groups.Values.Select(g => g.Line) : order.Lines, receipts, ct);
            var erp = new ExceptionErpContext(order?.Number ?? invoice.OrderReference, order?.Buyer, invoice.BuyerReference ?? "", [.. receipts.Select(r => r.Id)], priorInvoices, productionOrders);
            tx.Stage(
                "INSERT INTO payables_match (invoice_id, plant, kind, supplier, purchase_order, match_kind, state, reason, attempts, had_exception, currency, payable, due_date, received_at_us, updated_at_us) " +
                "VALUES ($1, $2, $3, $4, $5, $6, 'exception', $7, 1, 1, $8, $9, $10, $11, $12) " +
                "ON CONFLICT (invoice_id) DO UPDATE SET state = 'exception', reason = excluded.reason, attempts = payables_match.attempts + 1, had_exception = 1, supplier = excluded.supplier, purchase_order = excluded.purchase_order, match_kind = excluded.match_kind, due_date = excluded.due_date, updated_at_us = excluded.updated_at_us",
                receipt.Id, receipt.Plant, receipt.Kind, order?.Supplier, erp.PurchaseOrder, tolerance.MatchKind, $"{main}: {reason}", receipt.Currency, Text(payable), dueDate.Format(), receipt.ReceivedAt.ToUnixMicroseconds(), now.ToUnixMicroseconds());
            var findingsJson = JsonSerializer.Serialize(findings, PayablesJson.Options);
            if (prior?.OpenException is { } open)
            {
                // Still an exception: the open one (and its flow) carries on with what was found now.
                tx.Stage("UPDATE payables_exception SET category = $1, categories = $2, route = $3, reason = $4, findings = $5, difference = $6, context = $7 WHERE id = $8",
                    main, string.Join(",", categories), route, reason, findingsJson, Text(difference), JsonSerializer.Serialize(erp, PayablesJson.Options), open);
                return "exception";
            }

            // The flow's inputs are in the company currency (DESIGN §3: the ledger's currency); an invoice in another
            // currency states its difference at the rate of the day. Without a rate it stays in the invoice currency.
            var companyCurrency = plant.Company.Currency;
            var atRate = companyCurrency == currency ? new Money(difference, currency) : (await rules.GetAsync(tx, ct)).Convert(new Money(difference, currency), companyCurrency, plant.DateOf(now));
            var netAtRate = companyCurrency == currency ? receipt.TaxExclusive : (await rules.GetAsync(tx, ct)).Convert(new Money(receipt.TaxExclusive, currency), companyCurrency, plant.DateOf(now))?.Amount;

            var id = Uuid7.New(now).ToString();
            var features = await FeaturesAsync(tx, receipt, invoice, categories, priceDeviation, quantityDeviation, taxDelta, netAtRate ?? receipt.TaxExclusive, ct);
            var context = new InvoiceExceptionContext(receipt.Id, receipt.Plant, receipt.Number, order?.Supplier ?? receipt.Supplier, erp.PurchaseOrder, erp.Buyer, erp.CostCenter,
                main, route, findings, difference, receipt.Currency, erp.Receipts, erp.PriorInvoices, id, features);
            var advice = await advisor.AdviseAsync(tx, context, ct);
            tx.Stage(
                "INSERT INTO payables_exception (id, invoice_id, plant, category, categories, route, reason, findings, difference, currency, context, status, advice, raised_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12, $13)",
                id, receipt.Id, receipt.Plant, main, string.Join(",", categories), route, reason, findingsJson, Text(difference), receipt.Currency,
                JsonSerializer.Serialize(erp, PayablesJson.Options), advice is null ? null : JsonSerializer.Serialize(advice, PayablesJson.Options), now.ToUnixMicroseconds());
            var data = JsonSerializer.Serialize(new InvoiceExceptionRaised(id, receipt.Id, receipt.Plant, receipt.Number, order?.Supplier ?? receipt.SupplierName, main, categories, route,
                new MoneyValue(atRate?.Amount ?? difference, (atRate?.Currency ?? currency).Code), reason, erp.CostCenter.Length == 0 ? UnassignedCostCenter : erp.CostCenter, erp.PurchaseOrder, erp.Buyer, erp.Receipts, erp.PriorInvoices), EventJson.Default.InvoiceExceptionRaised);
            var objects = new List<ObjectLink> { new("plant", receipt.Plant, "at"), new("supplier-invoice", receipt.Id, "blocked") };
            if (erp.PurchaseOrder is { } po)
                objects.Add(new ObjectLink("purchase-order", po, "references"));
            objects.AddRange(productionOrders.Select(o => new ObjectLink("production-order", o, "for")));
            intelligence.Append(tx, new ProcessEventDraft(EventTypes.InvoiceExceptionRaised, Source, id, receipt.Plant, now, data, 0, objects));
            outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.InvoiceExceptionRaised, Source, receipt.Id, receipt.Plant, now, data));
            return "exception";
        }

        // Matched (or released): GR/IR at the PO price, the rest of the net amount (price differences within tolerance,
        // document allowances and charges) as invoice price variance, the tax as input tax; accounts payable takes the
        // total. A released invoice's lines without an order line are non-PO spend (the two-way account).
        var netTotal = receipt.TaxExclusive;
        var unmatchedNet = 0m;
        if (release is not null)
        {
            var grouped = groups.Values.SelectMany(g => g.Positions).ToHashSet();
            for (var i = 0; i < invoice.Lines.Count; i++)
            {
                if (!grouped.Contains(i))
                    unmatchedNet += invoice.Lines[i].LineExtensionAmount ?? 0m;
            }
        }

        var variance = sign * (netTotal - grir - unmatchedNet);
        var tax = receipt.TaxTotal;
        var twoWay = tolerance.MatchKind == "two-way";
        var pairs = new List<PostingPair>();
        if (grir != 0)
            pairs.Add(new PostingPair(credit ? (twoWay ? CreditNoteTwoWay : CreditNoteGrIr) : (twoWay ? InvoiceTwoWay : InvoiceGrIr), "*", new Money(grir, currency), "/lines"));
        if (unmatchedNet != 0)
            pairs.Add(new PostingPair(credit != unmatchedNet < 0 ? CreditNoteTwoWay : InvoiceTwoWay, "*", new Money(Math.Abs(unmatchedNet), currency), "/lines"));
        if (variance != 0)
            pairs.Add(new PostingPair(variance > 0 ? PriceVarianceLoss : PriceVarianceGain, "*", new Money(Math.Abs(variance), currency), "/totals/taxExclusive"));
        if (tax != 0)
            pairs.Add(new PostingPair(credit ? InputTaxReversal : InputTax, "*", new Money(tax, currency), "/taxTotal"));
        var date = postingDate ?? plant.DateOf(now);
        string? journalEntry = null;
        var apLocal = 0m;
        if (pairs.Count > 0)
        {
            var postingRules = await rules.GetAsync(tx, ct);
            var prepared = ledger.Prepare(postingRules, new JournalEntryDraft(plant.Company.Code, plant.Code, currency, date, credit ? "supplier-credit-note" : "supplier-invoice",
                new PostingSource(EventTypes.SupplierInvoicePosted, receipt.Id, Source, now, "/postingDate"), pairs));
            if (prepared.IsRejected)
                return Outcome<string>.FromViolations(prepared.Violations);
            var staged = ledger.Stage(tx, prepared.Value);
            journalEntry = staged.ToString();
            apLocal = -(postingRules.ControlBalance(prepared.Value, "payables") ?? 0m);
            PayablesPostings.Publish(tx, outbox, staged, prepared.Value, receipt.Id);
        }

        foreach (var group in groups.Values)
        {
            tx.Stage("INSERT INTO payables_match_line (invoice_id, po, po_line, quantity, po_price, net_amount, grir) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                receipt.Id, order!.Number, (long)group.Line.Line, Text(sign * group.Quantity), Text(group.Line.Price), Text(sign * group.Net), Text(sign * new Money(group.Line.Price * group.Quantity, currency).RoundToMinorUnits().Amount));
        }

        var supplierCode = order?.Supplier ?? receipt.Supplier;
        var orderNumber = order?.Number ?? invoice.OrderReference;
        tx.Stage(
            "INSERT INTO payables_match (invoice_id, plant, kind, supplier, purchase_order, match_kind, state, reason, attempts, had_exception, currency, grir, price_variance, tax, payable, journal_entry, posting_date, due_date, receipt_at_us, received_at_us, posted_at_us, updated_at_us, ap_local) " +
            "VALUES ($1, $2, $3, $4, $5, $6, 'posted', NULL, 1, 0, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18) " +
            "ON CONFLICT (invoice_id) DO UPDATE SET state = 'posted', reason = NULL, attempts = payables_match.attempts + 1, supplier = excluded.supplier, purchase_order = excluded.purchase_order, match_kind = excluded.match_kind, " +
            "grir = excluded.grir, price_variance = excluded.price_variance, tax = excluded.tax, journal_entry = excluded.journal_entry, posting_date = excluded.posting_date, due_date = excluded.due_date, receipt_at_us = excluded.receipt_at_us, posted_at_us = excluded.posted_at_us, updated_at_us = excluded.updated_at_us, ap_local = excluded.ap_local",
            receipt.Id, receipt.Plant, receipt.Kind, order?.Supplier, orderNumber, tolerance.MatchKind, receipt.Currency, Text(sign * grir), Text(variance), Text(sign * tax), Text(payable),
            journalEntry, date.Format(), dueDate.Format(), lastReceiptUs, receipt.ReceivedAt.ToUnixMicroseconds(), now.ToUnixMicroseconds(), Text(apLocal));
        if (prior?.OpenException is { } resolved)
            tx.Stage("UPDATE payables_exception SET status = 'resolved', resolution = $1, resolved_at_us = $2 WHERE id = $3", release ?? "re-matched", now.ToUnixMicroseconds(), resolved);
        var posted = JsonSerializer.Serialize(new SupplierInvoicePosted(receipt.Id, receipt.Plant, receipt.Kind, receipt.Number, supplierCode, orderNumber, tolerance.MatchKind, receipt.Currency,
            sign * grir, variance, sign * tax, payable, journalEntry ?? "", date, dueDate), EventJson.Default.SupplierInvoicePosted);
        var links = new List<ObjectLink> { new("plant", receipt.Plant, "at"), new("supplier-invoice", receipt.Id, release is null ? "posted" : "released"), new("supplier", supplierCode, "from") };
        if (order is not null)
            links.Add(new ObjectLink("purchase-order", order.Number, "matched"));
        if (journalEntry is not null)
            links.Add(new ObjectLink("journal-entry", journalEntry, "posted-as"));
        intelligence.Append(tx, new ProcessEventDraft(EventTypes.SupplierInvoicePosted, Source, receipt.Id, receipt.Plant, now, posted, journalEntry is null ? 0 : 1, links));
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.SupplierInvoicePosted, Source, receipt.Id, receipt.Plant, now, posted));
        return "posted";
    }

    /// <summary>
    /// The production orders behind the order lines: those the received material went into by goods issue since its
    /// first receipt, the one a line's requisition was raised for (its cost object), and the released orders of the
    /// plant the line's material goes into (a component).
    /// </summary>
    private async Task<List<string>> ProductionOrdersAsync(StoreTransaction tx, string plant, IEnumerable<PurchaseOrderLineView> lines, IReadOnlyList<GoodsReceiptView> receipts, CancellationToken ct)
    {
        var open = await production.OpenOrdersAsync(tx, [plant], ct);
        var known = open.Select(o => o.Number).ToHashSet(StringComparer.Ordinal);
        var found = new List<string>();
        var wanted = lines.ToList();
        var received = receipts.Where(r => r.Plant == plant && r.Reverses is null && wanted.Exists(l => l.Item == r.Item)).ToList();
        if (received.Count > 0)
            found.AddRange(await inventory.IssuedToOrdersAsync(tx, plant, [.. received.Select(r => r.Item).Distinct(StringComparer.Ordinal)], received.Min(r => r.CreatedAt), ct));
        foreach (var line in wanted)
        {
            if (line.Requisition is { } number && await procurement.RequisitionAsync(tx, number, ct) is { } requisition && known.Contains(requisition.CostObject))
                found.Add(requisition.CostObject);
            found.AddRange(open.Where(o => o.Components.Any(c => c.Item == line.Item)).Select(o => o.Number));
        }

        return [.. found.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>What an advisor reads about an exception besides its findings (exception path only: a few reads).</summary>
    private static async Task<InvoiceExceptionFeatures> FeaturesAsync(StoreTransaction tx, InvoiceReceipt receipt, SupplierInvoice invoice, IReadOnlyList<string> categories,
        decimal priceDeviation, decimal quantityDeviation, decimal taxDelta, decimal netValue, CancellationToken ct)
    {
        var sameAmount = 0;
        await using (var r = await tx.Command("SELECT issue_date FROM payables_invoice WHERE supplier_key = $1 AND payable = $2 AND id <> $3", receipt.Supplier, Text(receipt.Payable), receipt.Id).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var issued = DateOnly.ParseExact(r.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture);
                if (Math.Abs(issued.DayNumber - receipt.IssueDate.DayNumber) <= 30)
                    sameAmount++;
            }
        }

        long matched = 0, exceptions = 0;
        await using (var r = await tx.Command(
            "SELECT COUNT(*), COALESCE(SUM(m.had_exception), 0) FROM payables_match m JOIN payables_invoice i ON i.id = m.invoice_id WHERE i.supplier_key = $1 AND m.invoice_id <> $2", receipt.Supplier, receipt.Id).ExecuteReaderAsync(ct))
        {
            if (await r.ReadAsync(ct))
                (matched, exceptions) = (r.GetInt64(0), Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture));
        }

        return new InvoiceExceptionFeatures((double)priceDeviation, (double)quantityDeviation, categories.Contains(ExceptionCategories.MissingReceipt), sameAmount, (double)taxDelta,
            matched == 0 ? 0 : (double)exceptions / matched, Math.Max(0m, netValue), string.Join("; ", invoice.Lines.Select(l => l.ItemName).Distinct(StringComparer.Ordinal).Take(20)));
    }

    private static decimal MaxAbs(decimal current, decimal candidate) => Math.Abs(candidate) > Math.Abs(current) ? candidate : current;

    /// <summary>The order line an invoice line is for: its order line reference (BT-132), else the one line of its item.</summary>
    private static PurchaseOrderLineView? PoLine(PurchaseOrderView order, InvoiceLine line)
    {
        if (int.TryParse(line.OrderLineReference, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            return order.Lines.FirstOrDefault(l => l.Line == number);
        var item = line.BuyerItemId ?? line.SellerItemId;
        var candidates = order.Lines.Where(l => l.Item == item).ToList();
        return candidates.Count == 1 ? candidates[0] : null;
    }

    private static async Task<Prior?> PriorAsync(StoreTransaction tx, string invoice, CancellationToken ct)
    {
        await using var r = await tx.Command(
            "SELECT m.attempts, m.had_exception, m.received_at_us, (SELECT e.id FROM payables_exception e WHERE e.invoice_id = m.invoice_id AND e.status = 'open') FROM payables_match m WHERE m.invoice_id = $1",
            invoice).ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new Prior((int)r.GetInt64(0), r.GetInt64(1) == 1, r.IsDBNull(3) ? null : r.GetString(3), r.GetInt64(2)) : null;
    }

    /// <summary>Net quantity invoiced so far per order line (posted invoices less posted credit notes).</summary>
    private static async Task<Dictionary<int, decimal>> InvoicedAsync(StoreTransaction tx, string order, CancellationToken ct)
    {
        var invoiced = new Dictionary<int, decimal>();
        await using var r = await tx.Command("SELECT po_line, quantity FROM payables_match_line WHERE po = $1", order).ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var line = (int)r.GetInt64(0);
            invoiced[line] = invoiced.GetValueOrDefault(line) + Dec(r.GetString(1));
        }

        return invoiced;
    }

    private static async Task<List<string>> PriorInvoicesAsync(StoreTransaction tx, InvoiceReceipt receipt, CancellationToken ct)
    {
        var ids = new List<string>();
        if (receipt.OrderReference is null)
            return ids;
        await using var r = await tx.Command("SELECT id FROM payables_invoice WHERE order_reference = $1 AND id <> $2 ORDER BY received_at_us, id", receipt.OrderReference, receipt.Id).ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            ids.Add(r.GetString(0));
        return ids;
    }

    /// <summary>The tolerance row for a supplier and category: the supplier's own first, then the category's, then the default.</summary>
    internal static async Task<InvoiceTolerance> ToleranceAsync(StoreTransaction tx, string supplier, string category, CancellationToken ct)
    {
        var rows = new List<InvoiceTolerance>();
        await using (var r = await tx.Command(
            "SELECT supplier, category, match_kind, quantity_percent, quantity_absolute, price_percent, price_absolute FROM payables_tolerance WHERE supplier IN ($1, '*') AND category IN ($2, '*')",
            supplier, category).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                rows.Add(new InvoiceTolerance(r.GetString(0), r.GetString(1), r.GetString(2), Dec(r.GetString(3)), Dec(r.GetString(4)), Dec(r.GetString(5)), Dec(r.GetString(6))));
        }

        return rows.OrderBy(t => t.Supplier == "*" ? 1 : 0).ThenBy(t => t.Category == "*" ? 1 : 0).FirstOrDefault()
            ?? new InvoiceTolerance("*", "*", "three-way", 0m, 0m, 0m, 0m);
    }

    private static async Task<Dictionary<string, decimal>> TaxRatesAsync(StoreTransaction tx, string plant, CancellationToken ct)
    {
        var rates = new Dictionary<string, decimal>(StringComparer.Ordinal);
        await using var r = await tx.Command("SELECT category, percent FROM payables_tax_rate WHERE plant = $1", plant).ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rates[r.GetString(0)] = Dec(r.GetString(1));
        return rates;
    }

    private static string Normalize(string value) => string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    internal static string Text(decimal value) => InvoiceIntake.Text(value);

    internal static string Format(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    internal static decimal Dec(string text) => decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}

internal static class PayablesJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
