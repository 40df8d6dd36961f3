using Takt.Contracts;
using Takt.Intelligence;
using Takt.Inventory;
using Takt.Ledger;
using Takt.Store;

namespace Takt.Procurement;

/// <summary>
/// Usage decisions on quality-inspection stock: released quantity moves to unrestricted stock (the value moves with it,
/// nothing is posted); rejected quantity is returned to the supplier (the receipt's posting reversed, from inspection
/// stock) or scrapped (Inventory to scrap expense at standard; GR/IR stays, the supplier is still owed). All parts, the
/// receipt's remaining inspection quantity and the process-log event commit in one transaction.
/// </summary>
internal sealed partial class ProcurementService
{
    public const string ReleaseMovement = "usage-decision-release";
    public const string ScrapMovement = "usage-decision-scrap";

    /// <summary>The account determination movement of scrapped inspection stock (scrap expense against Inventory).</summary>
    public const string ScrapPosting = "quality-scrap";

    public async Task<Outcome<UsageDecisionView>> DecideUsageAsync(StoreTransaction tx, DecideUsage request, CancellationToken ct)
    {
        var found = await ReceiptRowsAsync(tx, "id = $1 AND kind = 'receipt'", [request.Receipt ?? ""], ct);
        if (found.Count == 0)
            return new Violation("/receipt", "receipt.unknown", $"Goods receipt '{request.Receipt}' does not exist.");
        await OrderForUpdateAsync(tx, found[0].Order, ct); // decisions on one order's receipts serialize on the order
        var receipt = (await ReceiptRowsAsync(tx, "id = $1", [found[0].Id], ct))[0];
        if (receipt.StockType != StockStatus.QualityInspection)
            return new Violation("/receipt", "usage-decision.not-inspected", $"Receipt {receipt.Id} went to {receipt.StockType} stock; usage decisions are made on quality-inspection stock.");
        if (receipt.InspectionOpen == 0)
            return new Violation("/receipt", "usage-decision.already-decided", $"All of receipt {receipt.Id} has been decided; nothing of it is in quality inspection.");

        var errors = new List<Violation>();
        if (string.IsNullOrWhiteSpace(request.DecidedBy))
            errors.Add(new Violation("/decidedBy", "usage-decision.decider-required", "Name the person making the usage decision."));
        if (request.Release < 0 || decimal.Round(request.Release, 6) != request.Release)
            errors.Add(new Violation("/release", "usage-decision.quantity-invalid", "release is 0 or more with at most 6 decimals."));
        if (request.Reject < 0 || decimal.Round(request.Reject, 6) != request.Reject)
            errors.Add(new Violation("/reject", "usage-decision.quantity-invalid", "reject is 0 or more with at most 6 decimals."));
        if (errors.Count == 0 && request.Release + request.Reject == 0)
            errors.Add(new Violation("/release", "usage-decision.quantity-required", "Release or reject some quantity (both are 0)."));
        if (errors.Count == 0 && request.Release + request.Reject > receipt.InspectionOpen)
        {
            errors.Add(new Violation(request.Reject > 0 ? "/reject" : "/release", "usage-decision.exceeds-inspection",
                $"Receipt {receipt.Id} has {receipt.InspectionOpen} {receipt.Unit} in quality inspection; release {request.Release} + reject {request.Reject} is more."));
        }

        if (request.Reject > 0)
        {
            if (request.Disposition is not (RejectDispositions.Return or RejectDispositions.Scrap))
                errors.Add(new Violation("/disposition", "usage-decision.disposition-unknown", $"Say what happens to rejected goods: disposition return or scrap (got '{request.Disposition}')."));
            if (string.IsNullOrWhiteSpace(request.Reason))
                errors.Add(new Violation("/reason", "usage-decision.reason-required", "A rejection says why (reason)."));
        }
        else if (request.Disposition is not null)
        {
            errors.Add(new Violation("/disposition", "usage-decision.disposition-without-reject", "A disposition is given only with a rejected quantity."));
        }

        if (errors.Count > 0)
            return errors.ToArray();

        var view = await masterData.LoadAsync(tx, [receipt.Plant], [receipt.Item], [], ct);
        var plant = view.Plant(receipt.Plant)!;
        var item = view.Item(receipt.Item)!;
        var currency = plant.Company.Currency;
        var date = request.PostingDate ?? plant.DateOf(tx.Clock.GetUtcNow());
        var rules = await ledger.LoadRulesAsync(tx, ct);
        if (!rules.IsOpen(plant.Company.Code, date))
            return new Violation("/postingDate", "period.closed", $"Posting period {date:yyyy-MM} of company {plant.Company.Code} is not open (posting date {date.Format()}).");

        // The inspection stock's value is shared out in proportion; a decision that clears the receipt's inspection stock
        // takes exactly what is left of its value, so nothing remains in quality inspection to the cent.
        var open = receipt.InspectionOpen;
        var value = receipt.InspectionValue;
        Money Share(decimal quantity, bool clearsRest) => clearsRest ? new Money(value, currency) : new Money(value / open * quantity, currency).RoundToMinorUnits();
        var clears = request.Release + request.Reject == open;
        var rejectValue = request.Reject == 0 ? Money.Zero(currency) : Share(request.Reject, clears && request.Release == 0);
        var releaseValue = request.Release == 0 ? Money.Zero(currency) : clears ? new Money(value - rejectValue.Amount, currency) : Share(request.Release, false);

        var now = tx.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        GoodsReceiptView? returned = null;
        JournalEntryId? scrapEntry = null;
        var objects = new List<ObjectLink> { new("plant", plant.Code, "at"), new("goods-receipt", receipt.Id, "decided"), new("purchase-order", receipt.Order, "inspected"), new("item", receipt.Item, "inspected") };
        if (request.Reject > 0 && request.Disposition == RejectDispositions.Return)
        {
            var r = await ReturnAsync(tx, new ReturnGoods(receipt.Id, request.DecidedBy, request.Reject, date), rules, rejectValue, ct);
            if (r.IsRejected)
                return Outcome<UsageDecisionView>.FromViolations(r.Violations);
            returned = r.Value;
            objects.Add(new ObjectLink("goods-return", returned.Id, "returned-as"));
        }
        else if (request.Reject > 0)
        {
            var posted = PostPairs(tx, rules, plant, date, "usage-decision", receipt.Order, "takt.procurement.usage-decided.v1",
                [new PostingPair(ScrapPosting, item.ItemClass, rejectValue, "/reject", Item: item.Number)]);
            if (posted.IsRejected)
                return Outcome<UsageDecisionView>.FromViolations(posted.Violations);
            scrapEntry = posted.Value;
            var scrapped = inventory.Stage(tx, new StockMovementDraft(ScrapMovement, plant.Code, item.Number, new Quantity(-request.Reject, item.BaseUnit), -rejectValue, null, scrapEntry, date, id,
                Status: StockStatus.QualityInspection));
            tx.Stage("UPDATE proc_receipt SET scrapped_e6 = scrapped_e6 + $1, scrapped_e4 = scrapped_e4 + $2 WHERE id = $3", Fixed.ToE6(request.Reject), Fixed.ToE4(rejectValue.Amount), receipt.Id);
            objects.Add(new ObjectLink("stock-movement", scrapped.ToString(), "scrapped-as"));
            if (scrapEntry is { } je)
                objects.Add(new ObjectLink("journal-entry", je.ToString(), "posted-as"));
        }

        if (request.Release > 0)
        {
            // Inside a plant the standard cost is the same whatever the stock status: the value moves, nothing is posted (DESIGN §3).
            var from = inventory.Stage(tx, new StockMovementDraft(ReleaseMovement, plant.Code, item.Number, new Quantity(-request.Release, item.BaseUnit), -releaseValue, null, null, date, id,
                Status: StockStatus.QualityInspection, Document: id));
            var to = inventory.Stage(tx, new StockMovementDraft(ReleaseMovement, plant.Code, item.Number, new Quantity(request.Release, item.BaseUnit), releaseValue, null, null, date, id,
                Status: StockStatus.Unrestricted, Document: id));
            objects.AddRange([new("stock-movement", from.ToString(), "released-from"), new("stock-movement", to.ToString(), "released-to")]);
        }

        var decided = request.Release + request.Reject;
        tx.Stage("UPDATE proc_receipt SET inspection_open_e6 = inspection_open_e6 - $1, inspection_value_e4 = inspection_value_e4 - $2 WHERE id = $3",
            Fixed.ToE6(decided), Fixed.ToE4(releaseValue.Amount + rejectValue.Amount), receipt.Id);
        var disposition = request.Reject > 0 ? request.Disposition : null;
        var scrapAmount = disposition == RejectDispositions.Scrap ? rejectValue.Amount : 0m;
        tx.Stage(
            "INSERT INTO proc_usage_decision (id, receipt, released_e6, rejected_e6, disposition, return_receipt, scrap_e4, journal_entry, reason, decided_by, posting_date, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            id, receipt.Id, Fixed.ToE6(request.Release), Fixed.ToE6(request.Reject), disposition, returned?.Id, Fixed.ToE4(scrapAmount), scrapEntry?.ToString(), request.Reason, request.DecidedBy,
            date.ToDateKey(), now.ToUnixMicroseconds());
        Log(tx, "takt.procurement.usage-decided.v1", id, plant.Code,
            new { decision = id, receipt = receipt.Id, order = receipt.Order, item = receipt.Item, released = request.Release, rejected = request.Reject, disposition, reason = request.Reason, by = request.DecidedBy, releaseValue = releaseValue.Amount, rejectValue = rejectValue.Amount },
            objects, scrapEntry is null ? 0 : 1);
        return new UsageDecisionView(id, receipt.Id, receipt.Order, plant.Code, receipt.Item, request.Release, request.Reject, disposition, returned, scrapAmount, scrapEntry?.ToString(), request.Reason,
            request.DecidedBy, open - decided, date, now);
    }
}
