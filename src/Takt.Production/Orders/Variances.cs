using Takt.Contracts;

namespace Takt.Production.Orders;

/// <summary>What settlement needs of an order: plan (snapshot) and actuals.</summary>
internal sealed record SettlementInput(
    decimal Quantity,
    decimal Yield,
    decimal ConfirmedScrap,
    decimal RecordedScrap,
    decimal Wip,
    IReadOnlyList<SettlementComponent> Components,
    IReadOnlyList<SettlementOperation> Operations);

internal sealed record SettlementComponent(string Item, decimal Required, decimal PlanPrice, decimal Issued, decimal IssuedValue, string AlternateGroup);

internal sealed record SettlementOperation(decimal SetupHours, decimal MachinePerUnit, decimal LabourPerUnit, decimal PlanMachineRate, decimal PlanLabourRate, decimal MachineHours, decimal LabourHours, decimal ActivityValue);

/// <summary>
/// Splits the WIP balance of an order at settlement (DESIGN §3) into categories, each rounded to the currency's
/// minor units; <c>remaining</c> takes what is left, so the categories always sum to the WIP settled. With
/// O = yield + confirmed scrap + recorded scrap (every unit that consumed input) and targets = plan × O ÷ order
/// quantity (setup once per order):
/// <list type="bullet">
/// <item>price: issued value − issued quantity × plan price; activity value − hours × plan rates;</item>
/// <item>usage: (issued − target) × plan price, per component; for an alternate group, the group's total against the planned line's target at its price;</item>
/// <item>mix: within an alternate group, issued quantities at their own plan prices − at the planned line's price;</item>
/// <item>efficiency: (hours − target hours) × plan rate, machine and labour;</item>
/// <item>scrap: recorded scrap × target cost per unit of output (scrap confirmed on operations is expensed when reported);</item>
/// <item>remaining: the rest — the product's standard cost differs from the order's target cost per unit (overhead, a newer standard, lot size).</item>
/// </list>
/// </summary>
internal static class Variances
{
    public static readonly string[] Categories = ["price", "usage", "efficiency", "scrap", "mix", "remaining"];

    public static IReadOnlyDictionary<string, decimal> Split(SettlementInput o, Currency currency)
    {
        var output = o.Yield + o.ConfirmedScrap + o.RecordedScrap;
        var share = o.Quantity == 0 ? 0m : output / o.Quantity;
        decimal price = 0m, usage = 0m, mix = 0m, efficiency = 0m, target = 0m;
        foreach (var group in o.Components.GroupBy(c => c.AlternateGroup.Length == 0 ? "\u0000" + c.Item : c.AlternateGroup, StringComparer.Ordinal))
        {
            var lines = group.ToList();
            var planned = lines.OrderByDescending(c => c.Required).First();
            var targetQuantity = planned.Required * share;
            target += targetQuantity * planned.PlanPrice;
            foreach (var c in lines)
                price += c.IssuedValue - (c.Issued * c.PlanPrice);
            var issued = lines.Sum(c => c.Issued);
            usage += (issued - targetQuantity) * planned.PlanPrice;
            mix += lines.Sum(c => c.Issued * c.PlanPrice) - (issued * planned.PlanPrice);
        }

        foreach (var op in o.Operations)
        {
            var setup = output > 0 ? op.SetupHours : 0m;
            var machineTarget = setup + (op.MachinePerUnit * output);
            var labourTarget = setup + (op.LabourPerUnit * output);
            target += (machineTarget * op.PlanMachineRate) + (labourTarget * op.PlanLabourRate);
            price += op.ActivityValue - (op.MachineHours * op.PlanMachineRate) - (op.LabourHours * op.PlanLabourRate);
            efficiency += ((op.MachineHours - machineTarget) * op.PlanMachineRate) + ((op.LabourHours - labourTarget) * op.PlanLabourRate);
        }

        var scrap = output == 0 ? 0m : o.RecordedScrap * target / output;
        decimal R(decimal v) => new Money(v, currency).RoundToMinorUnits().Amount;
        var result = new Dictionary<string, decimal>(StringComparer.Ordinal)
        {
            ["price"] = R(price),
            ["usage"] = R(usage),
            ["efficiency"] = R(efficiency),
            ["scrap"] = R(scrap),
            ["mix"] = R(mix),
        };
        result["remaining"] = o.Wip - result.Values.Sum();
        return result;
    }
}
