using FsCheck.Fluent;
using FsCheck.Xunit;
using Takt.Planning.Mrp;
using Xunit;

namespace Takt.Planning.Tests;

/// <summary>MRP by hand on a three-level structure, and net change against regenerative on generated networks.</summary>
public sealed class MrpEngineTests
{
    /// <summary>FG (2 × SF per unit) ← SF (3 × RM per unit) ← RM, plus a lone item below its safety stock.</summary>
    private static MrpNetwork HandChecked()
    {
        // Components: 0 → 1 (2 per), 1 → 2 (3 per); node 3 has none.
        var network = new MrpNetwork(4, [0, 1, 2, 2, 2], [1, 2], [2m, 3m]);
        (network.LeadTimeDays[0], network.Policy[0], network.OnHand[0]) = (1, LotPolicy.LotForLot, 10m);
        (network.LeadTimeDays[1], network.Policy[1], network.LotSize[1]) = (2, LotPolicy.Fixed, 50m);
        (network.LeadTimeDays[2], network.Policy[2], network.LotSize[2], network.SafetyStock[2], network.OnHand[2]) = (3, LotPolicy.Minimum, 100m, 20m, 30m);
        (network.LeadTimeDays[3], network.SafetyStock[3], network.OnHand[3]) = (4, 20m, 5m);
        network.Requirements[0] = [new(5, 30m), new(8, 20m)];
        return network;
    }

    [Fact]
    public void a_three_level_structure_nets_offsets_lead_times_sizes_lots_and_keeps_safety_stock()
    {
        var plan = MrpEngine.Regenerative(HandChecked());

        // FG: 10 on hand covers 10 of the 30 on day 5; lot-for-lot 20 on day 5 and 20 on day 8, started a day earlier.
        Assert.Equal([new PlannedOrder(4, 5, 20m), new PlannedOrder(7, 8, 20m)], plan.Orders[0]);
        // SF: the FG starts need 40 on day 4 and day 7; fixed lots of 50 leave 10 over the first time (40 − 10 → 50 again).
        Assert.Equal([new PlannedOrder(2, 4, 50m), new PlannedOrder(5, 7, 50m)], plan.Orders[1]);
        // RM: 150 on day 2 against 30 on hand and 20 safety stock → 140 (over the 100 minimum), due before the lead time allows
        // (released on day −1: an expedite); 150 on day 5 → 150.
        Assert.Equal([new PlannedOrder(-1, 2, 140m), new PlannedOrder(2, 5, 150m)], plan.Orders[2]);
        // Without any requirement, 5 on hand below a safety stock of 20 is replenished on day 0.
        Assert.Equal([new PlannedOrder(-4, 0, 15m)], plan.Orders[3]);
    }

    [Fact]
    public void each_planned_order_is_pegged_to_the_requirements_it_serves_one_level_up()
    {
        var network = HandChecked();
        var plan = MrpEngine.Regenerative(network);
        (string, string)[] keys = [("P", "FG"), ("P", "SF"), ("P", "RM"), ("P", "X")];
        List<(string Kind, string Reference)> fgSources = [("customer-order", "CO-1"), ("forecast", "FC-1")];

        // FG: 10 on hand serve the first 10 of CO-1; FG#1 the other 20, FG#2 the forecast.
        var fg = Pegging.Of(network, plan, 0, fgSources, keys);
        Assert.Equal([new Peg("customer-order", "CO-1", 5, 20m)], fg[0]);
        Assert.Equal([new Peg("forecast", "FC-1", 8, 20m)], fg[1]);
        // SF: FG#1 starts on day 4 needing 40, FG#2 on day 7 needing 40; SF#1 (50) serves FG#1 and 10 of FG#2, SF#2 the other 30.
        var sf = Pegging.Of(network, plan, 1, null, keys);
        Assert.Equal([new Peg("planned-order", "FG#1", 4, 40m), new Peg("planned-order", "FG#2", 7, 10m)], sf[0]);
        Assert.Equal([new Peg("planned-order", "FG#2", 7, 30m)], sf[1]);
        // RM: 30 on hand serve 30 of SF#1's 150; RM#1 (140) the other 120 and 20 of SF#2's 150; RM#2 (150) the other 130
        // and keeps the safety stock of 20.
        var rm = Pegging.Of(network, plan, 2, null, keys);
        Assert.Equal([new Peg("planned-order", "SF#1", 2, 120m), new Peg("planned-order", "SF#2", 5, 20m)], rm[0]);
        Assert.Equal([new Peg("planned-order", "SF#2", 5, 130m), new Peg("safety-stock", "", 5, 20m)], rm[1]);
        // X: no requirement; its order tops 5 on hand up to the safety stock of 20.
        Assert.Equal([new Peg("safety-stock", "", 0, 15m)], Pegging.Of(network, plan, 3, null, keys)[0]);
    }

    [Fact]
    public void a_scheduled_receipt_is_netted_before_a_new_order_is_planned()
    {
        var network = HandChecked();
        network.Receipts[2] = [new(2, 100m)];
        var plan = MrpEngine.Regenerative(network);

        // Day 2: 30 + 100 − 150 = −20 → 40 below safety stock → the 100 minimum; day 5: 80 − 150 = −70 → 90 → 100.
        Assert.Equal([new PlannedOrder(-1, 2, 100m), new PlannedOrder(2, 5, 100m)], plan.Orders[2]);
    }

    [Theory]
    [InlineData(LotPolicy.LotForLot, 0, 37, 37)]
    [InlineData(LotPolicy.Fixed, 25, 37, 50)]
    [InlineData(LotPolicy.Fixed, 25, 50, 50)]
    [InlineData(LotPolicy.Minimum, 40, 37, 40)]
    [InlineData(LotPolicy.Minimum, 40, 41, 41)]
    public void lot_sizing_rounds_the_net_requirement(LotPolicy policy, int lot, int net, int expected) =>
        Assert.Equal(expected, MrpEngine.LotSize(policy, lot, net));

    [Fact]
    public void a_bill_of_material_with_a_cycle_is_refused() =>
        Assert.Throws<InvalidOperationException>(() => new MrpNetwork(2, [0, 1, 2], [1, 0], [1m, 1m]));

    /// <summary>A random network: components only below their parents, random parameters, demand, receipts and stock.</summary>
    internal static MrpNetwork Generate(Random random, int count, int maxComponents)
    {
        var starts = new int[count + 1];
        var components = new List<int>();
        var per = new List<decimal>();
        for (var i = 0; i < count; i++)
        {
            var picked = new SortedSet<int>();
            if (i < count - 1)
            {
                for (var k = random.Next(0, maxComponents + 1); k > 0; k--)
                    picked.Add(random.Next(i + 1, count));
            }

            foreach (var c in picked)
            {
                components.Add(c);
                per.Add(random.Next(1, 5) + (random.Next(0, 4) * 0.25m));
            }

            starts[i + 1] = components.Count;
        }

        var network = new MrpNetwork(count, starts, [.. components], [.. per]);
        for (var i = 0; i < count; i++)
            Randomize(random, network, i);
        return network;
    }

    internal static void Randomize(Random random, MrpNetwork network, int i)
    {
        network.LeadTimeDays[i] = random.Next(0, 12);
        network.Policy[i] = (LotPolicy)random.Next(0, 3);
        network.LotSize[i] = random.Next(0, 4) * 25;
        network.SafetyStock[i] = random.Next(0, 3) == 0 ? random.Next(0, 40) : 0;
        network.OnHand[i] = random.Next(0, 200);
        network.Requirements[i] = random.Next(0, 3) == 0 ? [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => new DatedQuantity(random.Next(-3, 40), random.Next(1, 120)))] : [];
        network.Receipts[i] = random.Next(0, 4) == 0 ? [new DatedQuantity(random.Next(0, 30), random.Next(1, 150))] : [];
    }

    [Property(MaxTest = 200)]
    public FsCheck.Property net_change_after_random_changes_equals_a_regenerative_run(int seed)
    {
        var random = new Random(seed);
        var network = Generate(random, random.Next(2, 80), 4);
        var plan = MrpEngine.Regenerative(network);

        // Change some items' own data (stock, demand, receipts, parameters), as a disruption or a transaction would.
        var changed = Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(0, network.Count)).Distinct().ToList();
        foreach (var i in changed)
            Randomize(random, network, i);
        var result = MrpEngine.NetChange(network, plan, changed);
        var regenerated = MrpEngine.Regenerative(network);

        var same = Enumerable.Range(0, network.Count).All(i => plan.Orders[i].AsSpan().SequenceEqual(regenerated.Orders[i]));
        return (same && result.NodesPlanned <= network.Count).Label($"seed {seed}: {network.Count} nodes, changed [{string.Join(",", changed)}], net change planned {result.NodesPlanned}");
    }

    [Fact]
    public void net_change_plans_only_what_the_change_reaches()
    {
        var random = new Random(5);
        var network = Generate(random, 2000, 3);
        var plan = MrpEngine.Regenerative(network);
        var leaf = network.Count - 1;
        network.Requirements[leaf] = [new DatedQuantity(3, 1_000m)];

        var result = MrpEngine.NetChange(network, plan, [leaf]);

        Assert.Equal(1, result.NodesPlanned); // the last node has no components: nothing below it to re-plan
        Assert.True(plan.Orders[leaf].AsSpan().SequenceEqual(MrpEngine.Regenerative(network).Orders[leaf]));
    }
}
