namespace Takt.Planning.Mrp;

/// <summary>The planned orders of every node (empty arrays for nodes without any).</summary>
public sealed class MrpPlan
{
    private static readonly PlannedOrder[] None = [];

    public MrpPlan(int count)
    {
        Orders = new PlannedOrder[count][];
        Array.Fill(Orders, None);
    }

    public PlannedOrder[][] Orders { get; }

    public MrpPlan Clone()
    {
        var copy = new MrpPlan(Orders.Length);
        Array.Copy(Orders, copy.Orders, Orders.Length);
        return copy;
    }
}

/// <summary>What a net-change run did: the nodes it netted again and those whose planned orders changed.</summary>
public sealed record NetChangeResult(int NodesPlanned, IReadOnlyList<int> Changed);

/// <summary>
/// Material requirements planning: gross requirements (independent demand, open orders' components, parents' planned
/// orders exploded through the BOM) netted against stock, scheduled receipts and safety stock, day by day; each
/// shortage becomes a planned order sized by the lot policy and offset by the lead time. Regenerative nets every node;
/// net change nets only the changed nodes and the components whose gross requirements changed because of them, and
/// gives the same plan as a regenerative run on the same data (tested).
/// </summary>
public static class MrpEngine
{
    public static MrpPlan Regenerative(MrpNetwork network)
    {
        var plan = new MrpPlan(network.Count);
        var buffer = new Buffer();
        foreach (var node in network.Order)
            plan.Orders[node] = Net(network, plan, node, buffer);
        return plan;
    }

    /// <summary>Re-plans <paramref name="changed"/> (nodes whose own data changed) and what their changes reach, in place.</summary>
    public static NetChangeResult NetChange(MrpNetwork network, MrpPlan plan, IEnumerable<int> changed)
    {
        var dirty = new bool[network.Count];
        foreach (var node in changed)
            dirty[node] = true;
        var buffer = new Buffer();
        var planned = 0;
        var different = new List<int>();
        foreach (var node in network.Order)
        {
            if (!dirty[node])
                continue;
            planned++;
            var before = plan.Orders[node];
            var after = Net(network, plan, node, buffer);
            if (before.AsSpan().SequenceEqual(after))
                continue;
            plan.Orders[node] = after;
            different.Add(node);
            for (var k = network.ComponentStart[node]; k < network.ComponentStart[node + 1]; k++)
                dirty[network.Components[k]] = true;
        }

        return new NetChangeResult(planned, different);
    }

    /// <summary>Rounds a net requirement up to the lot policy.</summary>
    public static decimal LotSize(LotPolicy policy, decimal lot, decimal net) => policy switch
    {
        LotPolicy.Fixed when lot > 0 => Math.Ceiling(net / lot) * lot,
        LotPolicy.Minimum => Math.Max(net, lot),
        _ => net,
    };

    private sealed class Buffer
    {
        public int[] Days = new int[64];
        public decimal[] Deltas = new decimal[64];
        public int Count;

        public void Add(int day, decimal delta)
        {
            if (Count == Days.Length)
            {
                Array.Resize(ref Days, Count * 2);
                Array.Resize(ref Deltas, Count * 2);
            }

            Days[Count] = Math.Max(0, day);
            Deltas[Count++] = delta;
        }
    }

    private static PlannedOrder[] Net(MrpNetwork n, MrpPlan plan, int node, Buffer buffer)
    {
        buffer.Count = 0;
        foreach (var r in n.Requirements[node])
            buffer.Add(r.Day, -r.Quantity);
        for (var k = n.ParentStart[node]; k < n.ParentStart[node + 1]; k++)
        {
            var per = n.ParentQuantityPer[k];
            foreach (var o in plan.Orders[n.Parents[k]])
                buffer.Add(o.ReleaseDay, -(o.Quantity * per));
        }

        foreach (var r in n.Receipts[node])
            buffer.Add(r.Day, r.Quantity);

        var safety = n.SafetyStock[node];
        var projected = n.OnHand[node];
        List<PlannedOrder>? orders = null;
        if (buffer.Count == 0)
        {
            if (projected < safety)
                (orders ??= []).Add(Order(n, node, 0, safety - projected));
            return orders is null ? [] : [.. orders];
        }

        Array.Sort(buffer.Days, buffer.Deltas, 0, buffer.Count);
        var i = 0;
        var first = true;
        while (i < buffer.Count)
        {
            var day = buffer.Days[i];
            if (first && day > 0 && projected < safety)
            {
                // Below safety stock from the start: replenish on day 0.
                var order = Order(n, node, 0, safety - projected);
                (orders ??= []).Add(order);
                projected += order.Quantity;
            }

            first = false;
            var delta = 0m;
            for (; i < buffer.Count && buffer.Days[i] == day; i++)
                delta += buffer.Deltas[i];
            projected += delta;
            if (projected < safety)
            {
                var order = Order(n, node, day, safety - projected);
                (orders ??= []).Add(order);
                projected += order.Quantity;
            }
        }

        return orders is null ? [] : [.. orders];
    }

    private static PlannedOrder Order(MrpNetwork n, int node, int day, decimal net) =>
        new(day - n.LeadTimeDays[node], day, LotSize(n.Policy[node], n.LotSize[node], net));
}
