using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts;
using Takt.Integration.Access;
using Takt.Integration.Gateway;
using Takt.Orchestration;
using Takt.Store;

namespace Takt.Procurement;

public static class ProcurementModule
{
    public static SchemaModule Schema { get; } = new("procurement", typeof(ProcurementModule).Assembly);

    /// <summary>The approval standard shipped with the module (requisitions, direct orders, order changes).</summary>
    public static string ApprovalStandard => Shipped("requisition-approval.yaml");

    /// <summary>The demo's Plant A variant of the approval standard (a higher threshold).</summary>
    public static string ApprovalVariantPlantA => Shipped("requisition-approval.PA01.yaml");

    public static IServiceCollection AddProcurement(this IServiceCollection services, ProcurementOptions? options = null)
    {
        services.AddSingleton(options ?? new ProcurementOptions());
        services.AddSingleton<ApprovalRouting>();
        services.AddSingleton<ProcurementService>();
        services.AddSingleton<IProcurement>(sp => sp.GetRequiredService<ProcurementService>());
        services.AddSingleton<IFallbackReceipts>(sp => sp.GetRequiredService<ProcurementService>());
        services.AddSingleton<IFlowAction, DecideAction>();
        return services;
    }

    /// <summary>The standard that chases an order's confirmation (a wait with a timeout, then the buyer's task with an SLA).</summary>
    public static string ConfirmationStandard => Shipped("purchase-order-confirmation.yaml");

    /// <summary>
    /// Saves procurement's standards once per database and publishes them: the confirmation chase at once, the approval
    /// standard as soon as the approval matrix it routes by is published (until then it stays a draft, and requisitions
    /// are refused with <c>procurement.approval-standard-missing</c>).
    /// </summary>
    public static async Task EnsureStandardsAsync(IServiceProvider services, CancellationToken ct)
    {
        var orchestration = services.GetRequiredService<IOrchestration>();
        var store = services.GetRequiredService<TaktStore>();
        foreach (var (flow, document) in new[] { (services.GetRequiredService<ProcurementOptions>().ApprovalFlow, ApprovalStandard), ("purchase-order-confirmation", ConfirmationStandard) })
        {
            var versions = await orchestration.StandardsAsync(store, flow, ct);
            if (versions.Any(v => v.Status != "draft"))
                continue;
            if (versions.Count == 0)
            {
                var saved = await orchestration.SaveStandardAsync(store, document, "takt", ct);
                if (saved.IsRejected)
                    throw new InvalidOperationException($"Standard {flow}: {string.Join("; ", saved.Violations.Select(v => $"{v.Field} {v.Rule} {v.Detail}"))}");
            }

            var published = await orchestration.PublishStandardAsync(store, flow, 1, ct);
            if (published.IsRejected && published.Violations.Any(v => v.Rule != "flow.doa-unknown"))
                throw new InvalidOperationException($"Standard {flow}: {string.Join("; ", published.Violations.Select(v => $"{v.Field} {v.Rule} {v.Detail}"))}");
        }
    }

    public sealed record MoneyValue(decimal Amount, string Currency);

    /// <summary>A requisition as the API takes it (see <see cref="RequisitionDraft"/>).</summary>
    public sealed record RequisitionRequest(
        string Kind,
        string Plant,
        string? Item,
        string? Service,
        decimal Quantity,
        string Unit,
        DateOnly NeedDate,
        string CostObject,
        string Category,
        MoneyValue EstimatedValue,
        string Requester,
        string? Supplier = null,
        string? Urgency = null,
        string? Reason = null,
        string? Disruption = null);

    /// <summary>An order with its exceptions and receipts.</summary>
    public sealed record PurchaseOrderDocument(PurchaseOrderView Order, IReadOnlyList<ProcurementException> Exceptions, IReadOnlyList<GoodsReceiptView> Receipts);

    /// <summary>A usage decision as the API takes it (see <see cref="DecideUsage"/>).</summary>
    public sealed record UsageDecisionRequest(string DecidedBy, decimal? Release = null, decimal? Reject = null, string? Disposition = null, string? Reason = null, DateOnly? PostingDate = null);

    public sealed record ReturnRequest(string ReturnedBy, decimal? Quantity = null, DateOnly? PostingDate = null);

    public static RouteGroupBuilder MapProcurement(this RouteGroupBuilder api)
    {
        var p = api.MapGroup("/procurement").WithTags("Procurement");
        p.MapPost("/requisitions", (ProcurementService s, TaktStore store, TimeProvider clock, RequisitionRequest body, CancellationToken ct) =>
                Write(store, clock, tx => s.CreateRequisitionAsync(tx, ToDraft(body), ct), StatusCodes.Status201Created, ct))
            .WithName("CreateRequisition")
            .WithSummary("Create a requisition (kind manual, planning or expedite); it is routed for approval and the routing explained.");
        p.MapGet("/requisitions", (TaktStore store, TimeProvider clock, string? plant, string? status, int? limit, CancellationToken ct) =>
                Read(store, clock, tx => ProcurementService.RequisitionsAsync(tx, plant, status, Math.Clamp(limit ?? 100, 1, 1000), ct), ct))
            .WithName("ListRequisitions")
            .WithSummary("Requisitions, newest first.");
        p.MapGet("/requisitions/{number}", async (ProcurementService s, TaktStore store, TimeProvider clock, string number, CancellationToken ct) =>
                await ReadOne(store, clock, tx => s.RequisitionAsync(tx, number, ct), ct) is { } found ? Results.Json(found, Problem.Json)
                    : Answer(Problem.NotFound(new Violation("/number", "requisition.unknown", $"Requisition '{number}' does not exist."))))
            .WithName("GetRequisition")
            .WithSummary("One requisition with its approval routing.");
        p.MapPost("/purchase-orders", (ProcurementService s, TaktStore store, TimeProvider clock, OrderRequisitions body, CancellationToken ct) =>
                Write(store, clock, tx => s.OrderRequisitionsAsync(tx, body, ct), StatusCodes.Status201Created, ct))
            .WithName("OrderRequisitions")
            .WithSummary("Order approved requisitions: one purchase order per supplier, plant and category, issued to the supplier.");
        p.MapPost("/purchase-orders/direct", (ProcurementService s, TaktStore store, TimeProvider clock, DirectOrder body, CancellationToken ct) =>
                Write(store, clock, tx => s.CreateDirectOrderAsync(tx, body, ct), StatusCodes.Status201Created, ct))
            .WithName("CreateDirectPurchaseOrder")
            .WithSummary("An order without requisition, approved by the same routing as a requisition of its value.");
        p.MapGet("/purchase-orders", (ProcurementService s, TaktStore store, TimeProvider clock, string? plant, string? supplier, int? limit, CancellationToken ct) =>
                Read(store, clock, tx => s.PurchaseOrderListAsync(tx, plant, supplier, Math.Clamp(limit ?? 100, 1, 1000), ct), ct))
            .WithName("ListPurchaseOrders")
            .WithSummary("Purchase orders with lines and received quantities, newest first.");
        p.MapGet("/purchase-orders/{number}", async (ProcurementService s, TaktStore store, TimeProvider clock, string number, CancellationToken ct) =>
                await ReadOne(store, clock, async tx => (await s.PurchaseOrdersAsync(tx, [number], ct)).GetValueOrDefault(number) is { } order
                    ? new PurchaseOrderDocument(order, await s.ExceptionsAsync(tx, number, ct), await s.ReceiptsAsync(tx, [number], ct))
                    : null, ct) is { } found ? Results.Json(found, Problem.Json)
                    : Answer(Problem.NotFound(new Violation("/number", "purchase-order.unknown", $"Purchase order '{number}' does not exist."))))
            .WithName("GetPurchaseOrder")
            .WithSummary("One purchase order with the exceptions raised to its buyer and its receipts.");
        p.MapPost("/purchase-orders/{number}/changes", (ProcurementService s, TaktStore store, TimeProvider clock, string number, OrderChange body, CancellationToken ct) =>
                Write(store, clock, tx => s.ChangeOrderAsync(tx, number, body, ct), StatusCodes.Status200OK, ct))
            .WithName("ChangePurchaseOrder")
            .WithSummary("Change quantities, prices or dates: within tolerance issued as the next revision, outside it approved again.");
        p.MapPost("/purchase-orders/{number}/acknowledgements", (ProcurementService s, TaktStore store, TimeProvider clock, HttpContext http, string number, Acknowledgement body, CancellationToken ct) =>
                Supplier(store, clock, http, (tx, client) => s.AcknowledgeAsync(tx, client, number, body, ct), ct))
            .WithName("AcknowledgePurchaseOrder")
            .WithSummary("Supplier: accept, change (date, quantity) or reject an order; outside tolerance the buyer gets an exception.");
        p.MapPost("/purchase-orders/{number}/shipping-notices", (ProcurementService s, TaktStore store, TimeProvider clock, HttpContext http, string number, ShippingNotice body, CancellationToken ct) =>
                Supplier(store, clock, http, (tx, client) => s.ShipAsync(tx, client, number, body, ct), ct))
            .WithName("SendShippingNotice")
            .WithSummary("Supplier: an advance shipping notice for an order.");
        p.MapPost("/goods-receipts", (ProcurementService s, TaktStore store, TimeProvider clock, ReceiveGoods body, CancellationToken ct) =>
                Write(store, clock, tx => s.ReceiveAsync(tx, body, ct), StatusCodes.Status201Created, ct))
            .WithName("PostGoodsReceipt")
            .WithSummary("Receive goods against an order line (and shipping notice): Inventory at standard, GR/IR at the PO price, price variance.");
        p.MapPost("/goods-receipts/{id}/returns", (ProcurementService s, TaktStore store, TimeProvider clock, string id, ReturnRequest body, CancellationToken ct) =>
                Write(store, clock, tx => s.ReturnAsync(tx, new ReturnGoods(id, body.ReturnedBy, body.Quantity, body.PostingDate), ct), StatusCodes.Status201Created, ct))
            .WithName("ReturnGoodsToSupplier")
            .WithSummary("Return (part of) a receipt to the supplier: the exact opposite posting.");
        p.MapPost("/goods-receipts/{id}/usage-decisions", (ProcurementService s, TaktStore store, TimeProvider clock, string id, UsageDecisionRequest body, CancellationToken ct) =>
                Write(store, clock, tx => s.DecideUsageAsync(tx, new DecideUsage(id, body.DecidedBy, body.Release ?? 0m, body.Reject ?? 0m, body.Disposition, body.Reason, body.PostingDate), ct), StatusCodes.Status201Created, ct))
            .WithName("DecideGoodsReceiptUsage")
            .WithSummary("Usage decision on a receipt in quality-inspection stock: release to unrestricted stock, reject (return to the supplier or scrap), in one transaction.");
        api.MapPost("/fallback/goods-receipts", (ProcurementService s, TaktStore store, TimeProvider clock, HttpContext http, FallbackReceiptRequest? body, CancellationToken ct) =>
                Write(store, clock, tx => s.RecordFallbackReceiptAsync(tx, body ?? new FallbackReceiptRequest(), AccessDecision.ClientOf(http).ClientId, ct), StatusCodes.Status201Created, ct))
            .WithName("RecordFallbackGoodsReceipt")
            .WithTags("Operations")
            .WithSummary("Manual fallback: record a goods receipt against a purchase order line by hand while the WMS is down; it posts at once and the system's own receipt for the same delivery later receives only the difference.");
        api.MapGet("/fallback/goods-receipts", (ProcurementService s, TaktStore store, TimeProvider clock, string? plant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
                Read(store, clock, tx => s.FallbackReceiptReportAsync(tx, plant, from, to, ct), ct))
            .WithName("FallbackGoodsReceiptReconciliation")
            .WithTags("Operations")
            .WithSummary("The reconciliation of hand-recorded goods receipts with the system's receipts: waiting, matched, difference-applied, conflicting, unmatched, with each match.");
        p.MapPut("/suppliers/{code}", (ProcurementService s, TaktStore store, TimeProvider clock, string code, SupplierView body, CancellationToken ct) =>
                Write(store, clock, tx => s.SaveSupplierAsync(tx, body with { Code = code }, ct), StatusCodes.Status200OK, ct))
            .WithName("SaveSupplier")
            .WithSummary("Create or update a supplier (currency, payment terms, risk, the API client that speaks for it).");
        p.MapPut("/budgets/{plant}/{category}", (ProcurementService s, TaktStore store, TimeProvider clock, string plant, string category, MoneyValue body, CancellationToken ct) =>
                Write(store, clock, tx => s.SetBudgetAsync(tx, new ProcurementBudget(plant, category, body.Amount, body.Currency), ct), StatusCodes.Status200OK, ct))
            .WithName("SetProcurementBudget")
            .WithSummary("The budget of a plant and spend category; commitment = open requisitions + open orders.");
        api.MapGet("/kpis/procurement", async (ProcurementService s, TaktStore store, string? plant, CancellationToken ct) =>
                Results.Json(await s.KpisAsync(store, plant, ct), Problem.Json))
            .WithTags("Procurement")
            .WithName("ProcurementKpis")
            .WithSummary("KPIs: approval turnaround and PO cycle time (requisition → order → receipt) by plant, p50/p90 in hours.");
        return api;
    }

    internal static RequisitionDraft ToDraft(RequisitionRequest body) => new(
        body.Kind, body.Plant, body.Item, body.Service, body.Quantity, body.Unit, body.NeedDate, body.CostObject, body.Category,
        new Money(body.EstimatedValue?.Amount ?? 0m, Currency.TryParse(body.EstimatedValue?.Currency, out var c) ? c : Currency.Eur), body.Requester,
        body.Supplier, body.Urgency, body.Reason, body.Disruption);

    /// <summary>One transaction per request: it commits only when the outcome is a value (nothing is written otherwise).</summary>
    private static async Task<IResult> Write<T>(TaktStore store, TimeProvider clock, Func<StoreTransaction, Task<Outcome<T>>> work, int status, CancellationToken ct)
    {
        var outcome = await store.WriteAsync(clock, work, ct);
        return outcome.IsRejected ? Answer(outcome.Violations) : Results.Json(outcome.Value, Problem.Json, statusCode: status);
    }

    private static async Task<IResult> Read<T>(TaktStore store, TimeProvider clock, Func<StoreTransaction, Task<T>> work, CancellationToken ct) =>
        Results.Json(await ReadOne(store, clock, work, ct), Problem.Json);

    private static Task<T> ReadOne<T>(TaktStore store, TimeProvider clock, Func<StoreTransaction, Task<T>> work, CancellationToken ct) =>
        store.ReadAsync(clock, work, ct);

    /// <summary>
    /// A supplier's message: a client registered as a supplier speaks for that supplier's orders only; a client that is
    /// no supplier acts for every supplier when it may act for all plants (an EDI hub, an operator), else it is refused.
    /// </summary>
    private static async Task<IResult> Supplier<T>(TaktStore store, TimeProvider clock, HttpContext http, Func<StoreTransaction, string?, Task<Outcome<T>>> work, CancellationToken ct)
    {
        var client = AccessDecision.ClientOf(http);
        await using var session = await store.OpenSessionAsync(clock, ct);
        await using var tx = await session.BeginAsync(ct);
        var supplier = await tx.Command("SELECT code FROM proc_supplier WHERE client_id = $1", client.ClientId).ExecuteScalarAsync(ct) as string;
        if (supplier is null && !client.AllPlantsAllowed)
        {
            AccessDecision.Of(http).Deny("supplier.client-unknown");
            return Answer(AccessProblems.Forbidden(new Violation("", "supplier.client-unknown",
                $"Client '{client.ClientId}' is not registered as a supplier; only a supplier's own client, or a client for all plants, sends supplier messages.")));
        }

        var outcome = await work(tx, supplier is null ? null : client.ClientId);
        if (outcome.IsRejected)
            return Answer(outcome.Violations);
        await tx.CommitAsync(ct);
        return Results.Json(outcome.Value, Problem.Json);
    }

    private static IResult Answer(IReadOnlyList<Violation> violations)
    {
        var problem = violations.All(v => v.Rule.EndsWith(".unknown", StringComparison.Ordinal) && v.Field is "/number" or "/order" or "/receipt" or "/id") ? Problem.NotFound(violations[0])
            : violations.Any(v => v.Rule.StartsWith("sod.", StringComparison.Ordinal))
                ? new Problem("urn:takt:problem:forbidden", "The person may not do this.", StatusCodes.Status403Forbidden, violations[0].Detail, violations)
            : violations.Any(v => v.Rule is "order.not-changeable" or "receipt.order-not-open" or "acknowledgement.order-not-open" or "asn.order-not-open" or "asn.number-used" or "procurement.approval-standard-missing" or "usage-decision.already-decided")
                ? Problem.Conflict(violations[0])
            : Problem.RuleViolated(violations);
        return Answer(problem);
    }

    private static IResult Answer(Problem problem) => Results.Json(problem, Problem.Json, Problem.ContentType, problem.Status);

    private static string Shipped(string file)
    {
        var assembly = typeof(ProcurementModule).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith(".Shipped." + file, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
