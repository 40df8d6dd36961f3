using Takt.Store;

namespace Takt.Ledger;

/// <summary>
/// A subledger's own total for a company, as its module computes it (stock value from inventory, WIP of orders from
/// production, GR/IR open items from procurement and payables), or why there is none (NotApplicable). Subledger is
/// inventory, production, procurement or payables: the control accounts whose balance it must equal. Value is in
/// debit-minus-credit terms, like the control accounts' balance.
/// </summary>
public sealed record SubledgerTotal(string Subledger, string Description, decimal? Value, string? NotApplicable = null)
{
    /// <summary>
    /// True when <see cref="SubledgerTotal.Value"/> is as of the period end (compared with the control accounts through the period);
    /// false when the subledger keeps no history and gives its value now (compared with the control accounts to date).
    /// </summary>
    public bool AsOfPeriodEnd { get; init; }

    /// <summary>The open items making up the total, when the subledger keeps them (GR/IR per purchase order line).</summary>
    public IReadOnlyList<SubledgerOpenItem> OpenItems { get; init; } = [];
}

/// <summary>
/// An open item of a subledger as of the period end: for GR/IR a purchase order line received and not (fully)
/// invoiced. Amount is in the company currency (credit positive for GR/IR); Since is the posting date of the oldest
/// part still open (first in, first out), from which it is aged.
/// </summary>
public sealed record SubledgerOpenItem(string Item, string Plant, decimal Amount, DateOnly Since, string Description);

/// <summary>
/// An exception still open: an invoice exception, a purchase order exception, a stock discrepancy. Kind is
/// <c>invoice</c>, <c>purchase-order</c> or <c>stock</c>; Plant is empty when the module does not say.
/// </summary>
public sealed record OpenException(string Kind, string Id, string Plant, DateTimeOffset RaisedAt, string Detail);

/// <summary>An open production order's cost position: planned and yielded quantity and the product's standard unit cost.</summary>
public sealed record OrderCostPosition(string Order, string Plant, string Item, decimal Quantity, decimal Yield, decimal StandardUnitCost);

/// <summary>
/// What the close reads from the operational modules. The ledger depends on no operational module; the host that
/// composes them implements this from their public interfaces.
/// </summary>
public interface ISubledgers
{
    /// <summary>Each subledger's total for the company: as of <paramref name="periodEnd"/> where the subledger keeps the history, else now.</summary>
    Task<IReadOnlyList<SubledgerTotal>> TotalsAsync(TaktStore store, string company, DateOnly periodEnd, CancellationToken ct);

    Task<IReadOnlyList<OrderCostPosition>> OpenOrdersAsync(TaktStore store, string company, CancellationToken ct);

    /// <summary>Exceptions of the company's plants raised up to <paramref name="until"/> and not resolved.</summary>
    Task<IReadOnlyList<OpenException>> OpenExceptionsAsync(TaktStore store, string company, DateTimeOffset until, CancellationToken ct);
}
