using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Store;

namespace Takt.Procurement;

/// <param name="Quantity">The quantity the supplier confirms, when it differs.</param>
/// <param name="DeliveryDate">The delivery date the supplier confirms, when it differs.</param>
public sealed record AcknowledgedLine(int Line, decimal? Quantity = null, DateOnly? DeliveryDate = null);

/// <summary>A supplier's order acknowledgement.</summary>
/// <param name="MessageId">The supplier's id of this message: a repeat has no second effect.</param>
/// <param name="Sequence">The supplier's running number of its messages about this order: an older one arriving late changes nothing.</param>
/// <param name="Status"><c>accepted</c>, <c>changed</c> or <c>rejected</c>.</param>
/// <param name="Lines">For <c>changed</c>: the lines whose quantity or date differ.</param>
public sealed record Acknowledgement(string MessageId, long Sequence, string Status, IReadOnlyList<AcknowledgedLine>? Lines = null, string? Comment = null);

public sealed record ShippedLine(int Line, decimal Quantity);

/// <summary>An advance shipping notice.</summary>
/// <param name="Number">The supplier's shipment (delivery note) number.</param>
public sealed record ShippingNotice(string MessageId, long Sequence, string Number, DateOnly ShipDate, IReadOnlyList<ShippedLine> Lines);

/// <summary>What a supplier message did.</summary>
/// <param name="Outcome"><c>applied</c>, <c>exception</c> (outside tolerance: raised to the buyer), <c>duplicate</c> (seen before: no effect) or <c>stale</c> (older than one already applied: no effect).</param>
/// <param name="Exceptions">The exceptions raised to the buyer.</param>
public sealed record SupplierMessageResult(string Order, string MessageId, string Outcome, string? Acknowledgement, IReadOnlyList<string> Exceptions);

/// <summary>
/// Supplier updates by API: the supplier is a registered client and speaks only about its own orders. Each message is
/// kept by its id (a repeat has no second effect) and ordered by its sequence (an older one arriving late changes
/// nothing); changes outside tolerance raise an exception to the buyer.
/// </summary>
internal sealed partial class ProcurementService
{
    public async Task<Outcome<SupplierMessageResult>> AcknowledgeAsync(StoreTransaction tx, string? client, string number, Acknowledgement message, CancellationToken ct)
    {
        var (order, supplier, refusal) = await SupplierOrderAsync(tx, client, number, ct);
        if (refusal is not null)
            return refusal;
        if (string.IsNullOrWhiteSpace(message.MessageId))
            return new Violation("/messageId", "supplier-message.id-required", "Give each message an id (a repeat with the same id has no second effect).");
        if (message.Status is not ("accepted" or "changed" or "rejected"))
            return new Violation("/status", "acknowledgement.status-unknown", "status is accepted, changed or rejected.");
        if (message.Sequence < 1)
            return new Violation("/sequence", "supplier-message.sequence-positive", "sequence is the message's running number (1, 2, …) for this order.");
        if (await PriorAsync(tx, supplier!.Code, message.MessageId, order!.View.Number, ct) is { } prior)
            return prior;
        var lines = message.Lines ?? [];
        if (message.Status == "changed" && lines.Count == 0)
            return new Violation("/lines", "acknowledgement.lines-required", "A changed acknowledgement names the lines whose quantity or date differ.");
        for (var i = 0; i < lines.Count; i++)
        {
            if (order.View.Lines.All(l => l.Line != lines[i].Line))
                return new Violation($"/lines/{i}/line", "order.line-unknown", $"Purchase order {number} has no line {lines[i].Line}.");
            if (lines[i].Quantity is { } q && (q <= 0 || decimal.Round(q, 6) != q))
                return new Violation($"/lines/{i}/quantity", "acknowledgement.quantity-positive", "A confirmed quantity is greater than 0 with at most 6 decimals.");
        }

        if (order.View.Status is not ("issued" or "confirmed"))
            return new Violation("/number", "acknowledgement.order-not-open", $"Purchase order {number} is {order.View.Status}; it takes no acknowledgement now.");
        var now = tx.Clock.GetUtcNow();
        if (message.Sequence <= order.SupplierSequence)
            return Record(tx, supplier.Code, message.MessageId, order.View.Number, "acknowledgement", message.Sequence, "stale", order.View.Acknowledgement, []);

        var exceptions = new List<string>();
        if (message.Status == "rejected")
        {
            exceptions.Add($"{supplier.Code} rejected purchase order {number}" + (message.Comment is null ? "." : $": {message.Comment}"));
        }
        else
        {
            foreach (var change in lines)
            {
                var line = order.View.Lines.First(l => l.Line == change.Line);
                if (change.Quantity is { } q && Math.Abs(q - line.Quantity) > line.Quantity * options.ConfirmationQuantityTolerancePercent / 100m)
                    exceptions.Add($"line {line.Line}: confirmed quantity {q} {line.Unit} differs from the ordered {line.Quantity} by more than {options.ConfirmationQuantityTolerancePercent}%");
                if (change.DeliveryDate is { } d && d > line.DeliveryDate.AddDays(options.ConfirmationDateToleranceDays))
                    exceptions.Add($"line {line.Line}: confirmed delivery {d.Format()} is more than {options.ConfirmationDateToleranceDays} days after the requested {line.DeliveryDate.Format()}");
                tx.Stage("UPDATE proc_po_line SET confirmed_quantity_e6 = $1, confirmed_date = $2 WHERE po = $3 AND line = $4",
                    change.Quantity is { } cq ? Fixed.ToE6(cq) : null, change.DeliveryDate?.ToDateKey(), number, (long)line.Line);
            }
        }

        var confirmed = message.Status != "rejected";
        tx.Stage("UPDATE proc_po SET acknowledgement = $1, supplier_seq = $2, status = $3, confirmed_at_us = CASE WHEN $4 = 1 THEN COALESCE(confirmed_at_us, $5) ELSE confirmed_at_us END WHERE number = $6",
            message.Status, message.Sequence, confirmed ? "confirmed" : order.View.Status, confirmed ? 1L : 0L, now.ToUnixMicroseconds(), number);
        foreach (var text in exceptions)
            RaiseException(tx, order.View, message.Status == "rejected" ? "supplier-rejected" : "confirmation-outside-tolerance", text);
        if (confirmed)
        {
            var requisitions = order.View.Lines.Select(l => l.Requisition).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var data = new PurchaseOrderConfirmed(number, order.View.Plant, supplier.Code, message.Status, exceptions.Count == 0, requisitions.Count == 0 ? null : requisitions);
            outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.PurchaseOrderConfirmed, Source, number, order.View.Plant, now,
                JsonSerializer.Serialize(data, EventJson.Default.PurchaseOrderConfirmed)));
        }

        Log(tx, "takt.procurement.purchase-order-acknowledged.v1", number, order.View.Plant, new { order = number, status = message.Status, messageId = message.MessageId, sequence = message.Sequence, exceptions },
            [new("plant", order.View.Plant, "at"), new("purchase-order", number, "acknowledged"), new("supplier", supplier.Code, "acknowledged-by")]);
        return Record(tx, supplier.Code, message.MessageId, number, "acknowledgement", message.Sequence, exceptions.Count > 0 ? "exception" : "applied", message.Status, exceptions);
    }

    public async Task<Outcome<SupplierMessageResult>> ShipAsync(StoreTransaction tx, string? client, string number, ShippingNotice message, CancellationToken ct)
    {
        var (order, supplier, refusal) = await SupplierOrderAsync(tx, client, number, ct);
        if (refusal is not null)
            return refusal;
        if (string.IsNullOrWhiteSpace(message.MessageId))
            return new Violation("/messageId", "supplier-message.id-required", "Give each message an id (a repeat with the same id has no second effect).");
        if (string.IsNullOrWhiteSpace(message.Number))
            return new Violation("/number", "asn.number-required", "Give the shipment's delivery note number.");
        if (message.Lines is not { Count: > 0 })
            return new Violation("/lines", "asn.lines-required", "A shipping notice has at least one line.");
        if (await PriorAsync(tx, supplier!.Code, message.MessageId, order!.View.Number, ct) is { } prior)
            return prior;
        for (var i = 0; i < message.Lines.Count; i++)
        {
            if (order.View.Lines.All(l => l.Line != message.Lines[i].Line))
                return new Violation($"/lines/{i}/line", "order.line-unknown", $"Purchase order {number} has no line {message.Lines[i].Line}.");
            if (message.Lines[i].Quantity <= 0 || decimal.Round(message.Lines[i].Quantity, 6) != message.Lines[i].Quantity)
                return new Violation($"/lines/{i}/quantity", "asn.quantity-positive", "A shipped quantity is greater than 0 with at most 6 decimals.");
        }

        if (await tx.Command("SELECT po FROM proc_asn WHERE supplier = $1 AND number = $2", supplier.Code, message.Number).ExecuteScalarAsync(ct) is string)
            return new Violation("/number", "asn.number-used", $"{supplier.Code} already sent shipping notice {message.Number} (with another message id).");
        if (order.View.Status is not ("issued" or "confirmed"))
            return new Violation("/number", "asn.order-not-open", $"Purchase order {number} is {order.View.Status}; it takes no shipping notice now.");
        var exceptions = new List<string>();
        foreach (var shipped in message.Lines)
        {
            var line = order.View.Lines.First(l => l.Line == shipped.Line);
            var limit = line.Quantity * (1 + (options.OverDeliveryTolerancePercent / 100m));
            if (line.Received + shipped.Quantity > limit)
                exceptions.Add($"line {line.Line}: shipping {shipped.Quantity} {line.Unit} on top of {line.Received} received exceeds the ordered {line.Quantity} by more than {options.OverDeliveryTolerancePercent}%");
        }

        tx.Stage("INSERT INTO proc_asn (supplier, number, po, lines, ship_date, created_at_us) VALUES ($1, $2, $3, $4, $5, $6)",
            supplier.Code, message.Number, number, JsonSerializer.Serialize(message.Lines, ProcurementJson.Options), message.ShipDate.ToDateKey(), tx.Clock.GetUtcNow().ToUnixMicroseconds());
        foreach (var text in exceptions)
            RaiseException(tx, order.View, "shipment-outside-tolerance", text);
        Log(tx, "takt.procurement.shipping-notice-received.v1", number, order.View.Plant, new { order = number, asn = message.Number, shipDate = message.ShipDate, messageId = message.MessageId, exceptions },
            [new("plant", order.View.Plant, "at"), new("purchase-order", number, "shipped"), new("supplier", supplier.Code, "shipped-by")]);
        return Record(tx, supplier.Code, message.MessageId, number, "asn", message.Sequence, exceptions.Count > 0 ? "exception" : "applied", order.View.Acknowledgement, exceptions);
    }

    /// <summary>Exceptions raised to the buyer about an order (open first).</summary>
    public async Task<IReadOnlyList<ProcurementException>> ExceptionsAsync(StoreTransaction tx, string number, CancellationToken ct)
    {
        var list = new List<ProcurementException>();
        await using var r = await tx.Command("SELECT id, po, kind, detail, status, created_at_us FROM proc_exception WHERE po = $1 ORDER BY created_at_us, id", number).ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new ProcurementException(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), Instants.FromUnixMicroseconds(r.GetInt64(5))));
        return list;
    }

    private void RaiseException(StoreTransaction tx, PurchaseOrderView order, string kind, string detail)
    {
        var now = tx.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        tx.Stage("INSERT INTO proc_exception (id, po, kind, detail, status, created_at_us) VALUES ($1, $2, $3, $4, $5, $6)", id, order.Number, kind, detail, "open", now.ToUnixMicroseconds());
        Log(tx, "takt.procurement.exception-raised.v1", order.Number, order.Plant, new { exception = id, order = order.Number, kind, detail, buyer = order.Buyer },
            [new("plant", order.Plant, "at"), new("purchase-order", order.Number, "exception"), new("procurement-exception", id, "raised")]);
    }

    private async Task<(OrderRow? Order, SupplierView? Supplier, Violation? Refusal)> SupplierOrderAsync(StoreTransaction tx, string? client, string number, CancellationToken ct)
    {
        var order = await OrderForUpdateAsync(tx, number, ct);
        if (order is null)
            return (null, null, new Violation("/number", "purchase-order.unknown", $"Purchase order '{number}' does not exist."));
        var supplier = (await SupplierAsync(tx, order.View.Supplier, ct))!;
        // A supplier's client speaks for its own orders only; an order of another supplier is answered as unknown to it.
        if (client is not null && supplier.ClientId != client)
        {
            var own = await tx.Command("SELECT code FROM proc_supplier WHERE client_id = $1", client).ExecuteScalarAsync(ct) as string;
            return own is null
                ? (null, null, new Violation("", "supplier.client-unknown", $"Client {client} is not registered as a supplier."))
                : (null, null, new Violation("/number", "purchase-order.unknown", $"Purchase order '{number}' does not exist for supplier {own}."));
        }

        return (order, supplier, null);
    }

    private static async Task<SupplierMessageResult?> PriorAsync(StoreTransaction tx, string supplier, string messageId, string number, CancellationToken ct)
    {
        await using var r = await tx.Command("SELECT po, outcome FROM proc_supplier_message WHERE supplier = $1 AND message_id = $2", supplier, messageId).ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new SupplierMessageResult(r.GetString(0), messageId, "duplicate", null, [$"message {messageId} was received before ({r.GetString(1)}) and has no second effect"]) : null;
    }

    private static SupplierMessageResult Record(StoreTransaction tx, string supplier, string messageId, string number, string kind, long sequence, string outcome, string? acknowledgement, IReadOnlyList<string> exceptions)
    {
        tx.Stage("INSERT INTO proc_supplier_message (supplier, message_id, po, kind, sequence, outcome, received_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            supplier, messageId, number, kind, sequence, outcome, tx.Clock.GetUtcNow().ToUnixMicroseconds());
        return new SupplierMessageResult(number, messageId, outcome, acknowledgement, exceptions);
    }
}

/// <summary>An exception raised to the buyer about a purchase order.</summary>
public sealed record ProcurementException(string Id, string Order, string Kind, string Detail, string Status, DateTimeOffset CreatedAt);
