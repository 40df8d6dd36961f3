namespace Takt.Planning.Mrp;

/// <summary>What a planned order serves: a requirement (or part of one) on a day, or safety stock.</summary>
/// <param name="Kind"><c>customer-order</c>, <c>forecast</c>, <c>production-order</c> (an open order's component),
/// <c>planned-order</c> (a parent's planned order, reference <c>item#seq</c>) or <c>safety-stock</c>.</param>
public sealed record Peg(string Kind, string Reference, int Day, decimal Quantity);

/// <summary>
/// Single-level pegging after netting: the node's supply (stock on hand, scheduled receipts, then its planned orders, by
/// the day each is available) is matched first-in first-out to its requirements by day; what a planned order covers is
/// its pegs, and what it holds beyond them (lot sizing, safety stock) is pegged to <c>safety-stock</c> or left over.
/// Computed only for the nodes a run re-plans, outside the netting loop.
/// </summary>
public static class Pegging
{
    public static List<Peg>[] Of(MrpNetwork network, MrpPlan plan, int node, IReadOnlyList<(string Kind, string Reference)>? sources, IReadOnlyList<(string Plant, string Item)> keys)
    {
        var orders = plan.Orders[node];
        var result = new List<Peg>[orders.Length];
        for (var i = 0; i < orders.Length; i++)
            result[i] = [];
        if (orders.Length == 0)
            return result;

        // Requirements with what they are for, in day order (ties: independent demand first, as listed).
        var needs = new List<(int Day, decimal Quantity, string Kind, string Reference)>();
        var own = network.Requirements[node];
        for (var i = 0; i < own.Length; i++)
            needs.Add((Math.Max(0, own[i].Day), own[i].Quantity, sources is not null && i < sources.Count ? sources[i].Kind : "requirement", sources is not null && i < sources.Count ? sources[i].Reference : ""));
        for (var k = network.ParentStart[node]; k < network.ParentStart[node + 1]; k++)
        {
            var parent = network.Parents[k];
            var parentOrders = plan.Orders[parent];
            for (var s = 0; s < parentOrders.Length; s++)
                needs.Add((Math.Max(0, parentOrders[s].ReleaseDay), parentOrders[s].Quantity * network.ParentQuantityPer[k], "planned-order", $"{keys[parent].Item}#{s + 1}"));
        }

        needs = [.. needs.Select((n, i) => (n, i)).OrderBy(x => x.n.Day).ThenBy(x => x.i).Select(x => x.n)];

        // Supply in the order it is available: stock, receipts, planned orders (by due day).
        var supply = new List<(int Day, decimal Quantity, int Order)> { (0, network.OnHand[node], -1) };
        supply.AddRange(network.Receipts[node].Select(r => (Math.Max(0, r.Day), r.Quantity, -1)));
        supply.AddRange(orders.Select((o, i) => (Math.Max(0, o.DueDay), o.Quantity, i)));
        supply = [.. supply.Select((x, i) => (x, i)).OrderBy(x => x.x.Day).ThenBy(x => x.i).Select(x => x.x)];

        var at = 0;
        var left = supply.Count > 0 ? supply[0].Quantity : 0m;
        foreach (var need in needs)
        {
            var open = need.Quantity;
            while (open > 0 && at < supply.Count)
            {
                var take = Math.Max(0m, Math.Min(open, left));
                if (take > 0 && supply[at].Order >= 0)
                    result[supply[at].Order].Add(new Peg(need.Kind, need.Reference, need.Day, take));
                open -= take;
                left -= take;
                if (left <= 0 && ++at < supply.Count)
                    left = supply[at].Quantity;
            }
        }

        // What planned orders hold beyond every requirement keeps the safety stock (up to it).
        var safety = network.SafetyStock[node];
        for (; at < supply.Count && safety > 0; at++, left = at < supply.Count ? supply[at].Quantity : 0m)
        {
            var keep = Math.Min(safety, left);
            if (keep > 0 && supply[at].Order >= 0)
                result[supply[at].Order].Add(new Peg("safety-stock", "", supply[at].Day, keep));
            safety -= keep;
            if (safety <= 0)
                break;
        }

        return result;
    }
}
