using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Ledger;
using Takt.Store;

namespace Takt.Production.Orders;

internal sealed partial class OrderLifecycle
{
    /// <summary>
    /// DESIGN §3 order settlement: the order's WIP goes to zero against one variance account per category
    /// (movement <c>variance-{category}</c>: debit variance, credit WIP; a favourable variance reverses the sides).
    /// </summary>
    private async Task<Outcome<OrderActionResult>> SettleAsync(StoreTransaction tx, State state, CancellationToken ct)
    {
        var input = await SettlementInputAsync(tx, state.Number, ct);
        var view = await masterData.LoadAsync(tx, [state.Plant], [state.Item], [], ct);
        var plant = view.Plant(state.Plant)!;
        var product = view.Item(state.Item)!;
        var currency = plant.Company.Currency;
        var split = Variances.Split(input, currency);
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var postingDate = plant.DateOf(clock.GetUtcNow());
        var lines = new List<JournalLineDraft>();
        var violations = new List<Violation>();
        foreach (var category in Variances.Categories)
        {
            var signed = ProductionEvents.SignedLines(rules, plant.Code, "variance-" + category, product.ItemClass, new Money(split[category], currency), $"/variances/{category}", state.Number, state.Item);
            if (signed.IsRejected)
                violations.AddRange(signed.Violations);
            else
                lines.AddRange(signed.Value);
        }

        if (violations.Count > 0)
            return violations.ToArray();
        PreparedEntry? entry = null;
        JournalEntryId? journalEntry = null;
        if (lines.Count > 0)
        {
            var prepared = ledger.Prepare(rules, new JournalEntryDraft(plant.Company.Code, plant.Code, currency, postingDate, Settlement,
                new PostingSource(EventTypes.ProductionOrderSettled, state.Number, ProductionEvents.Source, clock.GetUtcNow(), "/postingDate"), [], lines));
            if (prepared.IsRejected)
                return Outcome<OrderActionResult>.FromViolations(prepared.Violations);
            entry = prepared.Value;
            journalEntry = ledger.Stage(tx, entry);
        }
        else if (!rules.IsOpen(plant.Company.Code, postingDate))
        {
            return new Violation("/postingDate", "period.closed", $"Posting period {postingDate:yyyy-MM} of company {plant.Company.Code} is not open (posting date {postingDate:yyyy-MM-dd}).");
        }

        var period = (postingDate.Year * 100) + postingDate.Month;
        foreach (var category in Variances.Categories)
        {
            if (split[category] == 0m)
                continue;
            tx.Stage("INSERT INTO production_variance (order_number, category, plant, item, period, currency, amount_e4, journal_entry_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                state.Number, category, plant.Code, state.Item, (long)period, currency.Code, Fixed.ToE4(split[category]), journalEntry?.ToString());
        }

        tx.Stage("UPDATE production_order SET status = 'closed', wip_e4 = 0, version = version + 1 WHERE number = $1", state.Number);
        var nonZero = Variances.Categories.Where(c => split[c] != 0m).Select(c => new VarianceAmount(c, split[c])).ToList();
        var id = events.Publish(tx, EventTypes.ProductionOrderSettled, plant.Code, state.Number,
            new ProductionOrderSettled(plant.Code, state.Number, state.Item, currency.Code, input.Wip, nonZero, journalEntry?.Value),
            EventJson.Default.ProductionOrderSettled, [new ObjectLink("production-order", state.Number, "settled"), new ObjectLink("item", state.Item, "product")], entry, journalEntry);
        return new OrderActionResult(state.Number, "closed", state.Hold, [id], journalEntry is { } j ? [j.ToString()] : [], split);
    }

    internal static async Task<SettlementInput> SettlementInputAsync(StoreTransaction tx, string number, CancellationToken ct)
    {
        decimal quantity, yield, scrap, recorded, wip;
        await using (var r = await tx.Command("SELECT quantity_e6, yield_e6, scrap_e6, recorded_scrap_e6, wip_e4 FROM production_order WHERE number = $1", number).ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            (quantity, yield, scrap, recorded, wip) = (Fixed.FromE6(r.GetInt64(0)), Fixed.FromE6(r.GetInt64(1)), Fixed.FromE6(r.GetInt64(2)), Fixed.FromE6(r.GetInt64(3)), Fixed.FromE4(r.GetInt64(4)));
        }

        var components = new List<SettlementComponent>();
        await using (var r = await tx.Command("SELECT item, required_e6, plan_price_e4, issued_e6, issued_value_e4, alternate_group FROM production_order_component WHERE order_number = $1 ORDER BY item", number).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                components.Add(new SettlementComponent(r.GetString(0), Fixed.FromE6(r.GetInt64(1)), Fixed.FromE4(r.GetInt64(2)), Fixed.FromE6(r.GetInt64(3)), Fixed.FromE4(r.GetInt64(4)), r.GetString(5)));
        }

        var operations = new List<SettlementOperation>();
        await using (var r = await tx.Command("SELECT setup_hours_e6, machine_per_unit_e6, labour_per_unit_e6, plan_machine_rate_e4, plan_labour_rate_e4, machine_hours_e6, labour_hours_e6, activity_value_e4 FROM production_order_operation WHERE order_number = $1 ORDER BY operation", number).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                operations.Add(new SettlementOperation(Fixed.FromE6(r.GetInt64(0)), Fixed.FromE6(r.GetInt64(1)), Fixed.FromE6(r.GetInt64(2)), Fixed.FromE4(r.GetInt64(3)), Fixed.FromE4(r.GetInt64(4)), Fixed.FromE6(r.GetInt64(5)), Fixed.FromE6(r.GetInt64(6)), Fixed.FromE4(r.GetInt64(7))));
        }

        return new SettlementInput(quantity, yield, scrap, recorded, wip, components, operations);
    }
}
