using System.Text.Json;
using Dapper;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>
/// Manual journal entries and reversals: each is checked like any posting (period, chart, control accounts,
/// balance), needs a reason, takes the next gap-free number and publishes <c>takt.ledger.journal-entry-posted.v1</c>.
/// </summary>
internal static class Journal
{
    public sealed record LineInput(string? Account, decimal? Debit, decimal? Credit, string? Order = null, string? Item = null, string? WorkCenter = null);

    public sealed record ManualRequest(string? Company, string? Plant, DateOnly? PostingDate, string? Currency, string? Reason, string? Role, IReadOnlyList<LineInput>? Lines);

    public sealed record ReversalRequest(string? Reason, DateOnly? PostingDate, decimal? Amount, string? Role);

    public sealed record LineView(int Line, string Account, decimal Debit, decimal Credit, decimal DebitLocal, decimal CreditLocal, string? Order, string? Item, string? WorkCenter);

    public sealed record SourceView(string? Type, string? Id, string? Origin);

    public sealed record EntryView(
        string Id, string Company, string? Plant, int? FiscalYear, long? Number, DateOnly PostingDate, string Currency, string? CompanyCurrency, string? Rate,
        string DocumentType, SourceView Source, string? Reverses, IReadOnlyList<string> ReversedBy, string? Actor, string? Reason, long? ChainSeq, string? Hash,
        IReadOnlyList<LineView> Lines);

    public static async Task<Outcome<EntryView>> PostManualAsync(TaktStore store, ILedger ledger, Outbox outbox, TimeProvider clock, ManualRequest request, string actor, CancellationToken ct)
    {
        var violations = new List<Violation>();
        if (string.IsNullOrWhiteSpace(request.Company))
            violations.Add(new Violation("/company", "journal.company-required", "company is required."));
        if (string.IsNullOrWhiteSpace(request.Plant))
            violations.Add(new Violation("/plant", "journal.plant-required", "plant is required (the entry and its event are attributed to a plant)."));
        if (request.PostingDate is null)
            violations.Add(new Violation("/postingDate", "journal.posting-date-required", "postingDate is required (yyyy-MM-dd)."));
        if (!Currency.TryParse(request.Currency, out var currency))
            violations.Add(new Violation("/currency", "money.currency-unknown", $"'{request.Currency}' is not a known ISO 4217 currency."));
        if (request.Lines is not { Count: > 0 })
            violations.Add(new Violation("/lines", "journal.lines-required", "A manual entry has at least two lines."));
        var lines = new List<JournalLineDraft>();
        for (var i = 0; i < (request.Lines?.Count ?? 0); i++)
        {
            var l = request.Lines![i];
            if (string.IsNullOrWhiteSpace(l.Account))
                violations.Add(new Violation($"/lines/{i}/account", "journal.account-required", "Each line names an account."));
            lines.Add(new JournalLineDraft(l.Account ?? "", new Money(l.Debit ?? 0m, currency), new Money(l.Credit ?? 0m, currency), l.Order, l.Item, l.WorkCenter));
        }

        if (violations.Count > 0)
            return violations.ToArray();
        var now = clock.GetUtcNow();
        var draft = new JournalEntryDraft(request.Company!, request.Plant!, currency, request.PostingDate!.Value, "manual-entry",
            new PostingSource("takt.ledger.manual-entry", Uuid7.New(now).ToString(), "/takt/ledger", now, "/postingDate"), [], lines)
        {
            Manual = true,
            Actor = actor,
            Role = request.Role,
            Reason = request.Reason,
        };
        return await PostAsync(store, ledger, outbox, clock, draft, ct);
    }

    /// <summary>
    /// Reverses an entry fully (no amount: whatever is not yet reversed) or partly (amount of its debit total,
    /// lines scaled pro rata; rounding differences go to the largest line so the reversal balances).
    /// </summary>
    public static async Task<Outcome<EntryView>> ReverseAsync(TaktStore store, ILedger ledger, Outbox outbox, TimeProvider clock, string id, ReversalRequest request, string actor, CancellationToken ct)
    {
        var original = await EntryAsync(store, id, ct);
        if (original is null)
            return new Violation("/id", "journal-entry.unknown", $"No journal entry '{id}'.");
        if (original.Reverses is not null)
            return new Violation("/id", "journal.reversal-of-reversal", $"Entry {id} is itself a reversal; post a new entry instead.");
        var total = original.Lines.Sum(l => l.Debit);
        var groups = original.Lines
            .GroupBy(l => (l.Account, l.Order, l.Item, l.WorkCenter, Debit: l.Debit > 0))
            .Select(g => (g.Key, Amount: g.Sum(l => l.Debit + l.Credit), Local: g.Sum(l => l.DebitLocal + l.CreditLocal)))
            .ToList();
        var done = new Dictionary<(string, string?, string?, string?, bool), (decimal Amount, decimal Local)>();
        await using (var connection = await store.OpenConnectionAsync(ct))
        {
            // What reversals took already, per line group (a reversal line credits what the entry debited).
            var rows = await connection.QueryAsync<(string Account, string? Order, string? Item, string? WorkCenter, long Debit, long Credit, long DebitLocal, long CreditLocal)>(new CommandDefinition(
                "SELECT l.account, l.order_number, l.item, l.work_center, l.debit_e4, l.credit_e4, l.debit_local_e4, l.credit_local_e4 FROM ledger_journal_line l JOIN ledger_journal_entry e ON e.id = l.entry_id WHERE e.reverses = @id",
                new { id }, cancellationToken: ct));
            foreach (var r in rows)
            {
                var key = (r.Account, r.Order, r.Item, r.WorkCenter, r.Credit > 0);
                done.TryGetValue(key, out var sum);
                done[key] = (sum.Amount + Fixed.FromE4(r.Debit + r.Credit), sum.Local + Fixed.FromE4(r.DebitLocal + r.CreditLocal));
            }
        }

        var currency = Currency.Of(original.Currency);
        var companyCurrency = Currency.Of(original.CompanyCurrency ?? original.Currency);
        var reversed = done.Where(d => d.Key.Item5).Sum(d => d.Value.Amount);
        var remaining = total - reversed;
        var amount = request.Amount ?? remaining;
        if (remaining <= 0)
            return new Violation("/id", "journal.already-reversed", $"Entry {id} is fully reversed already.");
        if (amount <= 0 || amount > remaining || amount != new Money(amount, currency).RoundToMinorUnits().Amount)
            return new Violation("/amount", "journal.reversal-amount-invalid", $"amount is positive, in {currency.MinorUnits} decimals and at most the {remaining} {currency} not yet reversed; got {amount}.");

        // The last piece reverses exactly what is left of each group, in both currencies; a partial piece takes
        // its share of the total, rounded, with rounding differences put on the largest line of the lighter side.
        var last = amount == remaining;
        var lines = new List<JournalLineDraft>();
        var debitLocal = new List<long>();
        var creditLocal = new List<long>();
        foreach (var (key, groupAmount, groupLocal) in groups)
        {
            done.TryGetValue(key, out var taken);
            var part = last ? groupAmount - taken.Amount : new Money(groupAmount * amount / total, currency).RoundToMinorUnits().Amount;
            var partLocal = last ? groupLocal - taken.Local : new Money(groupLocal * amount / total, companyCurrency).RoundToMinorUnits().Amount;
            if (part == 0 && partLocal == 0)
                continue;
            var zero = Money.Zero(currency);
            lines.Add(key.Debit
                ? new JournalLineDraft(key.Account, zero, new Money(part, currency), key.Order, key.Item, key.WorkCenter)
                : new JournalLineDraft(key.Account, new Money(part, currency), zero, key.Order, key.Item, key.WorkCenter));
            debitLocal.Add(key.Debit ? 0 : Fixed.ToE4(partLocal));
            creditLocal.Add(key.Debit ? Fixed.ToE4(partLocal) : 0);
        }

        Balance(lines, currency);
        var (dl, cl) = (debitLocal.ToArray(), creditLocal.ToArray());
        var localDifference = dl.Sum() - cl.Sum();
        if (localDifference != 0)
        {
            var side = localDifference > 0 ? cl : dl;
            side[Array.IndexOf(side, side.Max())] += Math.Abs(localDifference);
        }

        var now = clock.GetUtcNow();
        var draft = new JournalEntryDraft(original.Company, original.Plant ?? "", currency, request.PostingDate ?? original.PostingDate, "reversal",
            new PostingSource(original.Source.Type ?? "takt.ledger.reversal", original.Source.Id ?? id, original.Source.Origin ?? "/takt/ledger", now, "/postingDate"), [], lines)
        {
            Manual = true,
            Actor = actor,
            Role = request.Role,
            Reason = request.Reason,
            Reverses = new JournalEntryId(Guid.Parse(original.Id)),
            FixedLocal = (decimal.Parse(original.Rate ?? "1", System.Globalization.CultureInfo.InvariantCulture), dl, cl),
        };
        return await PostAsync(store, ledger, outbox, clock, draft, ct);
    }

    /// <summary>Puts a rounding difference between the sides on the largest line of the lighter side.</summary>
    private static void Balance(List<JournalLineDraft> lines, Currency currency)
    {
        var difference = lines.Sum(l => l.Debit.Amount) - lines.Sum(l => l.Credit.Amount);
        if (difference == 0 || lines.Count == 0)
            return;
        var credit = difference > 0;
        var candidates = lines.Select((l, i) => (Amount: credit ? l.Credit.Amount : l.Debit.Amount, i)).Where(x => x.Amount > 0).ToList();
        if (candidates.Count == 0)
            return;
        var largest = candidates.MaxBy(x => x.Amount).i;
        var fix = new Money(Math.Abs(difference), currency);
        lines[largest] = credit ? lines[largest] with { Credit = lines[largest].Credit + fix } : lines[largest] with { Debit = lines[largest].Debit + fix };
    }

    /// <summary>Prepares, stages, publishes and commits one entry in its own transaction.</summary>
    internal static async Task<Outcome<EntryView>> PostAsync(TaktStore store, ILedger ledger, Outbox outbox, TimeProvider clock, JournalEntryDraft draft, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        JournalEntryId id;
        await using (var tx = await session.BeginAsync(ct))
        {
            var rules = await ledger.LoadRulesAsync(tx, ct);
            var prepared = ledger.Prepare(rules, draft);
            if (prepared.IsRejected)
                return Outcome<EntryView>.FromViolations(prepared.Violations);
            id = ledger.Stage(tx, prepared.Value);
            Publish(tx, outbox, id, prepared.Value);
            await tx.CommitAsync(ct);
        }

        return (await EntryAsync(store, id.ToString(), ct))!;
    }

    internal static void Publish(StoreTransaction tx, Outbox outbox, JournalEntryId id, PreparedEntry entry)
    {
        var d = entry.Draft;
        var data = new JournalEntryPosted(id.Value, d.Company, d.Plant, d.PostingDate, d.Currency.Code, d.Source.Type, d.Source.Origin, d.Source.Id,
            [.. entry.Lines.Select(l => new JournalLineData(l.Account, l.Debit.Amount, l.Credit.Amount, l.Order, l.Item, l.WorkCenter))]);
        var now = tx.Clock.GetUtcNow();
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.JournalEntryPosted, "/takt/ledger", id.ToString(), d.Plant, now,
            JsonSerializer.Serialize(data, EventJson.Default.JournalEntryPosted)));
    }

    private sealed record EntryRow(
        string Id, string Company, string? Plant, long? FiscalYear, long? Number, long PostingDate, string Currency, string? CompanyCurrency, string? Rate,
        string DocumentType, string? SourceType, string? SourceId, string? SourceOrigin, string? Reverses, string? Actor, string? Reason, long? ChainSeq, string? Hash);

    private sealed record LineRow(long LineNo, string Account, long DebitE4, long CreditE4, long DebitLocalE4, long CreditLocalE4, string? OrderNumber, string? Item, string? WorkCenter);

    public static async Task<EntryView?> EntryAsync(TaktStore store, string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out _))
            return null;
        await using var connection = await store.OpenConnectionAsync(ct);
        return await EntryAsync(connection, null, id, ct);
    }

    public static Task<EntryView?> EntryAsync(StoreTransaction tx, string id, CancellationToken ct) => EntryAsync(tx.Connection, tx.Transaction, id, ct);

    private static async Task<EntryView?> EntryAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string id, CancellationToken ct)
    {
        var entry = await connection.QuerySingleOrDefaultAsync<EntryRow>(new CommandDefinition(
            """
            SELECT id AS Id, company AS Company, plant AS Plant, fiscal_year AS FiscalYear, number AS Number, posting_date AS PostingDate, currency AS Currency,
                   company_currency AS CompanyCurrency, rate AS Rate, document_type AS DocumentType, source_type AS SourceType, source_id AS SourceId,
                   source_origin AS SourceOrigin, reverses AS Reverses, actor AS Actor, reason AS Reason, chain_seq AS ChainSeq, hash AS Hash
            FROM ledger_journal_entry WHERE id = @id
            """, new { id }, transaction, cancellationToken: ct));
        if (entry is null)
            return null;
        var lines = await connection.QueryAsync<LineRow>(new CommandDefinition(
            "SELECT line_no AS LineNo, account AS Account, debit_e4 AS DebitE4, credit_e4 AS CreditE4, debit_local_e4 AS DebitLocalE4, credit_local_e4 AS CreditLocalE4, order_number AS OrderNumber, item AS Item, work_center AS WorkCenter FROM ledger_journal_line WHERE entry_id = @id ORDER BY line_no",
            new { id }, transaction, cancellationToken: ct));
        var reversedBy = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM ledger_journal_entry WHERE reverses = @id ORDER BY id", new { id }, transaction, cancellationToken: ct));
        return new EntryView(entry.Id, entry.Company, entry.Plant, entry.FiscalYear is { } y ? checked((int)y) : null, entry.Number, Instants.FromDateKey(checked((int)entry.PostingDate)),
            entry.Currency, entry.CompanyCurrency, entry.Rate, entry.DocumentType, new SourceView(entry.SourceType, entry.SourceId, entry.SourceOrigin), entry.Reverses, [.. reversedBy],
            entry.Actor, entry.Reason, entry.ChainSeq, entry.Hash,
            [.. lines.Select(l => new LineView(checked((int)l.LineNo), l.Account, Fixed.FromE4(l.DebitE4), Fixed.FromE4(l.CreditE4), Fixed.FromE4(l.DebitLocalE4), Fixed.FromE4(l.CreditLocalE4), l.OrderNumber, l.Item, l.WorkCenter))]);
    }
}
