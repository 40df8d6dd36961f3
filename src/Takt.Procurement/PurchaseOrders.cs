using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Orchestration;
using Takt.Store;

namespace Takt.Procurement;

/// <summary>A price for a requisition's line on the order (per unit, in the supplier's currency).</summary>
public sealed record RequisitionPrice(string Requisition, decimal Price);

/// <summary>Orders from approved requisitions, grouped by supplier (and plant and category).</summary>
/// <param name="Prices">Per requisition, the agreed unit price; without one, the estimate (value ÷ quantity) when the supplier bills in the company currency.</param>
public sealed record OrderRequisitions(IReadOnlyList<string> Requisitions, string Buyer, string Incoterms, IReadOnlyList<RequisitionPrice>? Prices = null);

/// <summary>A line of a direct order: an item, or (with <paramref name="Item"/> null) a service.</summary>
/// <param name="Price">Price per unit in the supplier's currency.</param>
/// <param name="Service">For a service line: what service (no stock; its acceptance posts to the order's cost object).</param>
public sealed record DirectOrderLine(string? Item, decimal Quantity, string Unit, decimal Price, DateOnly DeliveryDate, string? Service = null);

/// <summary>An order without requisition: approved by the same routing as a requisition of its value (in the company currency at today's rate).</summary>
public sealed record DirectOrder(string Plant, string Supplier, string Category, string CostObject, string Incoterms, string Buyer, IReadOnlyList<DirectOrderLine> Lines);

/// <param name="Quantity">New quantity, or null to keep it.</param>
/// <param name="Price">New unit price, or null to keep it.</param>
/// <param name="DeliveryDate">New delivery date, or null to keep it.</param>
public sealed record OrderLineChange(int Line, decimal? Quantity = null, decimal? Price = null, DateOnly? DeliveryDate = null);

public sealed record OrderChange(string Actor, IReadOnlyList<OrderLineChange> Lines);

/// <summary>Purchase orders: creation, approval (through the approval flow), issue to the supplier, changes within tolerance.</summary>
internal sealed partial class ProcurementService
{
    private const string OrderColumns = "number, plant, supplier, currency, incoterms, category, status, buyer, approved_by, revision, acknowledgement, created_at_us, issued_at_us";

    public async Task<Outcome<IReadOnlyList<PurchaseOrderView>>> OrderRequisitionsAsync(StoreTransaction tx, OrderRequisitions request, CancellationToken ct)
    {
        if (request.Requisitions is not { Count: > 0 })
            return new Violation("/requisitions", "order.requisitions-required", "Name at least one approved requisition.");
        if (string.IsNullOrWhiteSpace(request.Buyer))
            return new Violation("/buyer", "order.buyer-required", "Name the buyer.");
        if (string.IsNullOrWhiteSpace(request.Incoterms))
            return new Violation("/incoterms", "order.incoterms-required", "Name the Incoterms rule and place (FCA Augsburg).");
        var errors = new List<Violation>();
        var requisitions = new List<RequisitionView>();
        var prices = (request.Prices ?? []).ToDictionary(p => p.Requisition, p => p.Price, StringComparer.Ordinal);
        var suppliers = new Dictionary<string, SupplierView>(StringComparer.Ordinal);
        for (var i = 0; i < request.Requisitions.Count; i++)
        {
            var at = $"/requisitions/{i}";
            var number = request.Requisitions[i];
            if (request.Requisitions.Take(i).Contains(number))
            {
                errors.Add(new Violation(at, "order.requisition-repeated", $"Requisition {number} is named twice."));
                continue;
            }

            var r = await RequisitionForUpdateAsync(tx, number, ct);
            if (r is null)
            {
                errors.Add(new Violation(at, "requisition.unknown", $"Requisition '{number}' does not exist."));
                continue;
            }

            if (r.Status != "approved")
                errors.Add(new Violation(at, "order.requisition-not-approved", $"Requisition {number} is {r.Status}; only approved requisitions are ordered."));
            if (r.Supplier is null)
            {
                errors.Add(new Violation(at, "order.supplier-required", $"Requisition {number} names no supplier."));
                continue;
            }

            if (!suppliers.ContainsKey(r.Supplier))
                suppliers[r.Supplier] = (await SupplierAsync(tx, r.Supplier, ct))!;
            var supplier = suppliers[r.Supplier];
            if (!prices.TryGetValue(number, out var price))
            {
                if (supplier.Currency != r.Currency)
                    errors.Add(new Violation("/prices", "order.price-required", $"Supplier {supplier.Code} bills in {supplier.Currency}; give the price of {number} in it."));
                else
                    prices[number] = Math.Round(r.EstimatedValue / r.Quantity, 4, MidpointRounding.AwayFromZero);
            }
            else if (price <= 0 || decimal.Round(price, 4) != price)
            {
                errors.Add(new Violation("/prices", "order.price-invalid", $"The price of {number} is greater than 0 with at most 4 decimals."));
            }

            requisitions.Add(r);
        }

        if (errors.Count > 0)
            return errors.ToArray();

        // An order in a foreign currency is valued in the company currency at the rate of the day it is written
        // (budget commitment and the approval of later changes read it at that rate).
        var rates = new Dictionary<(string Supplier, string Plant), decimal>();
        Takt.Ledger.PostingRules? rules = null;
        foreach (var (supplierCode, plantCode) in requisitions.Select(r => (r.Supplier!, r.Plant)).Distinct())
        {
            var supplier = suppliers[supplierCode];
            var plant = (await masterData.LoadAsync(tx, [plantCode], [], [], ct)).Plant(plantCode)!;
            if (supplier.Currency == plant.Company.Currency.Code)
            {
                rates[(supplierCode, plantCode)] = 1m;
                continue;
            }

            rules ??= await ledger.LoadRulesAsync(tx, ct);
            var today = plant.DateOf(tx.Clock.GetUtcNow());
            if (rules.ExchangeRate(Currency.Of(supplier.Currency), plant.Company.Currency, today) is { } rate)
                rates[(supplierCode, plantCode)] = rate;
            else
                errors.Add(MissingRate("/requisitions", supplier.Currency, plant.Company.Currency.Code, today, $"supplier {supplierCode} bills in {supplier.Currency}"));
        }

        if (errors.Count > 0)
            return errors.ToArray();

        var now = tx.Clock.GetUtcNow();
        var groups = requisitions.GroupBy(r => (r.Supplier!, r.Plant, r.Category)).ToList();
        var first = await NextAsync(tx, "purchase-order", groups.Count, ct);
        var orders = new List<PurchaseOrderView>();
        for (var g = 0; g < groups.Count; g++)
        {
            var (supplierCode, plant, category) = groups[g].Key;
            var supplier = suppliers[supplierCode];
            var number = $"PO-{first + g:0000000}";
            var lines = groups[g].Select((r, i) => new PurchaseOrderLineView(i + 1, r.Item ?? "", r.Quantity, r.Unit, prices[r.Number], supplier.Currency, r.NeedDate, 0m, 0m, r.Number, null, null)
            {
                Kind = r.Item is null ? LineKinds.Service : LineKinds.Item,
                Service = r.Item is null ? r.Service : null,
                CostObject = r.Item is null ? r.CostObject : null,
            }).ToList();
            tx.Stage(
                "INSERT INTO proc_po (number, plant, supplier, currency, incoterms, category, status, buyer, approved_by, approval_instance, revision, created_at_us, issued_at_us, rate_e10) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                number, plant, supplierCode, supplier.Currency, request.Incoterms, category, "issued", request.Buyer, null, null, 1L, now.ToUnixMicroseconds(), now.ToUnixMicroseconds(), ToE10(rates[(supplierCode, plant)]));
            StageLines(tx, number, lines);
            foreach (var r in groups[g])
            {
                tx.Stage("UPDATE proc_requisition SET status = 'ordered', purchase_order = $1, ordered_at_us = $2 WHERE number = $3", number, now.ToUnixMicroseconds(), r.Number);
            }

            var order = new PurchaseOrderView(number, plant, supplierCode, supplier.Currency, request.Incoterms, category, "issued", request.Buyer, null, 1, null, now, now, lines);
            var objects = new List<ObjectLink> { new("plant", plant, "at"), new("purchase-order", number, "created"), new("supplier", supplierCode, "ordered-from") };
            objects.AddRange(groups[g].Select(r => new ObjectLink("requisition", r.Number, "ordered")));
            Log(tx, "takt.procurement.purchase-order-created.v1", number, plant, new { number, supplier = supplierCode, lines = lines.Count, buyer = request.Buyer }, objects);
            Issue(tx, order);
            orders.Add(order);
        }

        return orders;
    }

    public async Task<Outcome<PurchaseOrderView>> CreateDirectOrderAsync(StoreTransaction tx, DirectOrder request, CancellationToken ct)
    {
        var errors = new List<Violation>();
        var view = await masterData.LoadAsync(tx, [request.Plant ?? ""], (request.Lines ?? []).Select(l => l.Item).OfType<string>().Distinct().ToList(), [], ct);
        var plant = view.Plant(request.Plant ?? "");
        if (plant is null)
            errors.Add(new Violation("/plant", "order.plant-unknown", $"Plant '{request.Plant}' does not exist."));
        var supplier = await SupplierAsync(tx, request.Supplier ?? "", ct);
        if (supplier is null)
            errors.Add(new Violation("/supplier", "order.supplier-unknown", $"Supplier '{request.Supplier}' does not exist."));
        if (string.IsNullOrWhiteSpace(request.Category))
            errors.Add(new Violation("/category", "requisition.category-required", "Name the spend category (direct, indirect, MRO, …)."));
        if (string.IsNullOrWhiteSpace(request.CostObject))
            errors.Add(new Violation("/costObject", "requisition.cost-object-required", "Name the cost object the spend is for."));
        if (string.IsNullOrWhiteSpace(request.Buyer))
            errors.Add(new Violation("/buyer", "order.buyer-required", "Name the buyer."));
        if (string.IsNullOrWhiteSpace(request.Incoterms))
            errors.Add(new Violation("/incoterms", "order.incoterms-required", "Name the Incoterms rule and place (FCA Augsburg)."));
        if (request.Lines is not { Count: > 0 })
            errors.Add(new Violation("/lines", "order.lines-required", "An order has at least one line."));
        var today = plant?.DateOf(tx.Clock.GetUtcNow());
        for (var i = 0; i < (request.Lines?.Count ?? 0); i++)
        {
            var line = request.Lines![i];
            if ((line.Item is null) == string.IsNullOrWhiteSpace(line.Service))
            {
                errors.Add(new Violation($"/lines/{i}/item", "order.item-or-service", "A line names either an item or a service (one of them)."));
            }
            else if (line.Item is null)
            {
                if (!UnitOfMeasure.TryParse(line.Unit, out _))
                    errors.Add(new Violation($"/lines/{i}/unit", "unit.unknown", $"'{line.Unit}' is not a known UN/ECE Rec 20 unit."));
            }
            else if (view.Item(line.Item) is not { } item)
            {
                errors.Add(new Violation($"/lines/{i}/item", "order.item-unknown", $"Item '{line.Item}' does not exist."));
            }
            else if (item.BaseUnit.Code != line.Unit)
            {
                errors.Add(new Violation($"/lines/{i}/unit", "requisition.unit-mismatch", $"Item {item.Number} is kept in {item.BaseUnit.Code}; order it in {item.BaseUnit.Code}."));
            }

            if (line.Quantity <= 0 || decimal.Round(line.Quantity, 6) != line.Quantity)
                errors.Add(new Violation($"/lines/{i}/quantity", "order.quantity-positive", "quantity is greater than 0 with at most 6 decimals."));
            if (line.Price <= 0 || decimal.Round(line.Price, 4) != line.Price)
                errors.Add(new Violation($"/lines/{i}/price", "order.price-invalid", "price is greater than 0 with at most 4 decimals."));
            if (today is { } d && line.DeliveryDate < d)
                errors.Add(new Violation($"/lines/{i}/deliveryDate", "order.delivery-date-past", $"The delivery date {line.DeliveryDate.Format()} is before today ({d.Format()}) at {plant!.Code}."));
        }

        // Approval limits and budgets are in the company currency: an order in another currency is valued at today's rate.
        var rate = 1m;
        if (plant is not null && supplier is not null && supplier.Currency != plant.Company.Currency.Code && today is { } on)
        {
            if ((await ledger.LoadRulesAsync(tx, ct)).ExchangeRate(Currency.Of(supplier.Currency), plant.Company.Currency, on) is { } found)
                rate = found;
            else
                errors.Add(MissingRate("/supplier", supplier.Currency, plant.Company.Currency.Code, on, $"supplier {supplier.Code} bills in {supplier.Currency}"));
        }

        if (errors.Count > 0)
            return errors.ToArray();

        var now = tx.Clock.GetUtcNow();
        var number = $"PO-{await NextAsync(tx, "purchase-order", 1, ct):0000000}";
        var lines = request.Lines!.Select((l, i) => new PurchaseOrderLineView(i + 1, l.Item ?? "", l.Quantity, l.Unit, l.Price, supplier!.Currency, l.DeliveryDate, 0m, 0m, null, null, null)
        {
            Kind = l.Item is null ? LineKinds.Service : LineKinds.Item,
            Service = l.Item is null ? l.Service : null,
            CostObject = l.Item is null ? request.CostObject : null,
        }).ToList();
        var value = CompanyValue(lines, rate, plant!.Company.Currency);
        var decided = await routing.DecideAsync(tx, new ApprovalRouting.Purchase("purchase-order", number, plant.Code, request.Category, value, "normal", supplier!.Risk, request.CostObject, number), ct);
        if (decided.IsRejected)
            return Outcome<PurchaseOrderView>.FromViolations(decided.Violations);
        string? instance = null;
        if (decided.Value.NeedsFlow)
        {
            var started = await orchestration.StartAsync(tx, new StartFlow(options.ApprovalFlow, plant.Code, request.Buyer, decided.Value.Variables), ct);
            if (started.IsRejected)
                return Outcome<PurchaseOrderView>.FromViolations(started.Violations);
            instance = started.Value.Id;
        }

        var status = instance is null ? "issued" : "pending-approval";
        tx.Stage(
            "INSERT INTO proc_po (number, plant, supplier, currency, incoterms, category, status, buyer, approved_by, approval_instance, revision, created_at_us, issued_at_us, rate_e10) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            number, plant.Code, supplier.Code, supplier.Currency, request.Incoterms, request.Category, status, request.Buyer, null, instance, 1L, now.ToUnixMicroseconds(), instance is null ? now.ToUnixMicroseconds() : null, ToE10(rate));
        StageLines(tx, number, lines);
        Log(tx, "takt.procurement.purchase-order-created.v1", number, plant.Code, new { number, supplier = supplier.Code, status, routing = decided.Value.Explanations },
            [new("plant", plant.Code, "at"), new("purchase-order", number, "created"), new("supplier", supplier.Code, "ordered-from")]);
        var order = new PurchaseOrderView(number, plant.Code, supplier.Code, supplier.Currency, request.Incoterms, request.Category, status, request.Buyer, null, 1, null, now, instance is null ? now : null, lines);
        if (instance is null)
            Issue(tx, order);
        return order;
    }

    /// <summary>
    /// Changes quantities, prices or dates of an issued order. Within tolerance (against the last approved values) the
    /// change is issued at once as the next revision; outside it, the order waits for approval again.
    /// </summary>
    public async Task<Outcome<PurchaseOrderView>> ChangeOrderAsync(StoreTransaction tx, string number, OrderChange change, CancellationToken ct)
    {
        var order = await OrderForUpdateAsync(tx, number, ct);
        if (order is null)
            return new Violation("/number", "purchase-order.unknown", $"Purchase order '{number}' does not exist.");
        if (order.View.Status is not ("issued" or "confirmed"))
            return new Violation("/number", "order.not-changeable", $"Purchase order {number} is {order.View.Status}; only issued or confirmed orders change.");
        if (string.IsNullOrWhiteSpace(change.Actor))
            return new Violation("/actor", "order.actor-required", "Name the person changing the order.");
        if (change.Lines is not { Count: > 0 })
            return new Violation("/lines", "order.lines-required", "Name at least one line to change.");
        var errors = new List<Violation>();
        var outside = new List<string>();
        var lines = order.View.Lines.ToList();
        for (var i = 0; i < change.Lines.Count; i++)
        {
            var c = change.Lines[i];
            var index = lines.FindIndex(l => l.Line == c.Line);
            if (index < 0)
            {
                errors.Add(new Violation($"/lines/{i}/line", "order.line-unknown", $"Purchase order {number} has no line {c.Line}."));
                continue;
            }

            var line = lines[index];
            var (approvedQuantity, approvedPrice) = order.Approved[c.Line];
            if (c.Quantity is { } q && (q <= 0 || q < line.Received || decimal.Round(q, 6) != q))
                errors.Add(new Violation($"/lines/{i}/quantity", "order.quantity-invalid", $"The new quantity is greater than 0, at most 6 decimals and not below the {line.Received} already received."));
            if (c.Price is { } p && (p <= 0 || decimal.Round(p, 4) != p))
                errors.Add(new Violation($"/lines/{i}/price", "order.price-invalid", "price is greater than 0 with at most 4 decimals."));
            var quantity = c.Quantity ?? line.Quantity;
            var price = c.Price ?? line.Price;
            if (quantity > approvedQuantity * (1 + (options.QuantityChangeTolerancePercent / 100m)))
                outside.Add($"line {c.Line}: quantity {quantity} is more than {options.QuantityChangeTolerancePercent}% above the approved {approvedQuantity}");
            if (Math.Abs(price - approvedPrice) > approvedPrice * options.PriceChangeTolerancePercent / 100m)
                outside.Add($"line {c.Line}: price {price} differs from the approved {approvedPrice} by more than {options.PriceChangeTolerancePercent}%");
            lines[index] = line with { Quantity = quantity, Price = price, DeliveryDate = c.DeliveryDate ?? line.DeliveryDate };
        }

        if (errors.Count > 0)
            return errors.ToArray();
        var now = tx.Clock.GetUtcNow();
        foreach (var line in lines)
        {
            tx.Stage("UPDATE proc_po_line SET quantity_e6 = $1, price_e4 = $2, delivery_date = $3 WHERE po = $4 AND line = $5",
                Fixed.ToE6(line.Quantity), Fixed.ToE4(line.Price), line.DeliveryDate.ToDateKey(), number, (long)line.Line);
        }

        if (outside.Count == 0)
        {
            foreach (var line in lines)
                tx.Stage("UPDATE proc_po_line SET approved_quantity_e6 = $1, approved_price_e4 = $2 WHERE po = $3 AND line = $4", Fixed.ToE6(line.Quantity), Fixed.ToE4(line.Price), number, (long)line.Line);
            tx.Stage("UPDATE proc_po SET revision = revision + 1, status = 'issued', acknowledgement = NULL WHERE number = $1", number);
            var changed = order.View with { Lines = lines, Revision = order.View.Revision + 1, Status = "issued", Acknowledgement = null };
            Log(tx, "takt.procurement.purchase-order-changed.v1", number, order.View.Plant, new { number, by = change.Actor, withinTolerance = true, revision = changed.Revision },
                [new("plant", order.View.Plant, "at"), new("purchase-order", number, "changed")]);
            Issue(tx, changed);
            return changed;
        }

        var plant = (await masterData.LoadAsync(tx, [order.View.Plant], [], [], ct)).Plant(order.View.Plant)!;
        var value = CompanyValue(lines, order.Rate, plant.Company.Currency);
        var supplier = (await SupplierAsync(tx, order.View.Supplier, ct))!;
        var decided = await routing.DecideAsync(tx, new ApprovalRouting.Purchase("purchase-order", number, plant.Code, order.View.Category, value, "normal", supplier.Risk, order.View.Category, number), ct);
        if (decided.IsRejected)
            return Outcome<PurchaseOrderView>.FromViolations(decided.Violations);
        // Outside tolerance the changed order goes through the approval flow again: the routing of its new value decides who approves.
        var started = await orchestration.StartAsync(tx, new StartFlow(options.ApprovalFlow, plant.Code, change.Actor, decided.Value.Variables), ct);
        if (started.IsRejected)
            return Outcome<PurchaseOrderView>.FromViolations(started.Violations);
        tx.Stage("UPDATE proc_po SET status = 'pending-approval', approval_instance = $1 WHERE number = $2", started.Value.Id, number);
        Log(tx, "takt.procurement.purchase-order-changed.v1", number, order.View.Plant, new { number, by = change.Actor, withinTolerance = false, outside, routing = decided.Value.Explanations },
            [new("plant", order.View.Plant, "at"), new("purchase-order", number, "changed")]);
        return order.View with { Lines = lines, Status = "pending-approval" };
    }

    /// <summary>The approval flow ended: release (issue) or reject the requisition or order it approved.</summary>
    internal async Task DecideAsync(StoreTransaction tx, string kind, string document, string instance, bool approved, CancellationToken ct)
    {
        var now = tx.Clock.GetUtcNow();
        if (kind == "requisition")
        {
            var plant = await tx.Command("SELECT plant FROM proc_requisition WHERE number = $1 AND approval_instance = $2 AND status = 'pending-approval'", document, instance).ExecuteScalarAsync(ct) as string;
            if (plant is null)
                return;
            await tx.ExecuteAsync("UPDATE proc_requisition SET status = $1, decided_at_us = $2 WHERE number = $3", ct, approved ? "approved" : "rejected", now.ToUnixMicroseconds(), document);
            Log(tx, approved ? "takt.procurement.requisition-approved.v1" : "takt.procurement.requisition-rejected.v1", document, plant, new { number = document, instance },
                [new("plant", plant, "at"), new("requisition", document, approved ? "approved" : "rejected")]);
            return;
        }

        var order = await OrderForUpdateAsync(tx, document, ct);
        if (order is null || order.View.Status != "pending-approval" || order.Instance != instance)
            return;
        var approver = await orchestration.LastApproverAsync(tx, instance, ct);
        if (approved)
        {
            foreach (var line in order.View.Lines)
                await tx.ExecuteAsync("UPDATE proc_po_line SET approved_quantity_e6 = quantity_e6, approved_price_e4 = price_e4 WHERE po = $1 AND line = $2", ct, document, (long)line.Line);
            var revision = order.View.IssuedAt is null ? 1 : order.View.Revision + 1;
            await tx.ExecuteAsync("UPDATE proc_po SET status = 'issued', revision = $1, approved_by = COALESCE($2, approved_by), issued_at_us = COALESCE(issued_at_us, $3), acknowledgement = NULL WHERE number = $4", ct,
                (long)revision, approver, now.ToUnixMicroseconds(), document);
            Issue(tx, order.View with { Status = "issued", Revision = revision, ApprovedBy = approver ?? order.View.ApprovedBy });
            return;
        }

        if (order.View.IssuedAt is null)
        {
            await tx.ExecuteAsync("UPDATE proc_po SET status = 'rejected' WHERE number = $1", ct, document);
        }
        else
        {
            // A rejected change: the order goes back to what was approved and stays issued.
            await tx.ExecuteAsync("UPDATE proc_po_line SET quantity_e6 = approved_quantity_e6, price_e4 = approved_price_e4 WHERE po = $1", ct, document);
            await tx.ExecuteAsync("UPDATE proc_po SET status = 'issued' WHERE number = $1", ct, document);
        }

        Log(tx, "takt.procurement.purchase-order-rejected.v1", document, order.View.Plant, new { number = document, instance, change = order.View.IssuedAt is not null },
            [new("plant", order.View.Plant, "at"), new("purchase-order", document, "rejected")]);
    }

    private static void StageLines(StoreTransaction tx, string number, IReadOnlyList<PurchaseOrderLineView> lines)
    {
        foreach (var l in lines)
        {
            tx.Stage(
                "INSERT INTO proc_po_line (po, line, requisition, item, quantity_e6, unit, price_e4, delivery_date, approved_quantity_e6, approved_price_e4, kind, service, cost_object) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                number, (long)l.Line, l.Requisition, l.Item, Fixed.ToE6(l.Quantity), l.Unit, Fixed.ToE4(l.Price), l.DeliveryDate.ToDateKey(), Fixed.ToE6(l.Quantity), Fixed.ToE4(l.Price), l.Kind, l.Service, l.CostObject);
        }
    }

    /// <summary>The order goes to the supplier channel: <c>takt.procurement.purchase-order-issued.v1</c> through the outbox (webhooks deliver it).</summary>
    private void Issue(StoreTransaction tx, PurchaseOrderView order)
    {
        var now = tx.Clock.GetUtcNow();
        var data = new PurchaseOrderIssued(order.Number, order.Revision, order.Plant, order.Supplier, order.Currency, order.Incoterms, order.Buyer,
            [.. order.Lines.Select(l => new PurchaseOrderLineData(l.Line, l.Item, new QuantityValue(l.Quantity, l.Unit), l.Price, l.DeliveryDate, l.Service))]);
        var json = JsonSerializer.Serialize(data, EventJson.Default.PurchaseOrderIssued);
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.PurchaseOrderIssued, Source, order.Number, order.Plant, now, json));
        intelligence.Append(tx, new ProcessEventDraft(EventTypes.PurchaseOrderIssued, Source, Uuid7.New(now).ToString(), order.Plant, now, json, 0,
            [new("plant", order.Plant, "at"), new("purchase-order", order.Number, "issued"), new("supplier", order.Supplier, "ordered-from")]));
    }

    /// <param name="Rate">Company-currency units per unit of the order's currency when the order was written.</param>
    internal sealed record OrderRow(PurchaseOrderView View, string? Instance, IReadOnlyDictionary<int, (decimal Quantity, decimal Price)> Approved, long SupplierSequence, decimal Rate);

    internal static long ToE10(decimal rate) => checked((long)decimal.Round(rate * 10_000_000_000m, 0, MidpointRounding.AwayFromZero));

    internal static decimal FromE10(long value) => value / 10_000_000_000m;

    /// <summary>An order's value in the company currency: the lines at their prices, converted at <paramref name="rate"/>.</summary>
    private static Money CompanyValue(IEnumerable<PurchaseOrderLineView> lines, decimal rate, Currency company) =>
        new Money(lines.Sum(l => l.Quantity * l.Price) * rate, company).RoundToMinorUnits();

    private static Violation MissingRate(string field, string from, string to, DateOnly date, string why) =>
        new(field, "exchange-rate.missing", $"No exchange rate from {from} to {to} is recorded for {date.Format()} ({why}; amounts are valued in the company currency {to}). Record the rate in the ledger first.");

    internal static async Task<OrderRow?> OrderForUpdateAsync(StoreTransaction tx, string number, CancellationToken ct)
    {
        var locked = tx.Engine == StoreEngine.Postgres ? " FOR UPDATE" : "";
        PurchaseOrderView? head;
        string? instance;
        long sequence;
        decimal rate;
        await using (var reader = await tx.Command($"SELECT {OrderColumns}, approval_instance, supplier_seq, rate_e10 FROM proc_po WHERE number = $1{locked}", number).ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return null;
            head = ReadOrder(reader, []);
            instance = Text(reader, 13);
            sequence = reader.GetInt64(14);
            rate = FromE10(reader.GetInt64(15));
        }

        var lines = await LinesAsync(tx, [number], ct);
        var approved = new Dictionary<int, (decimal, decimal)>();
        await using (var reader = await tx.Command("SELECT line, approved_quantity_e6, approved_price_e4 FROM proc_po_line WHERE po = $1", number).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                approved[(int)reader.GetInt64(0)] = (Fixed.FromE6(reader.GetInt64(1)), Fixed.FromE4(reader.GetInt64(2)));
        }

        return new OrderRow(head with { Lines = lines.GetValueOrDefault(number) ?? [] }, instance, approved, sequence, rate);
    }

    public async Task<IReadOnlyDictionary<string, PurchaseOrderView>> PurchaseOrdersAsync(StoreTransaction transaction, IReadOnlyCollection<string> numbers, CancellationToken ct)
    {
        var result = new Dictionary<string, PurchaseOrderView>(StringComparer.Ordinal);
        if (numbers.Count == 0)
            return result;
        var heads = new List<PurchaseOrderView>();
        var (condition, value) = SqlList.In(transaction, "number", [.. numbers.Distinct(StringComparer.Ordinal)]);
        await using (var reader = await transaction.Command($"SELECT {OrderColumns} FROM proc_po WHERE {condition}", value).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                heads.Add(ReadOrder(reader, []));
        }

        var lines = await LinesAsync(transaction, [.. heads.Select(h => h.Number)], ct);
        foreach (var head in heads)
            result[head.Number] = head with { Lines = lines.GetValueOrDefault(head.Number) ?? [] };
        return result;
    }

    public async Task<IReadOnlyList<PurchaseOrderView>> PurchaseOrderListAsync(StoreTransaction transaction, string? plant, string? supplier, int limit, CancellationToken ct)
    {
        var numbers = new List<string>();
        await using (var reader = await transaction.Command("SELECT number FROM proc_po WHERE ($1 = '' OR plant = $1) AND ($2 = '' OR supplier = $2) ORDER BY number DESC LIMIT $3", plant ?? "", supplier ?? "", (long)limit).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                numbers.Add(reader.GetString(0));
        }

        var orders = await PurchaseOrdersAsync(transaction, numbers, ct);
        return [.. numbers.Select(n => orders[n])];
    }

    private static PurchaseOrderView ReadOrder(DbDataReader r, IReadOnlyList<PurchaseOrderLineView> lines) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), Text(r, 8), (int)r.GetInt64(9), Text(r, 10),
        Instants.FromUnixMicroseconds(r.GetInt64(11)), r.IsDBNull(12) ? null : Instants.FromUnixMicroseconds(r.GetInt64(12)), lines);

    private static async Task<Dictionary<string, List<PurchaseOrderLineView>>> LinesAsync(StoreTransaction tx, IReadOnlyList<string> numbers, CancellationToken ct)
    {
        var result = new Dictionary<string, List<PurchaseOrderLineView>>(StringComparer.Ordinal);
        if (numbers.Count == 0)
            return result;
        var grir = new Dictionary<(string, int), long>();
        var (rc, rv) = SqlList.In(tx, "po", numbers);
        await using (var reader = await tx.Command($"SELECT po, line, SUM(COALESCE(order_grir_e4, grir_e4)) FROM proc_receipt WHERE {rc} GROUP BY po, line", rv).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                grir[(reader.GetString(0), (int)reader.GetInt64(1))] = Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture);
        }

        var (condition, value) = SqlList.In(tx, "l.po", numbers);
        await using var lines = await tx.Command(
            $"SELECT l.po, l.line, l.item, l.quantity_e6, l.unit, l.price_e4, p.currency, l.delivery_date, l.received_e6, l.requisition, l.confirmed_quantity_e6, l.confirmed_date, l.kind, l.service, l.cost_object FROM proc_po_line l JOIN proc_po p ON p.number = l.po WHERE {condition} ORDER BY l.po, l.line",
            value).ExecuteReaderAsync(ct);
        while (await lines.ReadAsync(ct))
        {
            var po = lines.GetString(0);
            var line = (int)lines.GetInt64(1);
            if (!result.TryGetValue(po, out var list))
                result[po] = list = [];
            list.Add(new PurchaseOrderLineView(line, lines.GetString(2), Fixed.FromE6(lines.GetInt64(3)), lines.GetString(4), Fixed.FromE4(lines.GetInt64(5)), lines.GetString(6),
                Instants.FromDateKey((int)lines.GetInt64(7)), Fixed.FromE6(lines.GetInt64(8)), Fixed.FromE4(grir.GetValueOrDefault((po, line))), Text(lines, 9),
                lines.IsDBNull(10) ? null : Fixed.FromE6(lines.GetInt64(10)), lines.IsDBNull(11) ? null : Instants.FromDateKey((int)lines.GetInt64(11)))
            {
                Kind = lines.GetString(12),
                Service = Text(lines, 13),
                CostObject = Text(lines, 14),
            });
        }

        return result;
    }

    private static async Task<RequisitionView?> RequisitionForUpdateAsync(StoreTransaction tx, string number, CancellationToken ct)
    {
        var locked = tx.Engine == StoreEngine.Postgres ? " FOR UPDATE" : "";
        await using var reader = await tx.Command($"SELECT {RequisitionColumns} FROM proc_requisition WHERE number = $1{locked}", number).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadRequisition(reader) : null;
    }

    public async Task<SupplierView?> SupplierAsync(StoreTransaction transaction, string code, CancellationToken ct)
    {
        await using var reader = await transaction.Command("SELECT code, name, currency, payment_terms_days, risk, client_id FROM proc_supplier WHERE code = $1", code).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new SupplierView(reader.GetString(0), reader.GetString(1), reader.GetString(2), (int)reader.GetInt64(3), reader.GetString(4), Text(reader, 5))
            : null;
    }
}
