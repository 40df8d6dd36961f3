namespace Takt.Planning.Mrp;

/// <summary>
/// A 64-bit fingerprint of one node's MRP input: stock, safety stock, lead time, lot policy and size, requirements and
/// receipts (as multisets, so their order does not matter) and where-used lines (parent item and quantity per, by the
/// parent's plant and item, so node numbering does not matter). Stable across processes (no randomized hashing): a
/// net-change run compares it with the one stored at the last run to find every item whose input changed.
/// </summary>
public static class InputFingerprint
{
    public static long Of(MrpNetwork network, int node, IReadOnlyList<(string Plant, string Item)> keys)
    {
        unchecked
        {
            var h = 0x243F6A8885A308D3UL;
            h = Combine(h, E6(network.OnHand[node]));
            h = Combine(h, E6(network.SafetyStock[node]));
            h = Combine(h, (ulong)network.LeadTimeDays[node]);
            h = Combine(h, (ulong)network.Policy[node]);
            h = Combine(h, E6(network.LotSize[node]));
            ulong requirements = 0, receipts = 0, parents = 0;
            foreach (var r in network.Requirements[node])
                requirements += Mix(Combine((ulong)(long)r.Day, E6(r.Quantity)));
            foreach (var r in network.Receipts[node])
                receipts += Mix(Combine((ulong)(long)r.Day ^ 0xA5A5A5A5UL, E6(r.Quantity)));
            for (var k = network.ParentStart[node]; k < network.ParentStart[node + 1]; k++)
                parents += Mix(Combine(Text(keys[network.Parents[k]]), E6(network.ParentQuantityPer[k])));
            h = Combine(Combine(Combine(h, requirements), receipts), parents);
            return (long)h;
        }
    }

    private static ulong E6(decimal value) => unchecked((ulong)decimal.ToInt64(decimal.Round(value * 1_000_000m)));

    private static ulong Text((string Plant, string Item) key)
    {
        unchecked
        {
            var h = 14695981039346656037UL;
            foreach (var c in key.Plant)
                h = (h ^ c) * 1099511628211UL;
            h = (h ^ 0xFFFF) * 1099511628211UL;
            foreach (var c in key.Item)
                h = (h ^ c) * 1099511628211UL;
            return h;
        }
    }

    private static ulong Combine(ulong h, ulong value) => Mix(unchecked(h ^ (value + 0x9E3779B97F4A7C15UL + (h << 6) + (h >> 2))));

    /// <summary>SplitMix64's finalizer.</summary>
    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
