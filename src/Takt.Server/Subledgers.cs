using Takt.Contracts;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Payables;
using Takt.Procurement;
using Takt.Production;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// What the close reads from the operational modules, through their public interfaces: stock value (inventory, as of
/// the period end by taking back the movements posted after it), WIP of orders (production, now), GR/IR open items
/// (receipts from procurement less what posted invoices cleared in payables, as of the period end, aged first in first
/// out), open AP items (payables: posted documents less payments, now), and the exceptions still open.
/// </summary>
public sealed class Subledgers(
    IMasterData masterData, IInventory inventory, IProduction production, IProcurement procurement, IPayables invoices, Takt.Payables.Payments.IPaymentRuns payables, ILedger ledger,
    TimeProvider clock) : ISubledgers
{
    private const int AllOrders = 1_000_000;

    public async Task<IReadOnlyList<SubledgerTotal>> TotalsAsync(TaktStore store, string company, DateOnly periodEnd, CancellationToken ct)
    {
        var companyPlants = (await masterData.PlantsAsync(store, ct)).Where(p => p.Company.Code == company).ToList();
        var plants = companyPlants.Select(p => p.Code).ToHashSet(StringComparer.Ordinal);
        var stockNow = (await inventory.StockAsync(store, null, ct)).Where(s => plants.Contains(s.Plant)).Sum(s => s.Value);
        // Every order's WIP: open orders carry it; nothing settles an order to zero yet, so closed ones count too.
        var wip = (await production.OrdersAsync(store, null, AllOrders, ct)).Where(o => plants.Contains(o.Plant)).Sum(o => o.Wip);
        var (ap, openDocuments) = await payables.OpenItemsAsync(store, plants, ct);
        decimal stockAtEnd;
        SubledgerTotal grir;
        await using (var session = await store.OpenSessionAsync(clock, ct))
        {
            await using var tx = await session.BeginAsync(ct);
            stockAtEnd = plants.Count == 0 ? 0m : stockNow - await inventory.ValuePostedAfterAsync(tx, plants, periodEnd, ct);
            grir = await GrIrAsync(tx, plants, companyPlants.FirstOrDefault()?.Company.Currency, periodEnd, ct);
        }

        return
        [
            new SubledgerTotal("inventory", $"Inventory valuation (stock at standard, as of {periodEnd:yyyy-MM-dd})", stockAtEnd) { AsOfPeriodEnd = true },
            new SubledgerTotal("production", "WIP of production orders (now: production keeps no WIP history)", wip),
            grir,
            new SubledgerTotal("payables", $"Open AP items ({openDocuments} unpaid documents, as a control balance, now)", ap),
        ];
    }

    /// <summary>
    /// GR/IR open items per purchase order line as of the period end: GR/IR the receipts credited less what posted
    /// invoices cleared, in the company currency at the rate of each posting date; aged from the oldest receipt still
    /// uninvoiced (first in, first out).
    /// </summary>
    private async Task<SubledgerTotal> GrIrAsync(StoreTransaction tx, HashSet<string> plants, Currency? companyCurrency, DateOnly periodEnd, CancellationToken ct)
    {
        if (plants.Count == 0 || companyCurrency is not { } currency)
            return new SubledgerTotal("procurement", "GR/IR open items", null, "Not applicable: the company has no plants, so there are no GR/IR open items.");
        var receipts = await procurement.GrIrReceiptsAsync(tx, plants, periodEnd, ct);
        var invoiced = await invoices.InvoicedGrIrAsync(tx, plants, periodEnd, ct);
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var unconverted = new List<string>();
        decimal Local(decimal amount, string from, DateOnly date)
        {
            if (rules.Convert(new Money(amount, Currency.Of(from)), currency, date) is { } local)
                return local.Amount;
            unconverted.Add($"{from} on {date:yyyy-MM-dd}");
            return 0m;
        }

        var items = new List<SubledgerOpenItem>();
        var cleared = invoiced.GroupBy(i => (i.Order, i.Line)).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var line in receipts.GroupBy(r => (r.Order, r.Line, r.Plant)))
        {
            var received = line.Sum(r => Local(r.GrIr, r.Currency, r.PostingDate));
            var lineInvoices = cleared.GetValueOrDefault((line.Key.Order, line.Key.Line)) ?? [];
            var invoicedLocal = lineInvoices.Sum(i => Local(i.GrIr, i.Currency, i.PostingDate));
            cleared.Remove((line.Key.Order, line.Key.Line));
            var open = received - invoicedLocal;
            if (open == 0)
                continue;
            // Oldest receipt still open: walk the receipts until their running total exceeds what was invoiced.
            var since = line.First().PostingDate;
            var running = 0m;
            foreach (var r in line)
            {
                running += Local(r.GrIr, r.Currency, r.PostingDate);
                since = r.PostingDate;
                if (running > invoicedLocal)
                    break;
            }

            if (open < 0)
                since = lineInvoices.Count > 0 ? lineInvoices[0].PostingDate : since;
            items.Add(new SubledgerOpenItem($"{line.Key.Order}/{line.Key.Line}", line.Key.Plant, open, since, open > 0
                ? $"Purchase order {line.Key.Order} line {line.Key.Line}: received {received} {currency.Code}, invoiced {invoicedLocal}: {open} waits for the invoice."
                : $"Purchase order {line.Key.Order} line {line.Key.Line}: invoiced {invoicedLocal} {currency.Code} but received only {received}: {-open} waits for the receipt."));
        }

        // Invoices that cleared GR/IR of a line with no receipt up to the period end.
        foreach (var ((order, lineNo), lineInvoices) in cleared)
        {
            var amount = lineInvoices.Sum(i => Local(i.GrIr, i.Currency, i.PostingDate));
            if (amount != 0)
                items.Add(new SubledgerOpenItem($"{order}/{lineNo}", "", -amount, lineInvoices[0].PostingDate, $"Purchase order {order} line {lineNo}: invoiced {amount} {currency.Code} with no receipt up to {periodEnd:yyyy-MM-dd}."));
        }

        if (unconverted.Count > 0)
            return new SubledgerTotal("procurement", "GR/IR open items", null, $"Not computable: no exchange rate into {currency.Code} for {string.Join(", ", unconverted.Distinct())}.");
        items.Sort((a, b) => a.Since != b.Since ? a.Since.CompareTo(b.Since) : string.CompareOrdinal(a.Item, b.Item));
        // GR/IR is a credit balance: open items (owed to suppliers on receipt) count negative in debit-minus-credit terms.
        return new SubledgerTotal("procurement", $"GR/IR open items ({items.Count} purchase order lines, as of {periodEnd:yyyy-MM-dd})", -items.Sum(i => i.Amount))
        {
            AsOfPeriodEnd = true,
            OpenItems = items,
        };
    }

    public async Task<IReadOnlyList<OrderCostPosition>> OpenOrdersAsync(TaktStore store, string company, CancellationToken ct)
    {
        var plants = (await masterData.PlantsAsync(store, ct)).Where(p => p.Company.Code == company).ToList();
        var orders = (await production.OrdersAsync(store, null, AllOrders, ct)).Where(o => o.Status == "released" && plants.Any(p => p.Code == o.Plant)).ToList();
        if (orders.Count == 0)
            return [];
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var view = await masterData.LoadAsync(tx, [.. plants.Select(p => p.Code)], [.. orders.Select(o => o.Item).Distinct()], [], ct);
        return [.. orders.Select(o => new OrderCostPosition(o.Number, o.Plant, o.Item, o.Quantity, o.Yield, view.StandardCost(o.Plant, o.Item) ?? 0m))];
    }

    public async Task<IReadOnlyList<OpenException>> OpenExceptionsAsync(TaktStore store, string company, DateTimeOffset until, CancellationToken ct)
    {
        var plants = (await masterData.PlantsAsync(store, ct)).Where(p => p.Company.Code == company).Select(p => p.Code).ToList();
        if (plants.Count == 0)
            return [];
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var open = new List<OpenException>();
        open.AddRange((await invoices.OpenExceptionsAsync(tx, plants, until, ct)).Select(e => new OpenException("invoice", e.Id, e.Plant, e.RaisedAt, $"Invoice {e.Invoice}: {e.Category} ({e.Reason})")));
        open.AddRange((await procurement.OpenExceptionsAsync(tx, plants, until, ct)).Select(e => new OpenException("purchase-order", e.Id, "", e.CreatedAt, $"Purchase order {e.Order}: {e.Kind} ({e.Detail})")));
        open.AddRange((await inventory.OpenDiscrepanciesAsync(tx, plants, until, ct)).Select(e => new OpenException("stock", e.Id, e.Plant, e.FoundAt, $"{e.Item} at {e.Location}: difference {e.Difference} (value {e.Value})")));
        return open;
    }
}
