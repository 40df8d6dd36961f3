using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Integration.Gateway;
using Takt.Intelligence;
using Takt.Payables.Invoices;
using Takt.Store;

namespace Takt.Payables.Matching;

/// <summary>A person's decision on a suspected (or exact) duplicate.</summary>
/// <param name="Decision"><c>duplicate</c> (the invoice is rejected) or <c>not-duplicate</c> (the flag is cleared and the invoice matched again).</param>
/// <param name="Reason">Why, in words (kept with the decision).</param>
/// <param name="DecidedBy">Who decided.</param>
public sealed record DuplicateDecision(string? Decision, string? Reason, string? DecidedBy);

/// <summary>A decision recorded on an invoice's exception.</summary>
/// <param name="Decision"><c>released</c>, <c>rejected</c>, <c>duplicate</c> or <c>not-duplicate</c>.</param>
/// <param name="Outcome">What it did: <c>posted</c>, <c>exception</c> (still, for other findings), <c>rejected</c>, or <c>refused</c> (with why, in <paramref name="Reason"/>).</param>
/// <param name="DecidedBy">A person, or <c>flow:</c> and the invoice-exception flow instance.</param>
public sealed record InvoiceDecisionView(string Id, string Invoice, string? Exception, string Decision, string Outcome, string Reason, string DecidedBy, DateTimeOffset DecidedAt);

/// <summary>
/// Acts on exception decisions, in the caller's transaction: release (post despite the findings, e.g. an accepted
/// price difference), reject (disputed, or a confirmed duplicate; never posted or paid), and the duplicate decision.
/// </summary>
internal sealed class ExceptionDecisions(InvoiceMatcher matcher, IIntelligence intelligence, Outbox outbox)
{
    private const string Source = "/takt/payables";

    /// <summary>The invoice's match state: null when unknown or never matched.</summary>
    internal sealed record State(InvoiceReceipt Receipt, SupplierInvoice Document, string MatchState, bool Rejected, string? OpenException);

    public static async Task<State?> StateAsync(StoreTransaction tx, string invoice, CancellationToken ct)
    {
        var found = await InvoiceIntake.LoadAsync(tx, invoice, ct);
        if (found is null)
            return null;
        await using var r = await tx.Command(
            "SELECT m.state, m.rejected_at_us, (SELECT e.id FROM payables_exception e WHERE e.invoice_id = m.invoice_id AND e.status = 'open') FROM payables_match m WHERE m.invoice_id = $1", invoice).ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new State(found.Value.Receipt, found.Value.Document, r.GetString(0), !r.IsDBNull(1), r.IsDBNull(2) ? null : r.GetString(2)) : null;
    }

    /// <summary>Why the invoice can no longer be decided on: posted or rejected (409), else null.</summary>
    public static Problem? Closed(State state, string id) =>
        state.MatchState == "posted" ? Problem.Conflict(new Violation("/id", "invoice.already-posted", $"Supplier invoice {id} is matched and posted; correct it with a credit note."))
        : state.Rejected ? Problem.Conflict(new Violation("/id", "invoice.rejected", $"Supplier invoice {id} was rejected; the supplier sends a new one."))
        : null;

    /// <summary>Posts the invoice despite its findings (the exception is resolved as <c>released</c>), or says why not (nothing staged).</summary>
    public async Task<Outcome<string>> ReleaseAsync(StoreTransaction tx, State state, string decidedBy, string reason, CancellationToken ct)
    {
        var outcome = await matcher.MatchAsync(tx, state.Receipt, state.Document, null, matcher.NewRules(), ct, release: "released");
        Record(tx, state, "released", outcome.IsRejected ? "refused" : outcome.Value,
            outcome.IsRejected ? reason + " Refused: " + string.Join(" ", outcome.Violations.Select(v => v.Detail)) : reason, decidedBy);
        return outcome;
    }

    /// <summary>Rejects the invoice: never posted or paid, its exception resolved, <c>takt.payables.invoice-rejected.v1</c> published.</summary>
    public void Reject(StoreTransaction tx, State state, string decision, string decidedBy, string reason)
    {
        var now = tx.Clock.GetUtcNow();
        var receipt = state.Receipt;
        tx.Stage("UPDATE payables_match SET rejected_at_us = $1, rejection = $2, updated_at_us = $1 WHERE invoice_id = $3", now.ToUnixMicroseconds(), reason, receipt.Id);
        if (state.OpenException is { } open)
            tx.Stage("UPDATE payables_exception SET status = 'resolved', resolution = $1, resolved_at_us = $2 WHERE id = $3", decision == "duplicate" ? "duplicate" : "rejected", now.ToUnixMicroseconds(), open);
        Record(tx, state, decision, "rejected", reason, decidedBy);
        var data = JsonSerializer.Serialize(new InvoiceRejected(receipt.Id, receipt.Plant, receipt.Number, state.OpenException, decision, reason, decidedBy,
            decision == "duplicate" ? receipt.DuplicateOf : null), EventJson.Default.InvoiceRejected);
        var objects = new List<ObjectLink> { new("plant", receipt.Plant, "at"), new("supplier-invoice", receipt.Id, "rejected") };
        if (decision == "duplicate" && receipt.DuplicateOf is { } of)
            objects.Add(new ObjectLink("supplier-invoice", of, "duplicates"));
        intelligence.Append(tx, new ProcessEventDraft(EventTypes.InvoiceRejected, Source, receipt.Id, receipt.Plant, now, data, 0, objects));
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.InvoiceRejected, Source, receipt.Id, receipt.Plant, now, data));
    }

    /// <summary>
    /// The duplicate decision: <c>duplicate</c> rejects the invoice; <c>not-duplicate</c> clears its flag and matches it
    /// again (posted, or still an exception for its other findings). Checked first; a refusal changes nothing.
    /// </summary>
    public async Task<Problem?> DecideDuplicateAsync(StoreTransaction tx, string id, DuplicateDecision body, CancellationToken ct)
    {
        var errors = new List<Violation>();
        if (body.Decision is not ("duplicate" or "not-duplicate"))
            errors.Add(new Violation("/decision", "payables.duplicate-decision-unknown", "decision is duplicate or not-duplicate."));
        if (string.IsNullOrWhiteSpace(body.Reason))
            errors.Add(new Violation("/reason", "payables.reason-required", "Say why (kept with the decision)."));
        if (string.IsNullOrWhiteSpace(body.DecidedBy))
            errors.Add(new Violation("/decidedBy", "payables.decided-by-required", "Name who decides."));
        if (errors.Count > 0)
            return Problem.RuleViolated(errors);
        var state = await StateAsync(tx, id, ct);
        if (state is null)
            return Problem.NotFound(new Violation("/id", "invoice.unknown", $"Supplier invoice '{id}' does not exist."));
        if (Closed(state, id) is { } closed)
            return closed;
        if (state.Receipt.Duplicate is null)
            return Problem.RuleViolated([new Violation("/id", "payables.not-a-duplicate-suspect", $"Supplier invoice {id} is not flagged as a duplicate; there is nothing to decide.")]);
        if (body.Decision == "duplicate")
        {
            Reject(tx, state, "duplicate", body.DecidedBy!, body.Reason!);
            return null;
        }

        tx.Stage("UPDATE payables_invoice SET status = 'received', duplicate = NULL WHERE id = $1", id);
        await tx.FlushAsync(ct);
        var cleared = state with { Receipt = state.Receipt with { Status = "received", Duplicate = null } };
        var outcome = await matcher.MatchAsync(tx, cleared.Receipt, cleared.Document, null, matcher.NewRules(), ct);
        if (outcome.IsRejected)
            return Problem.RuleViolated(outcome.Violations);
        Record(tx, state, "not-duplicate", outcome.Value, body.Reason!, body.DecidedBy!);
        return null;
    }

    public static async Task<IReadOnlyList<InvoiceDecisionView>> DecisionsAsync(StoreTransaction tx, string invoice, CancellationToken ct)
    {
        var list = new List<InvoiceDecisionView>();
        await using var r = await tx.Command("SELECT id, invoice_id, exception_id, decision, outcome, reason, decided_by, decided_at_us FROM payables_decision WHERE invoice_id = $1 ORDER BY decided_at_us, id", invoice).ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new InvoiceDecisionView(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), Instants.FromUnixMicroseconds(r.GetInt64(7))));
        return list;
    }

    private static void Record(StoreTransaction tx, State state, string decision, string outcome, string reason, string decidedBy)
    {
        var now = tx.Clock.GetUtcNow();
        tx.Stage("INSERT INTO payables_decision (id, invoice_id, exception_id, decision, outcome, reason, decided_by, decided_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            Uuid7.New(now).ToString(), state.Receipt.Id, state.OpenException, decision, outcome, reason, decidedBy, now.ToUnixMicroseconds());
    }
}

/// <summary>
/// Acts on the invoice-exception flow's outcome (its <c>signal</c> steps), in the dispatcher's transaction so exactly once:
/// <c>invoice-difference-accepted</c> releases the invoice (posts it despite the findings), <c>invoice-disputed</c>
/// rejects it. An invoice whose exception was resolved meanwhile (its receipt arrived, a duplicate decision) is left as
/// it is. A release the ledger or the rules refuse (closed period, exact duplicate) is recorded as refused and the
/// exception stays open for a person.
/// </summary>
internal sealed class ExceptionFlowOutcomes(IServiceProvider services) : IOutboxSubscriber
{
    public const string Flow = "invoice-exception-resolution";
    public const string Accepted = "invoice-difference-accepted";
    public const string Disputed = "invoice-disputed";

    // Posting writes to the outbox, whose subscribers include this one: resolved at first use, not at construction.
    private ExceptionDecisions decisions => services.GetRequiredService<ExceptionDecisions>();

    public string Name => "payables.exception-flow-outcomes";

    public IReadOnlyCollection<string> Types { get; } = [EventTypes.OrchestrationSignal];

    public bool Accepts(OutboxMessage message) => message.Type == EventTypes.OrchestrationSignal;

    public async Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct)
    {
        var signal = JsonSerializer.Deserialize(message.Data, EventJson.Default.OrchestrationSignal);
        if (signal is null || signal.Flow != Flow || signal.Compensation || signal.Name is not (Accepted or Disputed)
            || signal.Variables["invoice"] is not JsonValue value || !value.TryGetValue<string>(out var invoice))
            return;
        var state = await ExceptionDecisions.StateAsync(transaction, invoice, ct);
        if (state is null || state.OpenException is null || ExceptionDecisions.Closed(state, invoice) is not null)
            return;
        var by = "flow:" + signal.Instance;
        if (signal.Name == Accepted)
            await decisions.ReleaseAsync(transaction, state, by, $"The invoice-exception flow accepted the difference (step {signal.Step}).", ct);
        else
            decisions.Reject(transaction, state, "rejected", by, $"The invoice-exception flow disputed the invoice (step {signal.Step}).");
    }
}
