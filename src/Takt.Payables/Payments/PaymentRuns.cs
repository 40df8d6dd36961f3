using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Integration.Gateway;
using Takt.Intelligence;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Payables.Matching;
using Takt.Store;

namespace Takt.Payables.Payments;

/// <summary>A payment run to make: what is due by a date (all of it, or the listed documents).</summary>
/// <param name="DueBy">Documents due by this date are paid.</param>
/// <param name="PaymentDate">Posting date of the payments; defaults to the plant's today.</param>
/// <param name="Invoices">Pay exactly these posted invoices and credit notes (ids); none: everything due and unpaid.</param>
/// <param name="RunBy">Who runs it (defaults to the calling client).</param>
public sealed record PaymentRunRequest(DateOnly? DueBy, DateOnly? PaymentDate = null, IReadOnlyList<string>? Invoices = null, string? RunBy = null);

/// <summary>A document a run paid.</summary>
/// <param name="Amount">Signed amount paid (credit notes negative).</param>
public sealed record PaymentRunDocument(string Invoice, string Kind, string Number, string Supplier, string Currency, decimal Amount, DateOnly DueDate, string JournalEntry);

/// <summary>A run's posting in one currency: accounts payable against the bank.</summary>
public sealed record PaymentRunPosting(string Currency, decimal Amount, string JournalEntry);

/// <summary>A payment run: the documents it paid, totals per supplier and currency, and its journal entries.</summary>
public sealed record PaymentRunView(string Id, string Plant, DateOnly DueBy, DateOnly PaymentDate, string RunBy, IReadOnlyList<PaymentRunDocument> Documents,
    IReadOnlyList<PaymentRunTotal> Totals, IReadOnlyList<PaymentRunPosting> Postings, DateTimeOffset CreatedAt);

/// <summary>Payment runs (docs/payables.md): from the payment proposal to documents marked paid, AP against bank, in one transaction.</summary>
public interface IPaymentRuns
{
    Task<(PaymentRunView? Run, Problem? Problem)> RunAsync(TaktStore store, string plant, PaymentRunRequest request, string? client, CancellationToken ct);

    Task<PaymentRunView?> RunViewAsync(TaktStore store, string id, CancellationToken ct);

    Task<IReadOnlyList<PaymentRunView>> RunsAsync(TaktStore store, string? plant, int limit, CancellationToken ct);

    /// <summary>
    /// The AP subledger of the plants in the company currency: what posted documents put on the payables control
    /// accounts less what payment runs cleared, as a control-account balance (debit − credit: a liability is negative),
    /// and how many posted documents are unpaid.
    /// </summary>
    Task<(decimal Balance, long OpenDocuments)> OpenItemsAsync(TaktStore store, IReadOnlyCollection<string> plants, CancellationToken ct);
}

/// <summary>
/// Pays what is due: each document (posted, not rejected, not paid, due by the date) is marked paid and accounts payable
/// is debited against the bank, one journal entry per currency (movements <c>supplier-payment</c> and, for credit
/// notes, <c>supplier-payment-credit-note</c>), with the process-log event, <c>takt.payables.payment-run-completed.v1</c>
/// and the journal entries' events, in ONE transaction. A document is paid once (a second run refuses it, 409); a
/// supplier whose documents net to zero or less in a currency is not paid. No bank file is written.
/// </summary>
internal sealed class PaymentRuns(ILedger ledger, IMasterData masterData, IIntelligence intelligence, Outbox outbox, TimeProvider clock) : IPaymentRuns
{
    private const string Source = "/takt/payables";
    public const string Payment = "supplier-payment";
    public const string CreditNotePayment = "supplier-payment-credit-note";

    private sealed record Candidate(string Id, string Kind, string Number, string Supplier, string Currency, decimal Amount, DateOnly DueDate, string State, bool Rejected, string? PaidBy, string? Reason);

    public async Task<(PaymentRunView? Run, Problem? Problem)> RunAsync(TaktStore store, string plant, PaymentRunRequest request, string? client, CancellationToken ct)
    {
        var errors = new List<Violation>();
        if (request.DueBy is null)
            errors.Add(new Violation("/dueBy", "payables.due-by-required", "dueBy is a date (YYYY-MM-DD): what is due by then is paid."));
        var listed = request.Invoices ?? [];
        for (var i = 0; i < listed.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(listed[i]))
                errors.Add(new Violation($"/invoices/{i}", "payables.invoice-required", "Name the invoice (its id)."));
            else if (listed.Take(i).Contains(listed[i], StringComparer.Ordinal))
                errors.Add(new Violation($"/invoices/{i}", "payables.invoice-listed-twice", $"Invoice {listed[i]} is listed twice."));
        }

        if (errors.Count > 0)
            return (null, Problem.RuleViolated(errors));
        var dueBy = request.DueBy!.Value;

        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var view = await masterData.LoadAsync(tx, [plant], [], [], ct);
        if (view.Plant(plant) is not { } at)
            return (null, Problem.RuleViolated([new Violation("/plant", "plant.unknown", $"Plant '{plant}' does not exist.")]));
        if (tx.Engine == StoreEngine.Postgres)
            await tx.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext($1))", ct, "takt.payables.pay:" + plant); // two runs at once: the second sees the first's payments

        var candidates = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        await using (var r = await tx.Command(
            "SELECT m.invoice_id, m.kind, i.number, COALESCE(m.supplier, i.supplier_key), m.currency, m.payable, m.due_date, m.state, m.rejected_at_us, p.run_id, m.reason " +
            "FROM payables_match m JOIN payables_invoice i ON i.id = m.invoice_id LEFT JOIN payables_payment p ON p.invoice_id = m.invoice_id WHERE m.plant = $1",
            plant).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                candidates[r.GetString(0)] = new Candidate(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), InvoiceMatcher.Dec(r.GetString(5)),
                    DateOnly.ParseExact(r.GetString(6), "yyyy-MM-dd", CultureInfo.InvariantCulture), r.GetString(7), !r.IsDBNull(8), r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10));
            }
        }

        List<Candidate> chosen;
        if (listed.Count > 0)
        {
            var paid = new List<Violation>();
            for (var i = 0; i < listed.Count; i++)
            {
                var at_ = $"/invoices/{i}";
                if (!candidates.TryGetValue(listed[i], out var c))
                    errors.Add(new Violation(at_, "payables.invoice-unknown", $"'{listed[i]}' is no invoice of plant {plant}."));
                else if (c.PaidBy is { } run)
                    paid.Add(new Violation(at_, "payables.invoice-already-paid", $"Invoice {c.Number} ({c.Id}) was paid by payment run {run}."));
                else if (c.Rejected)
                    errors.Add(new Violation(at_, "payables.invoice-rejected", $"Invoice {c.Number} was rejected; it is never paid."));
                else if (c.State != "posted")
                    errors.Add(new Violation(at_, "payables.invoice-blocked", $"Invoice {c.Number} is blocked: {c.Reason}"));
                else if (c.DueDate > dueBy)
                    errors.Add(new Violation(at_, "payables.invoice-not-due", $"Invoice {c.Number} is due on {c.DueDate:yyyy-MM-dd}, after {dueBy:yyyy-MM-dd}."));
            }

            if (errors.Count > 0)
                return (null, Problem.RuleViolated([.. paid, .. errors]));
            if (paid.Count > 0)
                return (null, Problem.Conflict(paid[0]) with { Errors = paid, Detail = paid.Count == 1 ? paid[0].Detail : $"{paid.Count} of the listed documents are paid already." });
            chosen = [.. listed.Select(id => candidates[id])];
            foreach (var group in chosen.GroupBy(c => (c.Supplier, c.Currency)).Where(g => g.Sum(c => c.Amount) <= 0))
            {
                errors.Add(new Violation("/invoices", "payables.payment-not-positive",
                    $"Supplier {group.Key.Supplier} would be paid {InvoiceMatcher.Format(group.Sum(c => c.Amount))} {group.Key.Currency}: its credit notes are not less than its invoices; list invoices that outweigh them."));
            }

            if (errors.Count > 0)
                return (null, Problem.RuleViolated(errors));
        }
        else
        {
            // Everything due and unpaid; a supplier whose credit notes outweigh its invoices waits (nothing to pay).
            chosen = [.. candidates.Values.Where(c => c.State == "posted" && !c.Rejected && c.PaidBy is null && c.DueDate <= dueBy)
                .GroupBy(c => (c.Supplier, c.Currency)).Where(g => g.Sum(c => c.Amount) > 0).SelectMany(g => g)];
            if (chosen.Count == 0)
                return (null, Problem.RuleViolated([new Violation("/dueBy", "payables.payment-run-empty", $"Nothing at plant {plant} is due by {dueBy:yyyy-MM-dd} and unpaid (with a positive amount per supplier).")]));
        }

        var now = tx.Clock.GetUtcNow();
        var date = request.PaymentDate ?? at.DateOf(now);
        var runId = Uuid7.New(now).ToString();
        var rules = await ledger.LoadRulesAsync(tx, ct);
        var postings = new List<(string Currency, decimal Amount, decimal ApLocal, PreparedEntry Entry)>();
        foreach (var currency in chosen.GroupBy(c => c.Currency).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var money = Currency.TryParse(currency.Key, out var parsed) ? parsed : Currency.Eur;
            var pairs = currency.GroupBy(c => (c.Supplier, Credit: c.Amount < 0)).OrderBy(g => g.Key.Supplier, StringComparer.Ordinal).ThenBy(g => g.Key.Credit)
                .Select(g => new PostingPair(g.Key.Credit ? CreditNotePayment : Payment, "*", new Money(Math.Abs(g.Sum(c => c.Amount)), money), "/invoices")).ToList();
            var prepared = ledger.Prepare(rules, new JournalEntryDraft(at.Company.Code, plant, money, date, "supplier-payment",
                new PostingSource(EventTypes.PaymentRunCompleted, runId, Source, now, "/paymentDate"), pairs));
            if (prepared.IsRejected)
                return (null, Problem.RuleViolated(prepared.Violations));
            postings.Add((currency.Key, currency.Sum(c => c.Amount), rules.ControlBalance(prepared.Value, "payables") ?? 0m, prepared.Value));
        }

        var runBy = string.IsNullOrWhiteSpace(request.RunBy) ? client ?? "api" : request.RunBy;
        tx.Stage("INSERT INTO payables_payment_run (id, plant, due_by, payment_date, documents, run_by, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            runId, plant, dueBy.Format(), date.Format(), (long)chosen.Count, runBy, now.ToUnixMicroseconds());
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (currency, amount, apLocal, entry) in postings)
        {
            var id = ledger.Stage(tx, entry);
            entries[currency] = id.ToString();
            PayablesPostings.Publish(tx, outbox, id, entry, runId);
            tx.Stage("INSERT INTO payables_payment_posting (run_id, currency, plant, amount, ap_local, journal_entry) VALUES ($1, $2, $3, $4, $5, $6)",
                runId, currency, plant, InvoiceMatcher.Text(amount), InvoiceMatcher.Text(apLocal), id.ToString());
        }

        foreach (var c in chosen)
        {
            tx.Stage("INSERT INTO payables_payment (invoice_id, run_id, supplier, currency, amount, journal_entry) VALUES ($1, $2, $3, $4, $5, $6)",
                c.Id, runId, c.Supplier, c.Currency, InvoiceMatcher.Text(c.Amount), entries[c.Currency]);
        }

        var totals = Totals(chosen.Select(c => (c.Supplier, c.Currency, c.Amount)));
        var data = JsonSerializer.Serialize(new PaymentRunCompleted(runId, plant, dueBy, date, [.. chosen.Select(c => c.Id)], totals, [.. entries.Values]), EventJson.Default.PaymentRunCompleted);
        var objects = new List<ObjectLink> { new("plant", plant, "at"), new("payment-run", runId, "completed") };
        objects.AddRange(chosen.Select(c => new ObjectLink("supplier-invoice", c.Id, "paid")));
        objects.AddRange(chosen.Select(c => c.Supplier).Distinct(StringComparer.Ordinal).Select(s => new ObjectLink("supplier", s, "paid")));
        objects.AddRange(entries.Values.Select(e => new ObjectLink("journal-entry", e, "posted-as")));
        intelligence.Append(tx, new ProcessEventDraft(EventTypes.PaymentRunCompleted, Source, runId, plant, now, data, entries.Count, objects));
        outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.PaymentRunCompleted, Source, runId, plant, now, data));
        await tx.CommitAsync(ct);
        return (await RunViewAsync(store, runId, ct), null);
    }

    public async Task<PaymentRunView?> RunViewAsync(TaktStore store, string id, CancellationToken ct) =>
        await ReadAsync(store, "WHERE r.id = $1", [id], 1, ct) is [var run] ? run : null;

    public Task<IReadOnlyList<PaymentRunView>> RunsAsync(TaktStore store, string? plant, int limit, CancellationToken ct) =>
        plant is null ? ReadAsync(store, "", [], limit, ct) : ReadAsync(store, "WHERE r.plant = $1", [plant], limit, ct);

    private async Task<IReadOnlyList<PaymentRunView>> ReadAsync(TaktStore store, string where, object?[] args, int limit, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var runs = new List<(string Id, string Plant, DateOnly DueBy, DateOnly Date, string By, long At)>();
        await using (var r = await tx.Command($"SELECT r.id, r.plant, r.due_by, r.payment_date, r.run_by, r.created_at_us FROM payables_payment_run r {where} ORDER BY r.created_at_us DESC, r.id DESC LIMIT {limit.ToString(CultureInfo.InvariantCulture)}", args).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                runs.Add((r.GetString(0), r.GetString(1), DateOnly.ParseExact(r.GetString(2), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                    DateOnly.ParseExact(r.GetString(3), "yyyy-MM-dd", CultureInfo.InvariantCulture), r.GetString(4), r.GetInt64(5)));
            }
        }

        var result = new List<PaymentRunView>();
        foreach (var run in runs)
        {
            var documents = new List<PaymentRunDocument>();
            await using (var r = await tx.Command(
                "SELECT p.invoice_id, m.kind, i.number, p.supplier, p.currency, p.amount, m.due_date, p.journal_entry FROM payables_payment p JOIN payables_match m ON m.invoice_id = p.invoice_id JOIN payables_invoice i ON i.id = p.invoice_id WHERE p.run_id = $1 ORDER BY p.supplier, m.due_date, p.invoice_id",
                run.Id).ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    documents.Add(new PaymentRunDocument(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), InvoiceMatcher.Dec(r.GetString(5)),
                        DateOnly.ParseExact(r.GetString(6), "yyyy-MM-dd", CultureInfo.InvariantCulture), r.GetString(7)));
                }
            }

            var postings = new List<PaymentRunPosting>();
            await using (var r = await tx.Command("SELECT currency, amount, journal_entry FROM payables_payment_posting WHERE run_id = $1 ORDER BY currency", run.Id).ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                    postings.Add(new PaymentRunPosting(r.GetString(0), InvoiceMatcher.Dec(r.GetString(1)), r.GetString(2)));
            }

            result.Add(new PaymentRunView(run.Id, run.Plant, run.DueBy, run.Date, run.By, documents, Totals(documents.Select(d => (d.Supplier, d.Currency, d.Amount))), postings,
                Instants.FromUnixMicroseconds(run.At)));
        }

        return result;
    }

    public async Task<(decimal Balance, long OpenDocuments)> OpenItemsAsync(TaktStore store, IReadOnlyCollection<string> plants, CancellationToken ct)
    {
        if (plants.Count == 0)
            return (0m, 0);
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var (condition, value) = SqlList.In(tx, "m.plant", plants);
        var balance = 0m;
        long open = 0;
        await using (var r = await tx.Command(
            $"SELECT m.ap_local, CASE WHEN EXISTS (SELECT 1 FROM payables_payment p WHERE p.invoice_id = m.invoice_id) THEN 0 ELSE 1 END FROM payables_match m WHERE m.state = 'posted' AND {condition}", value).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                balance -= r.IsDBNull(0) ? 0m : InvoiceMatcher.Dec(r.GetString(0));
                open += Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        var (postingCondition, postingValue) = SqlList.In(tx, "plant", plants);
        await using (var r = await tx.Command($"SELECT ap_local FROM payables_payment_posting WHERE {postingCondition}", postingValue).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                balance += InvoiceMatcher.Dec(r.GetString(0));
        }

        return (balance, open);
    }

    private static List<PaymentRunTotal> Totals(IEnumerable<(string Supplier, string Currency, decimal Amount)> documents) =>
        [.. documents.GroupBy(d => (d.Supplier, d.Currency)).OrderBy(g => g.Key.Supplier, StringComparer.Ordinal).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => new PaymentRunTotal(g.Key.Supplier, g.Key.Currency, g.Sum(d => d.Amount), g.Count()))];
}
