using Takt.Store;

namespace Takt.Ledger;

/// <summary>
/// A subledger's own total for a company, as its module computes it (stock value from inventory, WIP of orders from
/// production), or why there is none (NotApplicable: the module does not exist in this build). Subledger is
/// inventory, production, procurement or payables: the control accounts whose balance it must equal.
/// </summary>
public sealed record SubledgerTotal(string Subledger, string Description, decimal? Value, string? NotApplicable = null);

/// <summary>An open production order's cost position: planned and yielded quantity and the product's standard unit cost.</summary>
public sealed record OrderCostPosition(string Order, string Plant, string Item, decimal Quantity, decimal Yield, decimal StandardUnitCost);

/// <summary>
/// What the close reads from the operational modules. The ledger depends on no operational module; the host that
/// composes them implements this from their public interfaces.
/// </summary>
public interface ISubledgers
{
    Task<IReadOnlyList<SubledgerTotal>> TotalsAsync(TaktStore store, string company, CancellationToken ct);

    Task<IReadOnlyList<OrderCostPosition>> OpenOrdersAsync(TaktStore store, string company, CancellationToken ct);
}
