using Takt.Contracts;
using Takt.Inventory.Reconciliation;
using Takt.Inventory.Stock;
using Takt.Store;

namespace Takt.Inventory;

/// <summary>
/// Material documents and WMS reconciliation in the caller's transaction: what the REST API does, for other modules,
/// workers and the benchmark. Rejections change nothing (the caller rolls back).
/// </summary>
public interface IStockDocuments
{
    /// <summary>Posts a material document (receipt, issue, transfer, status change, adjustment, return) with its journal entry.</summary>
    Task<Outcome<PostedDocument>> PostAsync(StoreTransaction transaction, MovementRequest request, CancellationToken ct);

    /// <summary>Reconciles a WMS snapshot with Takt's stock at its time.</summary>
    Task<Outcome<ReconciliationResult>> ReconcileAsync(StoreTransaction transaction, StockSnapshot snapshot, CancellationToken ct);
}

internal sealed class StockDocuments(StockPosting posting, WmsReconciliation reconciliation) : IStockDocuments
{
    public async Task<Outcome<PostedDocument>> PostAsync(StoreTransaction transaction, MovementRequest request, CancellationToken ct)
    {
        var document = StockEndpoints.Parse(request, transaction.Clock);
        return document.IsRejected ? Outcome<PostedDocument>.FromViolations(document.Violations) : await posting.PostAsync(transaction, document.Value, ct);
    }

    public Task<Outcome<ReconciliationResult>> ReconcileAsync(StoreTransaction transaction, StockSnapshot snapshot, CancellationToken ct) =>
        reconciliation.ReconcileAsync(transaction, snapshot, ct);
}
