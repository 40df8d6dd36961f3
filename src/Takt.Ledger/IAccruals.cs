using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>
/// An accrual a flow or a person proposes (premium freight after an expedite, services received not invoiced).
/// Category is the cost category for account determination (movement <c>accrual</c>): freight, services, …;
/// Source says what caused it, e.g. <c>expedite:REQ-1001</c>.
/// </summary>
public sealed record AccrualProposal(string Company, string Plant, DateOnly PostingDate, string Category, Money Amount, string Description, string ProposedBy, string? Order = null, string? Source = null);

/// <summary>An accrual and where it stands: proposed → approved → posted → reversed (or rejected).</summary>
public sealed record AccrualView(
    string Id, string Company, string Plant, int Period, DateOnly PostingDate, DateOnly ReverseOn, string Category, string Description, decimal Amount, string Currency,
    string? Order, string? Source, string Status, string ProposedBy, string? ApprovedBy, string? PostedBy, string? EntryId, string? ReversalEntryId);

/// <summary>Period-end accruals: proposals, approval (not by the proposer), posting, auto-reversal on the next period's first day.</summary>
public interface IAccruals
{
    /// <summary>Records a proposal in the caller's transaction (a flow step commits it with its own state).</summary>
    Task<Outcome<AccrualView>> ProposeAsync(StoreTransaction transaction, AccrualProposal proposal, CancellationToken ct);

    Task<Outcome<AccrualView>> ApproveAsync(TaktStore store, string id, string approver, CancellationToken ct);

    /// <summary>Posts an approved accrual: expense / accrued liabilities by determination, in its own transaction.</summary>
    Task<Outcome<AccrualView>> PostAsync(TaktStore store, string id, string actor, CancellationToken ct);

    /// <summary>Reverses every posted accrual whose reversal day (first day of the next period) has come by the clock.</summary>
    Task<IReadOnlyList<AccrualView>> RunDueReversalsAsync(TaktStore store, CancellationToken ct);

    Task<IReadOnlyList<AccrualView>> ListAsync(TaktStore store, string company, int? period, CancellationToken ct);
}
