using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

internal sealed class GeneralLedger : ILedger
{
    public async Task<PostingRules> LoadRulesAsync(StoreTransaction transaction, CancellationToken ct)
    {
        var periods = new HashSet<(string, int)>();
        await using (var reader = await transaction.Command("SELECT company, period FROM ledger_period WHERE status = 'open'").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                periods.Add((reader.GetString(0), checked((int)reader.GetInt64(1))));
        }

        var determination = new Dictionary<(string, string, string), (string, string)>();
        await using (var reader = await transaction.Command("SELECT plant, movement, item_class, debit_account, credit_account FROM ledger_account_determination").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                determination[(reader.GetString(0), reader.GetString(1), reader.GetString(2))] = (reader.GetString(3), reader.GetString(4));
        }

        var accounts = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await transaction.Command("SELECT number FROM ledger_account").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                accounts.Add(reader.GetString(0));
        }

        return new PostingRules(periods, determination, accounts);
    }

    public Outcome<PreparedEntry> Prepare(PostingRules rules, JournalEntryDraft draft)
    {
        var violations = new List<Violation>();
        if (!rules.IsOpen(draft.Company, draft.PostingDate))
        {
            violations.Add(new Violation(draft.Source.DateField, "period.closed",
                $"Posting period {draft.PostingDate:yyyy-MM} of company {draft.Company} is not open (posting date {draft.PostingDate:yyyy-MM-dd})."));
        }

        var lines = new List<JournalLineDraft>(draft.Pairs.Count * 2);
        foreach (var pair in draft.Pairs)
        {
            if (pair.Amount.Currency != draft.Currency)
            {
                violations.Add(new Violation(pair.Field, "posting.currency-mismatch", $"Amount is in {pair.Amount.Currency}; the entry is in {draft.Currency}."));
                continue;
            }

            if (pair.Amount.Amount == 0m)
                continue;
            if (pair.Amount.Amount < 0m || pair.Amount != pair.Amount.RoundToMinorUnits())
            {
                violations.Add(new Violation(pair.Field, "posting.amount-invalid", $"A posted amount must be positive and rounded to {draft.Currency.MinorUnits} decimals; got {pair.Amount}."));
                continue;
            }

            if (rules.Determine(draft.Plant, pair.Movement, pair.ItemClass) is not { } accounts)
            {
                violations.Add(new Violation(pair.Field, "posting.account-determination-missing",
                    $"No account determination for plant {draft.Plant}, movement {pair.Movement}, item class {pair.ItemClass}."));
                continue;
            }

            var zero = Money.Zero(draft.Currency);
            lines.Add(new JournalLineDraft(accounts.Debit, pair.Amount, zero, pair.Order, pair.Item, pair.WorkCenter));
            lines.Add(new JournalLineDraft(accounts.Credit, zero, pair.Amount, pair.Order, pair.Item, pair.WorkCenter));
        }

        foreach (var line in draft.Lines ?? [])
            lines.Add(line);

        var debit = Money.Zero(draft.Currency);
        var credit = Money.Zero(draft.Currency);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (!rules.AccountExists(line.Account))
                violations.Add(new Violation($"/lines/{i}/account", "posting.account-unknown", $"Account {line.Account} does not exist."));
            if (line.Debit.Currency != draft.Currency || line.Credit.Currency != draft.Currency)
            {
                violations.Add(new Violation($"/lines/{i}", "posting.currency-mismatch", $"Line currency differs from the entry's {draft.Currency}."));
                continue;
            }

            if (line.Debit.Amount < 0 || line.Credit.Amount < 0 || (line.Debit.Amount != 0) == (line.Credit.Amount != 0))
                violations.Add(new Violation($"/lines/{i}", "posting.line-one-sided", "A line has either a positive debit or a positive credit."));
            debit += line.Debit;
            credit += line.Credit;
        }

        if (violations.Count == 0 && lines.Count == 0)
            violations.Add(new Violation("", "posting.empty", "The journal entry has no lines with an amount."));
        if (violations.Count == 0 && debit != credit)
            violations.Add(new Violation("", "posting.unbalanced", $"Debits {debit} do not equal credits {credit}."));
        return violations.Count > 0 ? violations.ToArray() : new PreparedEntry(draft, lines);
    }

    public JournalEntryId Stage(StoreTransaction transaction, PreparedEntry entry)
    {
        var id = JournalEntryId.New(transaction.Clock);
        var draft = entry.Draft;
        transaction.Stage(
            "INSERT INTO ledger_journal_entry (id, company, plant, posting_date, currency, document_type, source_type, source_id, source_origin, event_time_us, commit_id, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            id.ToString(), draft.Company, draft.Plant, draft.PostingDate.ToDateKey(), draft.Currency.Code, draft.DocumentType,
            draft.Source.Type, draft.Source.Id, draft.Source.Origin, draft.Source.EventTime.ToUnixMicroseconds(), transaction.CommitId,
            transaction.Clock.GetUtcNow().ToUnixMicroseconds());
        for (var i = 0; i < entry.Lines.Count; i++)
        {
            var line = entry.Lines[i];
            transaction.Stage(
                "INSERT INTO ledger_journal_line (entry_id, line_no, account, debit_e4, credit_e4, order_number, item, work_center) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                id.ToString(), i + 1, line.Account, Fixed.ToE4(line.Debit.Amount), Fixed.ToE4(line.Credit.Amount), line.Order, line.Item, line.WorkCenter);
            transaction.AddTo(
                "INSERT INTO ledger_balance (company, account, period, order_number, debit_e4, credit_e4) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (company, account, period, order_number) DO UPDATE SET debit_e4 = ledger_balance.debit_e4 + excluded.debit_e4, credit_e4 = ledger_balance.credit_e4 + excluded.credit_e4",
                [draft.Company, line.Account, (draft.PostingDate.Year * 100) + draft.PostingDate.Month, line.Order ?? ""],
                Fixed.ToE4(line.Debit.Amount), Fixed.ToE4(line.Credit.Amount));
        }

        return id;
    }

    public async Task ConfigureAsync(StoreTransaction transaction, LedgerSetup setup, CancellationToken ct)
    {
        foreach (var (number, name, kind) in setup.Accounts)
        {
            transaction.Stage(
                "INSERT INTO ledger_account (number, name, kind) VALUES ($1, $2, $3) ON CONFLICT (number) DO UPDATE SET name = excluded.name, kind = excluded.kind",
                number, name, kind);
        }

        foreach (var (plant, movement, itemClass, debit, credit) in setup.Determinations)
        {
            transaction.Stage(
                "INSERT INTO ledger_account_determination (plant, movement, item_class, debit_account, credit_account) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (plant, movement, item_class) DO UPDATE SET debit_account = excluded.debit_account, credit_account = excluded.credit_account",
                plant, movement, itemClass, debit, credit);
        }

        foreach (var (company, period, open) in setup.Periods)
        {
            transaction.Stage(
                "INSERT INTO ledger_period (company, period, status) VALUES ($1, $2, $3) ON CONFLICT (company, period) DO UPDATE SET status = excluded.status",
                company, period, open ? "open" : "closed");
        }

        await transaction.FlushAsync(ct);
    }

    public async Task SetPeriodAsync(TaktStore store, string company, int period, bool open, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ledger_period (company, period, status) VALUES (@company, @period, @status) ON CONFLICT (company, period) DO UPDATE SET status = excluded.status",
            new { company, period, status = open ? "open" : "closed" }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<AccountBalance>> BalancesAsync(TaktStore store, string? order, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Account, string Name, string Kind, long Debit, long Credit)>(new CommandDefinition(
            """
            SELECT a.number, a.name, a.kind, CAST(COALESCE(SUM(b.debit_e4), 0) AS bigint), CAST(COALESCE(SUM(b.credit_e4), 0) AS bigint)
            FROM ledger_account a JOIN ledger_balance b ON b.account = a.number
            WHERE CAST(@order AS text) IS NULL OR b.order_number = @order
            GROUP BY a.number, a.name, a.kind ORDER BY a.number
            """,
            new { order }, cancellationToken: ct));
        return [.. rows.Select(r => new AccountBalance(r.Account, r.Name, r.Kind, Fixed.FromE4(r.Debit), Fixed.FromE4(r.Credit)))];
    }
}
