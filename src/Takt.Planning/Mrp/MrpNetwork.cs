namespace Takt.Planning.Mrp;

/// <summary>How a planned order's quantity is set from the net requirement.</summary>
public enum LotPolicy : byte
{
    /// <summary>Exactly the net requirement.</summary>
    LotForLot = 0,

    /// <summary>Multiples of the lot size (the smallest multiple that covers the net requirement).</summary>
    Fixed = 1,

    /// <summary>The net requirement, but at least the lot size.</summary>
    Minimum = 2,
}

/// <summary>A requirement or a receipt on a day of the plan (day 0 is the plan's base date; earlier days count as day 0).</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
public readonly record struct DatedQuantity(int Day, decimal Quantity);

/// <summary>A planned order: receipt on <see cref="DueDay"/>, started (made) or ordered (bought) on <see cref="ReleaseDay"/>.</summary>
/// <remarks>A release day before 0 means the order is already late to start: for a bought item, an expedite.</remarks>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
public readonly record struct PlannedOrder(int ReleaseDay, int DueDay, decimal Quantity);

/// <summary>
/// The input of material requirements planning, array-based so 100,000 plant items with 500,000 BOM lines fit in a
/// few arrays: one node per plant item, the bill of material as compressed rows (parent → components), and per node
/// its stock, safety stock, lead time, lot policy, independent and order requirements, and scheduled receipts.
/// </summary>
public sealed class MrpNetwork
{
    private static readonly DatedQuantity[] None = [];

    public MrpNetwork(int count, int[] componentStart, int[] components, decimal[] quantityPer)
    {
        if (componentStart.Length != count + 1)
            throw new ArgumentException("componentStart has one entry per node and one more.", nameof(componentStart));
        Count = count;
        ComponentStart = componentStart;
        Components = components;
        QuantityPer = quantityPer;
        LeadTimeDays = new int[count];
        Policy = new LotPolicy[count];
        LotSize = new decimal[count];
        SafetyStock = new decimal[count];
        OnHand = new decimal[count];
        Requirements = new DatedQuantity[count][];
        Receipts = new DatedQuantity[count][];
        Array.Fill(Requirements, None);
        Array.Fill(Receipts, None);

        // Parents (where-used), as compressed rows too: net change walks down, gross requirements read up.
        var parentCount = new int[count + 1];
        foreach (var c in components)
            parentCount[c + 1]++;
        for (var i = 0; i < count; i++)
            parentCount[i + 1] += parentCount[i];
        ParentStart = parentCount;
        Parents = new int[components.Length];
        ParentQuantityPer = new decimal[components.Length];
        var fill = (int[])parentCount.Clone();
        for (var p = 0; p < count; p++)
        {
            for (var k = componentStart[p]; k < componentStart[p + 1]; k++)
            {
                var at = fill[components[k]]++;
                Parents[at] = p;
                ParentQuantityPer[at] = quantityPer[k];
            }
        }

        Order = TopologicalOrder();
    }

    public int Count { get; }

    public int[] ComponentStart { get; }

    public int[] Components { get; }

    /// <summary>Component quantity per unit of the parent (scrap included).</summary>
    public decimal[] QuantityPer { get; }

    public int[] ParentStart { get; }

    public int[] Parents { get; }

    public decimal[] ParentQuantityPer { get; }

    /// <summary>Nodes with every parent before its components (low-level-code order).</summary>
    public int[] Order { get; }

    public int[] LeadTimeDays { get; }

    public LotPolicy[] Policy { get; }

    /// <summary>The fixed lot (Fixed) or the minimum lot (Minimum); ignored for lot-for-lot.</summary>
    public decimal[] LotSize { get; }

    public decimal[] SafetyStock { get; }

    public decimal[] OnHand { get; }

    /// <summary>Independent demand (customer orders, forecasts) and component requirements of open production orders.</summary>
    public DatedQuantity[][] Requirements { get; }

    /// <summary>Open purchase order lines and open production orders.</summary>
    public DatedQuantity[][] Receipts { get; }

    private int[] TopologicalOrder()
    {
        var pending = new int[Count];
        for (var i = 0; i < Count; i++)
            pending[i] = ParentStart[i + 1] - ParentStart[i];
        var order = new int[Count];
        int head = 0, tail = 0;
        for (var i = 0; i < Count; i++)
        {
            if (pending[i] == 0)
                order[tail++] = i;
        }

        while (head < tail)
        {
            var p = order[head++];
            for (var k = ComponentStart[p]; k < ComponentStart[p + 1]; k++)
            {
                if (--pending[Components[k]] == 0)
                    order[tail++] = Components[k];
            }
        }

        return tail == Count ? order : throw new InvalidOperationException("The bill of material has a cycle; MRP cannot order it.");
    }
}
