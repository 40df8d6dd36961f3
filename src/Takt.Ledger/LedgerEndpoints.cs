using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Contracts;
using Takt.Store;

namespace Takt.Ledger;

/// <summary>The ledger's REST endpoints: chart, periods, determination, journal.</summary>
internal static class LedgerEndpoints
{
    public sealed record SimulateRequest(string? Company, string? Plant, string? ItemClass, string? Movement, string? ValuationClass, string? CostCategory, DateOnly? PostingDate);

    public sealed record SimulateAnswer(DeterminationKey LookedFor, DateOnly PostingDate, DeterminedAccounts? Determined, string? Problem);

    public sealed record RuleRequest(string? Company, string? Plant, string? ItemClass, string? Movement, string? ValuationClass, string? CostCategory, DateOnly? ValidFrom, DateOnly? ValidTo, string? Debit, string? Credit);

    public sealed record AccrualRequest(string? Company, string? Plant, DateOnly? PostingDate, string? Category, decimal? Amount, string? Currency, string? Description, string? Order, string? Source);

    public sealed record ApproveRequest(string? Approver);

    public sealed record ChartAccountView(string Account, string Name, string Kind, string NormalBalance, string? ControlSubledger);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/ledger/accounts", async (TaktStore store, string? company, CancellationToken ct) =>
                Json(await Chart.ListAsync(store, company ?? "", ct)))
            .WithName("ListChartOfAccounts")
            .WithSummary("A company's chart of accounts: type, normal balance, and the subledger owning each control account.");
        api.MapGet("/ledger/periods", async (TaktStore store, string? company, CancellationToken ct) =>
            {
                await using var connection = await store.OpenConnectionAsync(ct);
                return Json(await Periods.ListAsync(connection, null, company ?? "", null, ct));
            })
            .WithName("ListPeriods")
            .WithSummary("A company's periods: fiscal year, state (open, soft-closed with what it admits, closed) and every change with who, when, why.");
        api.MapPost("/ledger/periods/{company}/{period:int}/state", async (TaktStore store, TimeProvider clock, string company, int period, Periods.Change body, HttpContext http, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var changed = await Periods.ChangeAsync(tx, company, period, body, Actor(http), ct);
                if (changed.IsRejected)
                    return Answer(changed);
                await tx.CommitAsync(ct);
                return changed.Value.Requested is null ? Json(changed.Value.Period) : Json(changed.Value.Period, StatusCodes.Status202Accepted);
            })
            .WithName("ChangePeriodState")
            .WithSummary("Open, soft-close (naming the posting types or roles it still admits) or close a period; reopening needs a reason. Reopening a closed period records a request (202) a second person approves. Recorded with who, when, why.");
        api.MapPost("/ledger/periods/{company}/{period:int}/reopen-requests/{id}/approve", async (TaktStore store, TimeProvider clock, string company, int period, string id, Periods.Decision? body, HttpContext http, CancellationToken ct) =>
                await DecideAsync(store, clock, company, period, id, true, body, Actor(http), ct))
            .WithName("ApprovePeriodReopen")
            .WithSummary("Approve a request to reopen a closed period (not by its requester): the period changes to the requested state, recorded with requester, approver and reason.");
        api.MapPost("/ledger/periods/{company}/{period:int}/reopen-requests/{id}/reject", async (TaktStore store, TimeProvider clock, string company, int period, string id, Periods.Decision? body, HttpContext http, CancellationToken ct) =>
                await DecideAsync(store, clock, company, period, id, false, body, Actor(http), ct))
            .WithName("RejectPeriodReopen")
            .WithSummary("Reject a request to reopen a closed period (not by its requester), with a reason; the period stays closed.");
        api.MapPost("/ledger/accounts", async (TaktStore store, TimeProvider clock, ChartSetup.AccountRequest body, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var (saved, created) = await ChartSetup.SaveAccountAsync(tx, body, ct);
                if (!saved.IsRejected)
                    await tx.CommitAsync(ct);
                return Answer(saved, created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            })
            .WithName("SaveChartAccount")
            .WithSummary("Add an account to a company's chart (kind, normal balance from it, the subledger that alone posts to a control account) or rename it; kind and control subledger stay once it has postings.");
        api.MapGet("/ledger/exchange-rates", async (TaktStore store, string? from, string? to, CancellationToken ct) =>
            {
                await using var connection = await store.OpenConnectionAsync(ct);
                return Json(await ChartSetup.ListRatesAsync(connection, null, from, to, ct));
            })
            .WithName("ListExchangeRates")
            .WithSummary("Exchange rates as data: units of 'to' per unit of 'from', each valid from a date until the next.");
        api.MapPost("/ledger/exchange-rates", async (TaktStore store, TimeProvider clock, ChartSetup.RateRequest body, HttpContext http, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var (saved, created) = await ChartSetup.SaveRateAsync(tx, body, Actor(http), ct);
                if (!saved.IsRejected)
                    await tx.CommitAsync(ct);
                return Answer(saved, created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            })
            .WithName("AddExchangeRate")
            .WithSummary("Record an exchange rate valid from a date (who and when are kept); a recorded rate is never changed: record one from another day.");

        api.MapGet("/ledger/determination/rules", async (TaktStore store, TimeProvider clock, string? movement, CancellationToken ct) =>
            {
                await using var session = await store.OpenSessionAsync(clock, ct);
                return Json(await DeterminationRules.ListAsync(session, movement, ct));
            })
            .WithName("ListDeterminationRules")
            .WithSummary("Account determination rules with their versions and validity.");
        api.MapPost("/ledger/determination/rules", async (ILedger ledger, TaktStore store, TimeProvider clock, RuleRequest body, HttpContext http, CancellationToken ct) =>
            {
                if (body.ValidFrom is null)
                    return Answer(Outcome<DeterminedAccounts>.FromViolations([new Violation("/validFrom", "determination.validity-required", "validFrom is required (yyyy-MM-dd).")]));
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var added = await ledger.AddDeterminationRuleAsync(tx, new DeterminationRuleDraft(
                    new DeterminationKey(body.Company ?? "*", body.Plant ?? "*", body.ItemClass ?? "*", body.Movement ?? "", body.ValuationClass ?? "*", body.CostCategory ?? "*"),
                    body.ValidFrom.Value, body.ValidTo, body.Debit ?? "", body.Credit ?? ""), Actor(http), ct);
                if (!added.IsRejected)
                    await tx.CommitAsync(ct);
                return Answer(added, StatusCodes.Status201Created);
            })
            .WithName("AddDeterminationRule")
            .WithSummary("Add the next version of an account determination rule, valid from a date (the previous version ends there).");
        api.MapPost("/ledger/determination/simulate", async (ILedger ledger, TaktStore store, TimeProvider clock, SimulateRequest body, CancellationToken ct) =>
            {
                var violations = new List<Violation>();
                if (string.IsNullOrWhiteSpace(body.Company))
                    violations.Add(new Violation("/company", "determination.key-required", "company is required."));
                if (string.IsNullOrWhiteSpace(body.Movement))
                    violations.Add(new Violation("/movement", "determination.movement-required", "movement is required."));
                if (violations.Count > 0)
                    return Answer(Outcome<SimulateAnswer>.FromViolations(violations));
                var key = new DeterminationKey(body.Company!, body.Plant ?? "*", body.ItemClass ?? "*", body.Movement!, body.ValuationClass ?? "*", body.CostCategory ?? "*");
                var date = body.PostingDate ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var rules = await ledger.LoadRulesAsync(tx, ct);
                var found = rules.Determine(key, date);
                return Json(new SimulateAnswer(key, date, found, found is null
                    ? $"posting.account-determination-missing: no rule for {key} valid on {date:yyyy-MM-dd}, nor one with '*' in any of its keys but movement."
                    : null));
            })
            .WithName("SimulateDetermination")
            .WithSummary("Which accounts would an event with this key post to on this date? Names the rule (key, version, validity) or the rule looked for; stores nothing.");

        api.MapPost("/ledger/journal-entries", async (ILedger ledger, TaktStore store, Outbox outbox, TimeProvider clock, Journal.ManualRequest body, HttpContext http, CancellationToken ct) =>
                Answer(await Journal.PostManualAsync(store, ledger, outbox, clock, body, Actor(http), ct), StatusCodes.Status201Created))
            .WithName("PostJournalEntry")
            .WithSummary("A manual journal entry: balanced, with a reason; never to a control account; numbered gap-free per company and fiscal year.");
        api.MapGet("/ledger/journal-entries/{id}", async (TaktStore store, string id, CancellationToken ct) =>
                await Journal.EntryAsync(store, id, ct) is { } entry ? Json(entry)
                    : Problem(404, "urn:takt:problem:not-found", "The resource does not exist.", [new Violation("/id", "journal-entry.unknown", $"No journal entry '{id}'.")]))
            .WithName("GetJournalEntry")
            .WithSummary("A journal entry: number, lines in transaction and company currency, rate, source event, reversals, audit hash.");
        api.MapPost("/ledger/journal-entries/{id}/reversal", async (ILedger ledger, TaktStore store, Outbox outbox, TimeProvider clock, string id, Journal.ReversalRequest body, HttpContext http, CancellationToken ct) =>
                Answer(await Journal.ReverseAsync(store, ledger, outbox, clock, id, body, Actor(http), ct), StatusCodes.Status201Created))
            .WithName("ReverseJournalEntry")
            .WithSummary("Reverse an entry fully or partly (amount, pro rata over its lines) with a reason; entries are never changed.");

        api.MapGet("/ledger/trial-balance", async (ILedger ledger, TaktStore store, string? company, string? period, CancellationToken ct) =>
            {
                var errors = CompanyPeriod(company, period, out var p);
                return errors.Count > 0 ? Malformed(errors) : Json(await ledger.TrialBalanceAsync(store, company!, p, ct));
            })
            .WithName("TrialBalance")
            .WithSummary("Trial balance of a company for a period (yyyymm): opening, debits, credits, closing per account in the company currency.");
        api.MapGet("/ledger/accounts/{account}/entries", async (ILedger ledger, TaktStore store, string account, string? company, string? period, int? limit, CancellationToken ct) =>
            {
                var errors = CompanyPeriod(company, period, out var p);
                if (limit is < 1 or > 1000)
                    errors.Add(new Violation("/query/limit", "query.limit-invalid", "limit is from 1 to 1000."));
                return errors.Count > 0 ? Malformed(errors) : Json(await ledger.AccountEntriesAsync(store, company!, account, p, limit ?? 100, ct));
            })
            .WithName("AccountEntries")
            .WithSummary("Drill-down from a balance: a period's entries on an account, each with its source event, objects and process history.");

        api.MapPost("/ledger/accruals", async (IAccruals accruals, TaktStore store, TimeProvider clock, AccrualRequest body, HttpContext http, CancellationToken ct) =>
            {
                var errors = new List<Violation>();
                if (!Currency.TryParse(body.Currency, out var currency))
                    errors.Add(new Violation("/currency", "money.currency-unknown", $"'{body.Currency}' is not a known ISO 4217 currency."));
                if (body.PostingDate is null)
                    errors.Add(new Violation("/postingDate", "accrual.posting-date-required", "postingDate is required (yyyy-MM-dd), usually the period's last day."));
                if (errors.Count > 0)
                    return Answer(Outcome<AccrualView>.FromViolations(errors));
                await using var session = await store.OpenSessionAsync(clock, ct);
                await using var tx = await session.BeginAsync(ct);
                var proposed = await accruals.ProposeAsync(tx, new AccrualProposal(body.Company ?? "", body.Plant ?? "", body.PostingDate!.Value, body.Category ?? "",
                    new Money(body.Amount ?? 0m, currency), body.Description ?? "", Actor(http), body.Order, body.Source), ct);
                if (!proposed.IsRejected)
                    await tx.CommitAsync(ct);
                return Answer(proposed, StatusCodes.Status201Created);
            })
            .WithName("ProposeAccrual")
            .WithSummary("Propose an accrual (expense / accrued liabilities), e.g. premium freight after an expedite or services received not invoiced.");
        api.MapGet("/ledger/accruals", async (IAccruals accruals, TaktStore store, string? company, int? period, CancellationToken ct) =>
                Json(await accruals.ListAsync(store, company ?? "", period, ct)))
            .WithName("ListAccruals")
            .WithSummary("A company's accruals, optionally of one period, with their state.");
        api.MapPost("/ledger/accruals/{id}/approve", async (IAccruals accruals, TaktStore store, string id, ApproveRequest? body, HttpContext http, CancellationToken ct) =>
                Answer(await accruals.ApproveAsync(store, id, string.IsNullOrWhiteSpace(body?.Approver) ? Actor(http) : body.Approver, ct)))
            .WithName("ApproveAccrual")
            .WithSummary("Approve a proposed accrual (not by its proposer).");
        api.MapPost("/ledger/accruals/{id}/post", async (IAccruals accruals, TaktStore store, string id, HttpContext http, CancellationToken ct) =>
                Answer(await accruals.PostAsync(store, id, Actor(http), ct)))
            .WithName("PostAccrual")
            .WithSummary("Post an approved accrual; it is reversed automatically on the first day of the next period.");
        api.MapPost("/close/{company}/run-reversals", async (IAccruals accruals, TaktStore store, string company, CancellationToken ct) =>
                Json((await accruals.RunDueReversalsAsync(store, ct)).Where(a => a.Company == company).ToList()))
            .WithName("RunAccrualReversals")
            .WithSummary("Reverse every posted accrual whose first day of the next period has come (what the close runs each day).");
        api.MapGet("/close/{company}/{period}", async (ILedgerClose close, TaktStore store, string company, string period, CancellationToken ct) =>
            {
                var errors = CompanyPeriod(company, period, out var p);
                return errors.Count > 0 ? Malformed(errors) : Json(await close.StatusAsync(store, company, p, ct));
            })
            .WithName("CloseStatus")
            .WithSummary("The close checklist of a company and period, computed from data; KPI close readiness = passed ÷ applicable checks, failing items listed.");
        api.MapPost("/close/{company}/{period}/explanations", async (ILedgerClose close, TaktStore store, string company, string period, ExplanationRequest body, HttpContext http, CancellationToken ct) =>
            {
                var errors = CompanyPeriod(company, period, out var p);
                return errors.Count > 0 ? Malformed([.. errors.Select(e => e with { Field = e.Field.Replace("/query/", "/path/", StringComparison.Ordinal) })])
                    : Answer(await close.ExplainAsync(store, company, p, body, Actor(http), ct), StatusCodes.Status201Created);
            })
            .WithName("ExplainGrIrItem")
            .WithSummary("Explain why an aged GR/IR open item (purchase order/line) is still open at the period's close; recorded with who, when, why. The close check counts it as explained for that period.");
        api.MapGet("/ledger/cost-variances", async (ILedgerClose close, TaktStore store, string? company, decimal? tolerance, CancellationToken ct) =>
                Json(await close.CostVarianceWarningsAsync(store, company ?? "", tolerance ?? 0.05m, ct)))
            .WithName("CostVarianceWarnings")
            .WithSummary("Expected cost variance: open orders whose actual cost trends off standard beyond the tolerance (default 0.05).");
        api.MapGet("/ledger/audit/{company}", async (ILedgerClose close, TaktStore store, string company, CancellationToken ct) =>
                Json(await close.VerifyAuditChainAsync(store, company, ct)))
            .WithName("VerifyAuditChain")
            .WithSummary("Recompute the company's hash chain over its journal entries; lists every changed, missing or re-ordered entry and numbering gap.");
    }

    private static async Task<IResult> DecideAsync(TaktStore store, TimeProvider clock, string company, int period, string id, bool approve, Periods.Decision? body, string actor, CancellationToken ct)
    {
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var decided = await Periods.DecideAsync(tx, company, period, id, approve, body ?? new Periods.Decision(null), actor, ct);
        if (decided.IsRejected)
            return Answer(decided);
        await tx.CommitAsync(ct);
        return Json(decided.Value.Period);
    }

    /// <summary>company and period (yyyymm) from the query, or the violations naming them.</summary>
    internal static List<Violation> CompanyPeriod(string? company, string? period, out int value)
    {
        var errors = new List<Violation>();
        value = 0;
        if (string.IsNullOrWhiteSpace(company))
            errors.Add(new Violation("/query/company", "query.company-required", "company is required."));
        if (!int.TryParse(period, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value) || value % 100 is < 1 or > 12 || value < 190001 || value > 999912)
            errors.Add(new Violation("/query/period", "query.period-invalid", $"period is yyyymm (e.g. 202611); '{period}' is not."));
        return errors;
    }

    internal static IResult Malformed(IReadOnlyList<Violation> errors) => Problem(400, "urn:takt:problem:malformed", "The request is malformed.", errors);

    internal static string Actor(HttpContext http) => http.User.FindFirst("client_id")?.Value ?? http.User.Identity?.Name ?? "unknown";

    private sealed record ProblemBody(string Type, string Title, int Status, string? Detail, IReadOnlyList<Violation> Errors);

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    internal static IResult Json<T>(T value, int status = StatusCodes.Status200OK) => Results.Json(value, JsonOptions, statusCode: status);

    internal static IResult Problem(int status, string type, string title, IReadOnlyList<Violation> errors) =>
        Results.Json(new ProblemBody(type, title, status, errors.Count == 1 ? errors[0].Detail : null, errors), JsonOptions, "application/problem+json", status);

    /// <summary>A value, or the problem: 404 when only unknowns are named, 400 for a malformed request, 422 for a broken rule.</summary>
    internal static IResult Answer<T>(Outcome<T> outcome, int status = StatusCodes.Status200OK)
    {
        if (!outcome.IsRejected)
            return Json(outcome.Value, status);
        var v = outcome.Violations;
        return v.All(x => x.Rule.EndsWith(".unknown", StringComparison.Ordinal) && x.Field is "/id" or "/period")
            ? Problem(404, "urn:takt:problem:not-found", "The resource does not exist.", v)
            : v.Any(x => x.Rule.StartsWith("sod.", StringComparison.Ordinal))
                ? Problem(403, "urn:takt:problem:forbidden", "The person may not do this.", v)
                : Problem(422, "urn:takt:problem:rule-violated", "A business rule is broken.", v);
    }
}
