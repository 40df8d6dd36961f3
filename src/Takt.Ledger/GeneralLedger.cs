using System.Globalization;
using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

internal sealed class GeneralLedger : ILedger
{
    public async Task<PostingRules> LoadRulesAsync(StoreTransaction transaction, CancellationToken ct)
    {
        // The counters first: on PostgreSQL this takes their row locks, so a concurrent posting transaction waits
        // here, before it has read anything it could act on.
        await JournalCursor.ForAsync(transaction, ct);

        var periods = new Dictionary<(string, int), PeriodState>();
        await using (var reader = await transaction.Command("SELECT company, period, status, fiscal_year, soft_close_allows FROM ledger_period").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                periods[(reader.GetString(0), checked((int)reader.GetInt64(1)))] = new PeriodState(
                    reader.GetString(2), checked((int)reader.GetInt64(3)), Allows(reader.GetString(4)));
            }
        }

        var rules = new Dictionary<DeterminationKey, List<RuleVersion>>();
        await using (var reader = await transaction.Command(
            "SELECT company, plant, item_class, movement, valuation_class, cost_category, version, valid_from, valid_to, debit_account, credit_account FROM ledger_determination_rule ORDER BY version DESC").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = new DeterminationKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5));
                if (!rules.TryGetValue(key, out var versions))
                    rules[key] = versions = [];
                versions.Add(new RuleVersion(checked((int)reader.GetInt64(6)), checked((int)reader.GetInt64(7)),
                    reader.IsDBNull(8) ? null : checked((int)reader.GetInt64(8)), reader.GetString(9), reader.GetString(10)));
            }
        }

        var accounts = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await transaction.Command("SELECT number FROM ledger_account").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                accounts.Add(reader.GetString(0));
        }

        var currencies = new Dictionary<string, Currency>(StringComparer.Ordinal);
        await using (var reader = await transaction.Command("SELECT code, currency FROM ledger_company").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                currencies[reader.GetString(0)] = Currency.Of(reader.GetString(1));
        }

        var charts = new Dictionary<string, Dictionary<string, (string, string?)>>(StringComparer.Ordinal);
        await using (var reader = await transaction.Command("SELECT company, account, normal_balance, control_subledger FROM ledger_company_account").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var company = reader.GetString(0);
                if (!charts.TryGetValue(company, out var chart))
                    charts[company] = chart = new Dictionary<string, (string, string?)>(StringComparer.Ordinal);
                chart[reader.GetString(1)] = (reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
            }
        }

        var rates = new Dictionary<(string, string), List<(int, decimal)>>();
        await using (var reader = await transaction.Command("SELECT from_currency, to_currency, valid_from, rate FROM ledger_exchange_rate ORDER BY valid_from DESC").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetString(0), reader.GetString(1));
                if (!rates.TryGetValue(key, out var list))
                    rates[key] = list = [];
                list.Add((checked((int)reader.GetInt64(2)), decimal.Parse(reader.GetString(3), CultureInfo.InvariantCulture)));
            }
        }

        var companies = currencies.ToDictionary(
            c => c.Key,
            c => new CompanyBooks(c.Value, charts.TryGetValue(c.Key, out var chart) ? chart : new Dictionary<string, (string, string?)>(StringComparer.Ordinal)),
            StringComparer.Ordinal);
        return new PostingRules(periods, rules.ToDictionary(r => r.Key, r => r.Value.ToArray()), accounts, companies, rates.ToDictionary(r => r.Key, r => r.Value.ToArray()));
    }

    internal static HashSet<string> Allows(string text) =>
        new(text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);

    public Outcome<PreparedEntry> Prepare(PostingRules rules, JournalEntryDraft draft) => JournalRules.Prepare(rules, draft);

    public JournalEntryId Stage(StoreTransaction transaction, PreparedEntry entry)
    {
        var id = JournalEntryId.New(transaction.Clock);
        var draft = entry.Draft;
        var cursor = JournalCursor.For(transaction);
        var local = entry.Local ?? new LocalPosting(draft.Currency, 1m,
            [.. entry.Lines.Select(l => Fixed.ToE4(l.Debit.Amount))], [.. entry.Lines.Select(l => Fixed.ToE4(l.Credit.Amount))], draft.PostingDate.Year);
        var number = cursor.Next(transaction, draft.Company, JournalCursor.YearCounter(local.FiscalYear));
        var sequence = cursor.Next(transaction, draft.Company, "chain");
        var rate = PostingRules.FormatRate(local.Rate);
        var reverses = draft.Reverses?.ToString();
        var postingDate = draft.PostingDate.ToDateKey();
        var header = new EntryHash.Header(id.ToString(), draft.Company, draft.Plant, postingDate, draft.Currency.Code, draft.DocumentType, draft.Source.Type, draft.Source.Id,
            reverses, local.FiscalYear, number, sequence, local.CompanyCurrency.Code, rate, draft.Actor, draft.Reason);
        var lines = new EntryHash.Line[entry.Lines.Count];
        for (var i = 0; i < lines.Length; i++)
        {
            var line = entry.Lines[i];
            lines[i] = new EntryHash.Line(i + 1, line.Account, Fixed.ToE4(line.Debit.Amount), Fixed.ToE4(line.Credit.Amount), local.DebitE4[i], local.CreditE4[i], line.Order, line.Item, line.WorkCenter);
        }

        var hash = EntryHash.Compute(cursor.Head(draft.Company), header, lines);
        cursor.Advance(draft.Company, hash);
        transaction.Stage(
            "INSERT INTO ledger_journal_entry (id, company, plant, posting_date, currency, document_type, source_type, source_id, source_origin, event_time_us, commit_id, reverses, created_at_us, fiscal_year, number, chain_seq, hash, company_currency, rate, actor, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
            id.ToString(), draft.Company, draft.Plant, postingDate, draft.Currency.Code, draft.DocumentType,
            draft.Source.Type, draft.Source.Id, draft.Source.Origin, draft.Source.EventTime.ToUnixMicroseconds(), transaction.CommitId, reverses,
            transaction.Clock.GetUtcNow().ToUnixMicroseconds(), local.FiscalYear, number, sequence, hash, local.CompanyCurrency.Code, rate, draft.Actor, draft.Reason);
        var period = (draft.PostingDate.Year * 100) + draft.PostingDate.Month;
        foreach (var l in lines)
        {
            transaction.Stage(
                "INSERT INTO ledger_journal_line (entry_id, line_no, account, debit_e4, credit_e4, order_number, item, work_center, debit_local_e4, credit_local_e4) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                id.ToString(), l.LineNo, l.Account, l.Debit, l.Credit, l.Order, l.Item, l.WorkCenter, l.DebitLocal, l.CreditLocal);
            // Balances are kept in the company currency.
            transaction.AddTo(
                "INSERT INTO ledger_balance (company, account, period, order_number, debit_e4, credit_e4) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (company, account, period, order_number) DO UPDATE SET debit_e4 = ledger_balance.debit_e4 + excluded.debit_e4, credit_e4 = ledger_balance.credit_e4 + excluded.credit_e4",
                [draft.Company, l.Account, period, l.Order ?? ""],
                l.DebitLocal, l.CreditLocal);
        }

        return id;
    }

    public async Task ConfigureAsync(StoreTransaction transaction, LedgerSetup setup, CancellationToken ct)
    {
        var now = transaction.Clock.GetUtcNow().ToUnixMicroseconds();
        foreach (var (number, name, kind) in setup.Accounts)
        {
            transaction.Stage(
                "INSERT INTO ledger_account (number, name, kind) VALUES ($1, $2, $3) ON CONFLICT (number) DO UPDATE SET name = excluded.name, kind = excluded.kind",
                number, name, kind);
        }

        foreach (var (plant, movement, itemClass, debit, credit) in setup.Determinations)
        {
            // The first key form: a plant-level rule for any company, valid from the beginning (version 1).
            transaction.Stage(
                "INSERT INTO ledger_determination_rule (company, plant, item_class, movement, valuation_class, cost_category, version, valid_from, valid_to, debit_account, credit_account, actor, created_at_us) VALUES ('*', $1, $2, $3, '*', '*', 1, 0, NULL, $4, $5, 'setup', $6) ON CONFLICT (company, plant, item_class, movement, valuation_class, cost_category, version) DO UPDATE SET debit_account = excluded.debit_account, credit_account = excluded.credit_account",
                plant, itemClass, movement, debit, credit, now);
        }

        foreach (var (company, period, open) in setup.Periods)
        {
            transaction.Stage(
                "INSERT INTO ledger_period (company, period, status, fiscal_year) VALUES ($1, $2, $3, $4) ON CONFLICT (company, period) DO UPDATE SET status = excluded.status",
                company, period, open ? "open" : "closed", period / 100);
        }

        await transaction.FlushAsync(ct);

        // Accounts set up this way join the chart of every company the ledger knows, with the normal balance of their
        // kind and no control subledger, so a module adding an account can post to it.
        foreach (var (number, _, kind) in setup.Accounts)
        {
            await transaction.ExecuteAsync(
                "INSERT INTO ledger_company_account (company, account, normal_balance, control_subledger) SELECT code, $1, $2, NULL FROM ledger_company WHERE true ON CONFLICT (company, account) DO NOTHING",
                ct, number, new ChartAccount(number, "", kind).NormalBalance);
        }
    }

    public async Task SetUpCompanyAsync(StoreTransaction transaction, CompanySetup setup, CancellationToken ct)
    {
        transaction.Stage("INSERT INTO ledger_company (code, currency) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET currency = excluded.currency", setup.Company, setup.Currency.Code);
        foreach (var account in setup.Accounts)
        {
            transaction.Stage(
                "INSERT INTO ledger_account (number, name, kind) VALUES ($1, $2, $3) ON CONFLICT (number) DO UPDATE SET name = excluded.name, kind = excluded.kind",
                account.Number, account.Name, account.Kind);
            transaction.Stage(
                "INSERT INTO ledger_company_account (company, account, normal_balance, control_subledger) VALUES ($1, $2, $3, $4) ON CONFLICT (company, account) DO UPDATE SET normal_balance = excluded.normal_balance, control_subledger = excluded.control_subledger",
                setup.Company, account.Number, account.NormalBalance, account.ControlSubledger);
        }

        for (var year = setup.FirstFiscalYear; year <= setup.LastFiscalYear; year++)
        {
            for (var month = 1; month <= 12; month++)
            {
                var period = (year * 100) + month;
                transaction.Stage(
                    "INSERT INTO ledger_period (company, period, status, fiscal_year) VALUES ($1, $2, $3, $4) ON CONFLICT (company, period) DO NOTHING",
                    setup.Company, period, period >= setup.OpenFrom ? "open" : "closed", year);
            }

            // Counter rows exist before the first posting, so concurrent first postings lock one row.
            transaction.Stage("INSERT INTO ledger_counter (company, name, value) VALUES ($1, $2, 0) ON CONFLICT (company, name) DO NOTHING", setup.Company, JournalCursor.YearCounter(year));
        }

        transaction.Stage("INSERT INTO ledger_counter (company, name, value) VALUES ($1, 'chain', 0) ON CONFLICT (company, name) DO NOTHING", setup.Company);
        await transaction.FlushAsync(ct);
    }

    public Task<Outcome<DeterminedAccounts>> AddDeterminationRuleAsync(StoreTransaction transaction, DeterminationRuleDraft draft, string actor, CancellationToken ct) =>
        DeterminationRules.AddAsync(transaction, draft, actor, ct);

    public async Task SetExchangeRateAsync(StoreTransaction transaction, Currency from, Currency to, DateOnly validFrom, decimal rate, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        await transaction.ExecuteAsync(
            "INSERT INTO ledger_exchange_rate (from_currency, to_currency, valid_from, rate) VALUES ($1, $2, $3, $4) ON CONFLICT (from_currency, to_currency, valid_from) DO UPDATE SET rate = excluded.rate",
            ct, from.Code, to.Code, validFrom.ToDateKey(), PostingRules.FormatRate(rate));
    }

    public async Task SetPeriodAsync(TaktStore store, string company, int period, bool open, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ledger_period (company, period, status, fiscal_year) VALUES (@company, @period, @status, @year) ON CONFLICT (company, period) DO UPDATE SET status = excluded.status",
            new { company, period, status = open ? "open" : "closed", year = period / 100 }, cancellationToken: ct));
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

    public Task<TrialBalance> TrialBalanceAsync(TaktStore store, string company, int period, CancellationToken ct) =>
        Reports.TrialBalanceAsync(store, company, period, ct);

    public Task<IReadOnlyList<AccountEntry>> AccountEntriesAsync(TaktStore store, string company, string account, int period, int limit, CancellationToken ct) =>
        Reports.AccountEntriesAsync(store, company, account, period, limit, ct);
}
