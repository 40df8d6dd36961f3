using Takt.Store;

namespace Takt.Inventory.Counts;

/// <summary>The inventory KPIs for other modules and hosts to read.</summary>
public static class InventoryKpis
{
    /// <summary>Inventory accuracy (DESIGN §5): counted lines within tolerance ÷ counted lines, by plant (all plants or one), of the lines counted in [from, to) (open ends: all).</summary>
    public static Task<IReadOnlyList<InventoryAccuracy>> AccuracyAsync(TaktStore store, string? plant, CancellationToken ct, DateTimeOffset? from = null, DateTimeOffset? to = null) =>
        CountEndpoints.AccuracyAsync(store, plant, ct, from, to);
}
