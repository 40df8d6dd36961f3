using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>
/// Setting up the books through the API: an account in a company's chart (kind, normal balance, the subledger that
/// alone posts to a control account) and exchange rates as data. Bad input changes nothing; what would change the
/// meaning of posted amounts (an account's kind or control subledger once it has postings, a recorded rate) is refused.
/// </summary>
internal static class ChartSetup
{
    public static readonly string[] Kinds = ["asset", "liability", "equity", "expense", "revenue"];

    public static readonly string[] ControlSubledgers = ["inventory", "production", "procurement", "payables"];

    public sealed record AccountRequest(string? Company, string? Number, string? Name, string? Kind, string? ControlSubledger);

    public sealed record RateRequest(string? From, string? To, DateOnly? ValidFrom, decimal? Rate);

    public sealed record RateView(string From, string To, DateOnly ValidFrom, decimal Rate, string? Actor, DateTimeOffset? At);

    /// <summary>Adds an account to a company's chart or renames it; 201 when new.</summary>
    public static async Task<(Outcome<LedgerEndpoints.ChartAccountView> Outcome, bool Created)> SaveAccountAsync(StoreTransaction tx, AccountRequest request, CancellationToken ct)
    {
        var errors = new List<Violation>();
        var company = request.Company?.Trim() ?? "";
        var number = request.Number?.Trim() ?? "";
        var name = request.Name?.Trim() ?? "";
        if (company.Length == 0)
            errors.Add(new Violation("/company", "account.company-required", "company is required."));
        if (number.Length is < 4 or > 10 || !number.All(char.IsAsciiDigit))
            errors.Add(new Violation("/number", "account.number-invalid", $"number is 4 to 10 digits; '{request.Number}' is not."));
        if (name.Length is 0 or > 200)
            errors.Add(new Violation("/name", "account.name-required", "name is required (at most 200 characters)."));
        if (!Kinds.Contains(request.Kind ?? "", StringComparer.Ordinal))
            errors.Add(new Violation("/kind", "account.kind-unknown", $"kind is one of {string.Join(", ", Kinds)}; '{request.Kind}' is not."));
        if (request.ControlSubledger is { } control && !ControlSubledgers.Contains(control, StringComparer.Ordinal))
            errors.Add(new Violation("/controlSubledger", "account.subledger-unknown", $"controlSubledger is one of {string.Join(", ", ControlSubledgers)} or absent; '{control}' is not."));
        if (errors.Count > 0)
            return (Outcome<LedgerEndpoints.ChartAccountView>.FromViolations(errors), false);

        var connection = tx.Connection;
        if (await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT code FROM ledger_company WHERE code = @company", new { company }, tx.Transaction, cancellationToken: ct)) is null)
            return (new Violation("/company", "account.company-unknown", $"No company '{company}' has books in the ledger."), false);
        var global = await connection.QuerySingleOrDefaultAsync<(string Name, string Kind)?>(new CommandDefinition(
            "SELECT name, kind FROM ledger_account WHERE number = @number", new { number }, tx.Transaction, cancellationToken: ct));
        var existing = await connection.QuerySingleOrDefaultAsync<(string NormalBalance, string? Control)?>(new CommandDefinition(
            "SELECT normal_balance, control_subledger FROM ledger_company_account WHERE company = @company AND account = @number", new { company, number }, tx.Transaction, cancellationToken: ct));
        var posted = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM ledger_balance WHERE account = @number", new { number }, tx.Transaction, cancellationToken: ct)) > 0;
        if (global is { } g && g.Kind != request.Kind && posted)
            return (new Violation("/kind", "account.in-use", $"Account {number} is {g.Kind} and has postings; its kind cannot change (open a new account)."), false);
        if (existing is { } e && e.Control != request.ControlSubledger && posted)
            return (new Violation("/controlSubledger", "account.in-use", $"Account {number} has postings; which subledger controls it ({e.Control ?? "none"}) cannot change."), false);

        var account = new ChartAccount(number, name, request.Kind!, request.ControlSubledger);
        tx.Stage("INSERT INTO ledger_account (number, name, kind) VALUES ($1, $2, $3) ON CONFLICT (number) DO UPDATE SET name = excluded.name, kind = excluded.kind", number, name, account.Kind);
        tx.Stage(
            "INSERT INTO ledger_company_account (company, account, normal_balance, control_subledger) VALUES ($1, $2, $3, $4) ON CONFLICT (company, account) DO UPDATE SET normal_balance = excluded.normal_balance, control_subledger = excluded.control_subledger",
            company, number, account.NormalBalance, account.ControlSubledger);
        await tx.FlushAsync(ct);
        return (new LedgerEndpoints.ChartAccountView(number, name, account.Kind, account.NormalBalance, account.ControlSubledger), existing is null);
    }

    /// <summary>Records an exchange rate valid from a date; the same rate again is a repeat, another rate for a recorded day is refused.</summary>
    public static async Task<(Outcome<RateView> Outcome, bool Created)> SaveRateAsync(StoreTransaction tx, RateRequest request, string actor, CancellationToken ct)
    {
        var errors = new List<Violation>();
        if (!Currency.TryParse(request.From, out var from))
            errors.Add(new Violation("/from", "money.currency-unknown", $"'{request.From}' is not a known ISO 4217 currency."));
        if (!Currency.TryParse(request.To, out var to))
            errors.Add(new Violation("/to", "money.currency-unknown", $"'{request.To}' is not a known ISO 4217 currency."));
        else if (errors.Count == 0 && from == to)
            errors.Add(new Violation("/to", "rate.same-currency", "from and to are different currencies."));
        if (request.ValidFrom is null)
            errors.Add(new Violation("/validFrom", "rate.valid-from-required", "validFrom is required (yyyy-MM-dd)."));
        if (request.Rate is not { } rate || rate <= 0 || rate > 1_000_000m || decimal.Round(rate, 10) != rate)
            errors.Add(new Violation("/rate", "rate.invalid", $"rate is units of 'to' per unit of 'from': more than 0, at most 1000000, at most 10 decimals; '{request.Rate}' is not."));
        if (errors.Count > 0)
            return (Outcome<RateView>.FromViolations(errors), false);

        var validFrom = request.ValidFrom!.Value;
        var text = PostingRules.FormatRate(request.Rate!.Value);
        var recorded = await tx.Connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT rate FROM ledger_exchange_rate WHERE from_currency = @from AND to_currency = @to AND valid_from = @day",
            new { from = from.Code, to = to.Code, day = (long)validFrom.ToDateKey() }, tx.Transaction, cancellationToken: ct));
        if (recorded is not null && recorded != text)
            return (new Violation("/rate", "rate.recorded", $"{from.Code}→{to.Code} from {validFrom:yyyy-MM-dd} is recorded as {recorded}; postings may have used it. Record a rate from another day."), false);
        var now = tx.Clock.GetUtcNow();
        if (recorded is null)
        {
            await tx.ExecuteAsync("INSERT INTO ledger_exchange_rate (from_currency, to_currency, valid_from, rate, actor, at_us) VALUES ($1, $2, $3, $4, $5, $6)",
                ct, from.Code, to.Code, validFrom.ToDateKey(), text, actor, now.ToUnixMicroseconds());
        }

        return ((await ListRatesAsync(tx.Connection, tx.Transaction, from.Code, to.Code, ct)).Single(r => r.ValidFrom == validFrom), recorded is null);
    }

    public static async Task<IReadOnlyList<RateView>> ListRatesAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string? from, string? to, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<(string From, string To, long ValidFrom, string Rate, string? Actor, long? At)>(new CommandDefinition(
            "SELECT from_currency, to_currency, valid_from, rate, actor, at_us FROM ledger_exchange_rate WHERE (@from = '' OR from_currency = @from) AND (@to = '' OR to_currency = @to) ORDER BY from_currency, to_currency, valid_from",
            new { from = from ?? "", to = to ?? "" }, transaction, cancellationToken: ct));
        return [.. rows.Select(r => new RateView(r.From, r.To, Instants.FromDateKey(checked((int)r.ValidFrom)), decimal.Parse(r.Rate, System.Globalization.CultureInfo.InvariantCulture), r.Actor,
            r.At is { } at ? Instants.FromUnixMicroseconds(at) : null))];
    }
}
