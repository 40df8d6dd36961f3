using Takt.Contracts;
using Takt.MasterData;

namespace Takt.Production.Costing;

/// <summary>A cost estimate per base unit of an item: material, activity and overhead, each rounded to 4 decimals.</summary>
public sealed record CostEstimate(string Item, decimal Material, decimal Activity, decimal Overhead)
{
    public decimal UnitCost => Material + Activity + Overhead;
}

/// <summary>
/// Multi-level standard cost rollup of a plant: for every item with an effective BOM, bottom-up,
/// material = Σ planned lines (rank 0 of an alternate group) quantity × (1 + scrap factor) × the component's unit
/// cost (its estimate when it is made here, its standard cost when bought); activity = Σ operations
/// (setup ÷ costing lot size + hours per unit) × rate, machine and labour; overhead = the item class's rate ×
/// material. Each part is rounded to 4 decimals (the precision standard costs are kept in) before it is used above.
/// </summary>
internal static class CostRollup
{
    public static Outcome<IReadOnlyDictionary<string, CostEstimate>> Run(ProductStructure s)
    {
        var estimates = new Dictionary<string, CostEstimate>(StringComparer.Ordinal);
        var violations = new List<Violation>();
        var state = new Dictionary<string, byte>(StringComparer.Ordinal);
        foreach (var root in s.Boms.Keys)
        {
            if (state.ContainsKey(root))
                continue;
            // Iterative post-order walk: a deep structure must not exhaust the stack.
            var stack = new Stack<(string Item, bool Expanded)>();
            stack.Push((root, false));
            while (stack.Count > 0)
            {
                var (item, expanded) = stack.Pop();
                if (expanded)
                {
                    var estimate = Estimate(s, item, estimates, violations);
                    if (estimate is not null)
                        estimates[item] = estimate;
                    state[item] = 2;
                    continue;
                }

                if (state.TryGetValue(item, out var seen))
                {
                    if (seen == 1)
                        violations.Add(new Violation($"/items/{item}", "bom.cycle", $"The BOMs of plant {s.Plant} reach {item} again below itself."));
                    continue;
                }

                state[item] = 1;
                stack.Push((item, true));
                foreach (var line in s.Boms[item].Lines)
                {
                    if (line.AlternateRank != 0 || !s.Boms.ContainsKey(line.Component))
                        continue;
                    if (state.GetValueOrDefault(line.Component) == 1)
                        violations.Add(new Violation($"/items/{line.Component}", "bom.cycle", $"The BOMs of plant {s.Plant} form a cycle through {item} and {line.Component}."));
                    else if (!state.ContainsKey(line.Component))
                        stack.Push((line.Component, false));
                }
            }
        }

        return violations.Count > 0 ? violations.ToArray() : estimates;
    }

    /// <summary>The largest unit cost a cost version or standard cost can keep (1/10,000 units in a 64-bit integer, with headroom).</summary>
    internal const decimal MaxUnitCost = 900_000_000_000_000m;

    private static CostEstimate? Estimate(ProductStructure s, string item, Dictionary<string, CostEstimate> estimates, List<Violation> violations)
    {
        try
        {
            var estimate = EstimateUnchecked(s, item, estimates, violations);
            if (estimate is null || (Math.Abs(estimate.Material) < MaxUnitCost && Math.Abs(estimate.Activity) < MaxUnitCost
                && Math.Abs(estimate.Overhead) < MaxUnitCost && Math.Abs(estimate.UnitCost) < MaxUnitCost))
                return estimate;
        }
        catch (OverflowException)
        {
            // decimal arithmetic beyond ±7.9 × 10^28: reported as the same rule below.
        }

        violations.Add(new Violation($"/items/{item}", "cost.out-of-range",
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The rolled-up unit cost of {item} at plant {s.Plant} is {MaxUnitCost:#,##0} or more, beyond what a standard cost can hold; check the quantities, scrap factors, hours and rates of its BOM and routing.")));
        return null;
    }

    private static CostEstimate? EstimateUnchecked(ProductStructure s, string item, Dictionary<string, CostEstimate> estimates, List<Violation> violations)
    {
        var (_, lot, lines) = s.Boms[item];
        var material = 0m;
        var complete = true;
        foreach (var line in lines)
        {
            if (line.AlternateRank != 0)
                continue;
            decimal unit;
            if (estimates.TryGetValue(line.Component, out var below))
                unit = below.UnitCost;
            else if (!s.Boms.ContainsKey(line.Component) && s.StandardCosts.TryGetValue(line.Component, out var bought))
                unit = bought;
            else
            {
                if (!s.Boms.ContainsKey(line.Component))
                    violations.Add(new Violation($"/items/{line.Component}", "cost.price-missing", $"{line.Component} (a component of {item}) is bought but has no standard cost at plant {s.Plant}."));
                complete = false;
                continue;
            }

            material += line.QuantityPerUnit * (1m + line.ScrapFactor) * unit;
        }

        if (!complete)
            return null;
        var activity = 0m;
        foreach (var op in s.Routings.GetValueOrDefault(item) ?? [])
        {
            var setupPerUnit = op.SetupHours / lot;
            activity += ((setupPerUnit + op.MachineHoursPerUnit) * op.MachineRate) + ((setupPerUnit + op.LabourHoursPerUnit) * op.LabourRate);
        }

        var roundedMaterial = Round(material);
        var overhead = s.Items.TryGetValue(item, out var facts) && s.OverheadRates.TryGetValue(facts.ItemClass, out var rate) ? rate * roundedMaterial : 0m;
        return new CostEstimate(item, roundedMaterial, Round(activity), Round(overhead));
    }

    public static decimal Round(decimal value) => Math.Round(value, 4, MidpointRounding.AwayFromZero);
}
