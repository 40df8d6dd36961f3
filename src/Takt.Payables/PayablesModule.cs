using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts;
using Takt.Integration.Access;
using Takt.Integration.Gateway;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Takt.Payables.Invoices;
using Takt.Payables.Matching;
using Takt.Store;

namespace Takt.Payables;

/// <summary>Accounts payable: supplier invoice and credit note intake (UBL 2.1 / Peppol BIS Billing 3.0 and a JSON form).</summary>
public static class PayablesModule
{
    public static SchemaModule Schema { get; } = new("payables", typeof(PayablesModule).Assembly);

    private static readonly string[] XmlTypes = ["application/xml", "text/xml"];

    public static IServiceCollection AddPayables(this IServiceCollection services, PayablesOptions? options = null) =>
        services
            .AddSingleton(options ?? new PayablesOptions())
            .AddSingleton<Matching.InvoiceMatcher>()
            .AddSingleton<IInvoiceMatching, InvoiceMatching>()
            .AddSingleton<IOutboxSubscriber, GoodsReceiptRematch>()
            .AddSingleton<ExceptionDecisions>()
            .AddSingleton<IOutboxSubscriber, ExceptionFlowOutcomes>()
            .AddSingleton<Payments.IPaymentRuns, Payments.PaymentRuns>()
            .AddSingleton<IPayables, InvoiceIntake>()
            .TryAddInvoiceExceptionAdvisor();

    /// <summary>The default advisor (none) unless an AI service registered one before.</summary>
    private static IServiceCollection TryAddInvoiceExceptionAdvisor(this IServiceCollection services)
    {
        services.TryAddSingleton<IInvoiceExceptionAdvisor, NoAdvisor>();
        return services;
    }

    public static RouteGroupBuilder MapPayables(this RouteGroupBuilder api)
    {
        api.MapPost("/payables/invoices", ReceiveAsync)
            .WithName("ReceiveSupplierInvoice")
            .WithSummary("Receive a supplier invoice or credit note for a plant: UBL 2.1 / Peppol BIS Billing 3.0 XML (application/xml) or its JSON form (application/json). " +
                "It is read without DTDs or external entities, checked against the EN 16931 rules (each broken rule reported with its XPath or JSON Pointer) and stored with its duplicate flag; " +
                "the same document again is a replay (docs/payables.md).")
            .Accepts<SupplierInvoice>("application/json", "application/xml", "text/xml")
            .Produces<InvoiceReceipt>(201)
            .Produces<InvoiceReceipt>(200)
            .ProducesProblem(400)
            .ProducesProblem(403)
            .ProducesProblem(413)
            .ProducesProblem(415)
            .ProducesProblem(422);
        api.MapGet("/payables/invoices", async (IPayables payables, TaktStore store, string? plant, string? status, int? limit, CancellationToken ct) =>
                status is not (null or "received" or "blocked")
                    ? Answer(Problem.Malformed([new Violation("/query/status", "payables.status-unknown", "status is received or blocked.")]))
                    : Results.Ok(await payables.InvoicesAsync(store, plant, status, Math.Clamp(limit ?? 100, 1, 1000), ct)))
            .WithName("ListSupplierInvoices")
            .WithSummary("Received supplier invoices and credit notes, newest first, with their totals, status and duplicate flag.")
            .Produces<IReadOnlyList<InvoiceReceipt>>(200)
            .ProducesProblem(400);
        api.MapGet("/payables/invoices/{id}", async (IPayables payables, TaktStore store, string id, CancellationToken ct) =>
                await payables.InvoiceAsync(store, id, ct) is { } invoice
                    ? Results.Ok(invoice)
                    : Answer(Problem.NotFound(new Violation("/id", "invoice.unknown", $"Supplier invoice '{id}' does not exist."))))
            .WithName("GetSupplierInvoice")
            .WithSummary("One received supplier invoice with its whole document (JSON form).")
            .Produces<InvoiceDetail>(200)
            .ProducesProblem(404);
        api.MapPost("/payables/invoices/{id}/match", async (IInvoiceMatching matching, TaktStore store, string id, MatchRequest? body, CancellationToken ct) =>
                await matching.MatchAsync(store, id, body ?? new MatchRequest(), ct) is { Problem: { } problem } ? Answer(problem) : Results.Ok((await matching.MatchViewAsync(store, id, ct))!))
            .WithName("MatchSupplierInvoice")
            .WithSummary("Match a received invoice again (after its data, the order or the tolerances changed): it is posted (GR/IR → AP with invoice price variance and input tax) or stays an exception with what was found now. " +
                "A posted invoice answers 409; a posting the ledger refuses (a closed period) answers 422 and changes nothing.")
            .Produces<InvoiceMatchView>(200)
            .ProducesProblem(404)
            .ProducesProblem(409)
            .ProducesProblem(422);
        api.MapGet("/payables/invoices/{id}/match", async (IInvoiceMatching matching, TaktStore store, string id, CancellationToken ct) =>
                await matching.MatchViewAsync(store, id, ct) is { } match
                    ? Results.Ok(match)
                    : Answer(Problem.NotFound(new Violation("/id", "invoice.unmatched", $"Supplier invoice '{id}' does not exist or was never matched."))))
            .WithName("GetInvoiceMatch")
            .WithSummary("An invoice's match: posted (with its journal entry, GR/IR, price variance, tax, due date) or blocked, with its exceptions (categories, route, findings, ERP context, advice).")
            .Produces<InvoiceMatchView>(200)
            .ProducesProblem(404);
        api.MapGet("/payables/exceptions", async (IInvoiceMatching matching, TaktStore store, string? plant, string? status, int? limit, CancellationToken ct) =>
                status is not (null or "open" or "resolved")
                    ? Answer(Problem.Malformed([new Violation("/query/status", "payables.exception-status-unknown", "status is open or resolved.")]))
                    : Results.Ok(await matching.ExceptionsAsync(store, plant, status, Math.Clamp(limit ?? 100, 1, 1000), ct)))
            .WithName("ListInvoiceExceptions")
            .WithSummary("Invoice exceptions, newest first: category, the role they are routed to, every finding and the ERP context (order, buyer, receipts, other invoices).")
            .Produces<IReadOnlyList<InvoiceExceptionView>>(200)
            .ProducesProblem(400);
        api.MapGet("/payables/payment-proposal", async (IInvoiceMatching matching, TaktStore store, string? plant, string? dueBy, CancellationToken ct) =>
                !DateOnly.TryParseExact(dueBy, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date)
                    ? Answer(Problem.Malformed([new Violation("/query/dueBy", "payables.due-by-required", "dueBy is a date (YYYY-MM-DD): what is due by then.")]))
                    : Results.Ok(await matching.PaymentProposalAsync(store, plant, date, ct)))
            .WithName("GetPaymentProposal")
            .WithSummary("What is due for payment by a date: posted invoices and credit notes with their due dates (payment terms), totals per supplier, and the blocked invoices with their reason. No bank file.")
            .Produces<PaymentProposal>(200)
            .ProducesProblem(400);
        api.MapGet("/payables/kpis", async (IInvoiceMatching matching, TaktStore store, string? plant, string? period, CancellationToken ct) =>
                period is not null && !DateOnly.TryParseExact(period + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _)
                    ? Answer(Problem.Malformed([new Violation("/query/period", "payables.period-format", "period is a month: YYYY-MM.")]))
                    : Results.Ok(await matching.KpisAsync(store, plant, ct, period)))
            .WithName("GetPayablesKpis")
            .WithSummary("Invoice exception rate, touchless rate, exception categories and cycle time goods receipt → invoice posted, by plant, by supplier and by plant and month received (DESIGN §5), " +
                "each with where it stands against best in class (10 % exceptions, 65 % touchless) and the average (23 %, 24 %). period=YYYY-MM keeps one month.")
            .Produces<PayablesKpis>(200)
            .ProducesProblem(400);
        api.MapPost("/payables/invoices/{id}/duplicate-decision", async (ExceptionDecisions decisions, IInvoiceMatching matching, TaktStore store, TimeProvider clock, string id, DuplicateDecision body, CancellationToken ct) =>
            {
                await using (var session = await store.OpenSessionAsync(clock, ct))
                {
                    await using var tx = await session.BeginAsync(ct);
                    if (await decisions.DecideDuplicateAsync(tx, id, body, ct) is { } problem)
                        return Answer(problem);
                    await tx.CommitAsync(ct);
                }

                return Results.Ok((await matching.MatchViewAsync(store, id, ct))!);
            })
            .WithName("DecideDuplicateInvoice")
            .WithSummary("Decide on an invoice flagged as a (suspected) duplicate: duplicate rejects it (never posted or paid; takt.payables.invoice-rejected.v1); " +
                "not-duplicate clears the flag and matches it again (posted, or still an exception for its other findings). A posted or rejected invoice answers 409.")
            .Produces<InvoiceMatchView>(200)
            .ProducesProblem(404)
            .ProducesProblem(409)
            .ProducesProblem(422);
        api.MapPost("/payables/payment-runs", async (HttpContext http, Payments.IPaymentRuns runs, TaktStore store, string? plant, Payments.PaymentRunRequest body, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(plant))
                    return Answer(Problem.Malformed([new Violation("/plant", "payables.plant-required", "Name the plant to pay for: ?plant=PA01.")]));
                var (run, problem) = await runs.RunAsync(store, plant, body, http.Features.Get<AccessDecision>()?.Client?.ClientId, ct);
                return problem is not null ? Answer(problem) : Results.Created($"/api/v1/payables/payment-runs/{run!.Id}", run);
            })
            .WithName("RunPayments")
            .WithSummary("Pay what is due at a plant by a date (or exactly the listed invoices and credit notes): each document is marked paid and accounts payable is debited against the bank, " +
                "one journal entry per currency, with takt.payables.payment-run-completed.v1, in one transaction. A document already paid answers 409; blocked, rejected or not yet due ones 422; nothing changes then. No bank file.")
            .Produces<Payments.PaymentRunView>(201)
            .ProducesProblem(400)
            .ProducesProblem(409)
            .ProducesProblem(422);
        api.MapGet("/payables/payment-runs", async (Payments.IPaymentRuns runs, TaktStore store, string? plant, int? limit, CancellationToken ct) =>
                Results.Ok(await runs.RunsAsync(store, plant, Math.Clamp(limit ?? 50, 1, 500), ct)))
            .WithName("ListPaymentRuns")
            .WithSummary("Payment runs, newest first, with the documents they paid and their journal entries.")
            .Produces<IReadOnlyList<Payments.PaymentRunView>>(200);
        api.MapGet("/payables/payment-runs/{id}", async (Payments.IPaymentRuns runs, TaktStore store, string id, CancellationToken ct) =>
                await runs.RunViewAsync(store, id, ct) is { } run
                    ? Results.Ok(run)
                    : Answer(Problem.NotFound(new Violation("/id", "payment-run.unknown", $"Payment run '{id}' does not exist."))))
            .WithName("GetPaymentRun")
            .WithSummary("One payment run: the documents it paid, totals per supplier and currency, its journal entries.")
            .Produces<Payments.PaymentRunView>(200)
            .ProducesProblem(404);
        api.MapGet("/payables/tolerances", async (IInvoiceMatching matching, TaktStore store, CancellationToken ct) => Results.Ok(await matching.TolerancesAsync(store, ct)))
            .WithName("ListInvoiceTolerances")
            .WithSummary("Matching tolerances per supplier and spend category (* for any) and whether the match is three-way or two-way.")
            .Produces<IReadOnlyList<InvoiceTolerance>>(200);
        api.MapPut("/payables/tolerances", async (IInvoiceMatching matching, TaktStore store, InvoiceTolerance body, CancellationToken ct) =>
                await matching.SetToleranceAsync(store, body, ct) is { Problem: { } problem } ? Answer(problem) : Results.Ok(body))
            .WithName("SetInvoiceTolerance")
            .WithSummary("Set the matching tolerance of a supplier and spend category (* for any): quantity and price, each as percent and absolute (both limits hold), and the match kind.")
            .Produces<InvoiceTolerance>(200)
            .ProducesProblem(422);
        return api;
    }

    private static async Task<IResult> ReceiveAsync(HttpContext http, string? plant, IPayables payables, TaktStore store, PayablesOptions options, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(plant))
            return Answer(Problem.Malformed([new Violation("/plant", "payables.plant-required", "Name the plant the invoice is for: ?plant=PA01.")]));
        var request = http.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var media) || media.MediaType?.ToLowerInvariant() is not { } type
            || !(type == "application/json" || XmlTypes.Contains(type) || type.EndsWith("+xml", StringComparison.Ordinal)))
        {
            return Answer(Problem.UnsupportedMediaType(new Violation("", "content-type.unsupported",
                $"'{request.ContentType}' is not accepted here; send UBL as application/xml or the JSON form as application/json.")));
        }

        if (request.ContentLength > options.MaxDocumentBytes)
            return TooLarge(options);
        var body = await ReadBodyAsync(request.Body, options.MaxDocumentBytes, ct);
        if (body is null)
            return TooLarge(options);
        var document = type == "application/json" ? InvoiceDocuments.CheckJson(body, options) : InvoiceDocuments.CheckUbl(body, options);
        var client = http.Features.Get<AccessDecision>()?.Client?.ClientId;
        var (receipt, problem) = await payables.ReceiveAsync(store, plant, document, client, ct);
        if (problem is not null)
            return Answer(problem);
        return receipt!.Replayed ? Results.Ok(receipt) : Results.Created($"/api/v1/payables/invoices/{receipt.Id}", receipt);
    }

    private static IResult Answer(Problem problem) => Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);

    private static IResult TooLarge(PayablesOptions options) =>
        Answer(Problem.TooLarge(new Violation("", "payload.too-large", $"An invoice document may have at most {options.MaxDocumentBytes} bytes.")));

    /// <summary>The body, or null as soon as it grows past the limit (nothing more is read).</summary>
    private static async Task<byte[]?> ReadBodyAsync(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
