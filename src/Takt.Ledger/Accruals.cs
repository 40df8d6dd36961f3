using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>
/// Accruals (DESIGN §3): expense / accrued liabilities at period end, reversed on the first day of the next period.
/// Posting and reversal take the ledger's rules like any entry; the reversal posts the accrual's own lines swapped,
/// in both currencies, so the accrued liability returns exactly to zero.
/// </summary>
internal sealed class Accruals(ILedger ledger, Outbox outbox, TimeProvider clock) : IAccruals
{
    public async Task<Outcome<AccrualView>> ProposeAsync(StoreTransaction transaction, AccrualProposal p, CancellationToken ct)
    {
        var violations = new List<Violation>();
        if (string.IsNullOrWhiteSpace(p.Company))
            violations.Add(new Violation("/company", "accrual.company-required", "company is required."));
        if (string.IsNullOrWhiteSpace(p.Plant))
            violations.Add(new Violation("/plant", "accrual.plant-required", "plant is required."));
        if (string.IsNullOrWhiteSpace(p.Category))
            violations.Add(new Violation("/category", "accrual.category-required", "category (freight, services, …) is required."));
        if (string.IsNullOrWhiteSpace(p.Description))
            violations.Add(new Violation("/description", "accrual.description-required", "An accrual says what it is for."));
        if (p.Amount.Amount <= 0 || p.Amount != p.Amount.RoundToMinorUnits())
            violations.Add(new Violation("/amount", "accrual.amount-invalid", $"amount is positive and in {p.Amount.Currency.MinorUnits} decimals; got {p.Amount}."));
        if (violations.Count > 0)
            return violations.ToArray();
        var now = transaction.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        var reverseOn = new DateOnly(p.PostingDate.Year, p.PostingDate.Month, 1).AddMonths(1);
        await transaction.ExecuteAsync(
            "INSERT INTO ledger_accrual (id, company, plant, period, posting_date, reverse_on, category, description, amount_e4, currency, order_number, source, status, proposed_by, created_at_us, changed_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'proposed', $13, $14, $14)",
            ct, id, p.Company, p.Plant, (p.PostingDate.Year * 100) + p.PostingDate.Month, p.PostingDate.ToDateKey(), reverseOn.ToDateKey(), p.Category, p.Description,
            Fixed.ToE4(p.Amount.Amount), p.Amount.Currency.Code, p.Order, p.Source, p.ProposedBy, now.ToUnixMicroseconds());
        return (await ReadAsync(transaction.Connection, transaction.Transaction, "a.id = @id", new { id }, ct))[0];
    }

    public async Task<Outcome<AccrualView>> ApproveAsync(TaktStore store, string id, string approver, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var found = await ReadAsync(tx.Connection, tx.Transaction, "a.id = @id", new { id }, ct);
        if (found.Count == 0)
            return new Violation("/id", "accrual.unknown", $"No accrual '{id}'.");
        var accrual = found[0];
        if (accrual.Status != "proposed")
            return new Violation("/id", "accrual.not-proposed", $"Accrual {id} is {accrual.Status}; only a proposed accrual is approved.");
        if (string.Equals(accrual.ProposedBy, approver, StringComparison.Ordinal))
            return new Violation("/approver", "sod.approver-is-proposer", $"{approver} proposed accrual {id} and may not approve it too.");
        await tx.ExecuteAsync("UPDATE ledger_accrual SET status = 'approved', approved_by = $1, changed_at_us = $2 WHERE id = $3", ct, approver, clock.GetUtcNow().ToUnixMicroseconds(), id);
        var view = (await ReadAsync(tx.Connection, tx.Transaction, "a.id = @id", new { id }, ct))[0];
        await tx.CommitAsync(ct);
        return view;
    }

    public async Task<Outcome<AccrualView>> PostAsync(TaktStore store, string id, string actor, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var found = await ReadAsync(tx.Connection, tx.Transaction, "a.id = @id", new { id }, ct);
        if (found.Count == 0)
            return new Violation("/id", "accrual.unknown", $"No accrual '{id}'.");
        var a = found[0];
        if (a.Status != "approved")
            return new Violation("/id", "accrual.not-approved", $"Accrual {id} is {a.Status}; only an approved accrual is posted.");
        var currency = Currency.Of(a.Currency);
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var draft = new JournalEntryDraft(a.Company, a.Plant, currency, a.PostingDate, "accrual",
            new PostingSource("takt.ledger.accrual", a.Id, "/takt/ledger", clock.GetUtcNow(), "/postingDate"),
            [new PostingPair("accrual", "*", new Money(a.Amount, currency), "/amount", a.Order, CostCategory: a.Category)])
        {
            Actor = actor,
            Reason = a.Description,
        };
        var prepared = ledger.Prepare(rules, draft);
        if (prepared.IsRejected)
            return Outcome<AccrualView>.FromViolations(prepared.Violations);
        var entry = ledger.Stage(tx, prepared.Value);
        Journal.Publish(tx, outbox, entry, prepared.Value);
        await tx.ExecuteAsync("UPDATE ledger_accrual SET status = 'posted', posted_by = $1, entry_id = $2, changed_at_us = $3 WHERE id = $4",
            ct, actor, entry.ToString(), clock.GetUtcNow().ToUnixMicroseconds(), id);
        var view = (await ReadAsync(tx.Connection, tx.Transaction, "a.id = @id", new { id }, ct))[0];
        await tx.CommitAsync(ct);
        return view;
    }

    public async Task<IReadOnlyList<AccrualView>> RunDueReversalsAsync(TaktStore store, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var due = await ReadAsync(tx.Connection, tx.Transaction, "a.status = 'posted' AND a.reverse_on <= @today", new { today = today.ToDateKey() }, ct);
        if (due.Count == 0)
            return [];
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var reversed = new List<string>();
        foreach (var a in due)
        {
            var original = await Journal.EntryAsync(tx, a.EntryId!, ct);
            if (original is null)
                continue;
            var currency = Currency.Of(original.Currency);
            var zero = Money.Zero(currency);
            var lines = original.Lines.Select(l => new JournalLineDraft(l.Account, l.Credit > 0 ? new Money(l.Credit, currency) : zero, l.Debit > 0 ? new Money(l.Debit, currency) : zero, l.Order, l.Item, l.WorkCenter)).ToList();
            var draft = new JournalEntryDraft(a.Company, a.Plant, currency, a.ReverseOn, "accrual-reversal",
                new PostingSource("takt.ledger.accrual", a.Id, "/takt/ledger", clock.GetUtcNow(), "/reverseOn"), [], lines)
            {
                Actor = "takt",
                Reason = $"Automatic reversal of accrual {a.Id} on the first day of the next period",
                Reverses = new JournalEntryId(Guid.Parse(original.Id)),
                FixedLocal = (decimal.Parse(original.Rate ?? "1", System.Globalization.CultureInfo.InvariantCulture),
                    [.. original.Lines.Select(l => Fixed.ToE4(l.CreditLocal))], [.. original.Lines.Select(l => Fixed.ToE4(l.DebitLocal))]),
            };
            var prepared = ledger.Prepare(rules, draft);
            if (prepared.IsRejected)
                continue; // e.g. the next period is not open yet: the reversal waits for the next run
            // Claim the accrual before staging its reversal: on PostgreSQL a second node's run that read it as posted
            // waits here for the first one's commit and then finds it reversed (0 rows), so it is reversed once.
            if (await tx.ExecuteAsync("UPDATE ledger_accrual SET status = 'reversed', changed_at_us = $1 WHERE id = $2 AND status = 'posted'", ct, clock.GetUtcNow().ToUnixMicroseconds(), a.Id) == 0)
                continue;
            var entry = ledger.Stage(tx, prepared.Value);
            Journal.Publish(tx, outbox, entry, prepared.Value);
            await tx.ExecuteAsync("UPDATE ledger_accrual SET reversal_entry_id = $1 WHERE id = $2", ct, entry.ToString(), a.Id);
            reversed.Add(a.Id);
        }

        if (reversed.Count == 0)
            return []; // nothing due could be reversed, or another node reversed it first: nothing to commit
        await tx.FlushAsync(ct);
        var views = await ReadAsync(tx.Connection, tx.Transaction, "a.status = 'reversed' AND a.reverse_on <= @today", new { today = today.ToDateKey() }, ct);
        await tx.CommitAsync(ct);
        return [.. views.Where(v => reversed.Contains(v.Id))];
    }

    public async Task<IReadOnlyList<AccrualView>> ListAsync(TaktStore store, string company, int? period, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        return await ReadAsync(connection, null, "a.company = @company AND (@period = 0 OR a.period = @period)", new { company, period = (long)(period ?? 0) }, ct);
    }

    private sealed record Row(
        string Id, string Company, string Plant, long Period, long PostingDate, long ReverseOn, string Category, string Description, long AmountE4, string Currency,
        string? OrderNumber, string? Source, string Status, string ProposedBy, string? ApprovedBy, string? PostedBy, string? EntryId, string? ReversalEntryId);

    private static async Task<IReadOnlyList<AccrualView>> ReadAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string where, object args, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT a.id AS Id, a.company AS Company, a.plant AS Plant, a.period AS Period, a.posting_date AS PostingDate, a.reverse_on AS ReverseOn, a.category AS Category,
                   a.description AS Description, a.amount_e4 AS AmountE4, a.currency AS Currency, a.order_number AS OrderNumber, a.source AS Source, a.status AS Status,
                   a.proposed_by AS ProposedBy, a.approved_by AS ApprovedBy, a.posted_by AS PostedBy, a.entry_id AS EntryId, a.reversal_entry_id AS ReversalEntryId
            FROM ledger_accrual a WHERE {where} ORDER BY a.id
            """, args, transaction, cancellationToken: ct));
        return [.. rows.Select(r => new AccrualView(r.Id, r.Company, r.Plant, checked((int)r.Period), Instants.FromDateKey(checked((int)r.PostingDate)), Instants.FromDateKey(checked((int)r.ReverseOn)),
            r.Category, r.Description, Fixed.FromE4(r.AmountE4), r.Currency, r.OrderNumber, r.Source, r.Status, r.ProposedBy, r.ApprovedBy, r.PostedBy, r.EntryId, r.ReversalEntryId))];
    }
}
