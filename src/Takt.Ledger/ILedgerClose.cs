using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>The close and its controls: checklist and readiness, cost-variance warnings, audit-chain verification.</summary>
public interface ILedgerClose
{
    /// <summary>The close checklist of a company and period (yyyymm), computed from data now.</summary>
    Task<CloseStatus> StatusAsync(TaktStore store, string company, int period, CancellationToken ct);

    /// <summary>Open orders whose actual cost trends off standard by more than <paramref name="tolerance"/> (0.05 = 5 %).</summary>
    Task<IReadOnlyList<CostVarianceWarning>> CostVarianceWarningsAsync(TaktStore store, string company, decimal tolerance, CancellationToken ct);

    /// <summary>Recomputes the company's hash chain over its journal entries.</summary>
    Task<AuditReport> VerifyAuditChainAsync(TaktStore store, string company, CancellationToken ct);

    /// <summary>Records why an aged GR/IR open item is still open at the period's close (who, when, why).</summary>
    Task<Outcome<ExplanationView>> ExplainAsync(TaktStore store, string company, int period, ExplanationRequest request, string actor, CancellationToken ct);
}

internal sealed class LedgerClose(IServiceProvider services) : ILedgerClose
{
    private ISubledgers? Subledgers => (ISubledgers?)services.GetService(typeof(ISubledgers));

    public Task<CloseStatus> StatusAsync(TaktStore store, string company, int period, CancellationToken ct) =>
        Close.StatusAsync(store, (Outbox)services.GetService(typeof(Outbox))!, Subledgers, company, period, ct);

    public Task<IReadOnlyList<CostVarianceWarning>> CostVarianceWarningsAsync(TaktStore store, string company, decimal tolerance, CancellationToken ct) =>
        Close.VarianceWarningsAsync(store, Subledgers, company, tolerance, ct);

    public Task<AuditReport> VerifyAuditChainAsync(TaktStore store, string company, CancellationToken ct) => Audit.VerifyAsync(store, company, ct);

    public Task<Outcome<ExplanationView>> ExplainAsync(TaktStore store, string company, int period, ExplanationRequest request, string actor, CancellationToken ct) =>
        Close.ExplainAsync(store, Subledgers, (TimeProvider)services.GetService(typeof(TimeProvider))!, company, period, request, actor, ct);
}
