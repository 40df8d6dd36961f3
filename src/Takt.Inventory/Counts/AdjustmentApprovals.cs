using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takt.Contracts.Events;
using Takt.Inventory.Stock;
using Takt.Orchestration;
using Takt.Store;

namespace Takt.Inventory.Counts;

/// <summary>
/// Ends a stock-adjustment request when its <c>stock-adjustment-approval</c> flow signals the decision: an approved
/// count difference or WMS correction posts as an adjustment (in the dispatcher's transaction, so exactly once), a
/// rejected one is closed unposted. The flow names the request through its requester (the request event's source).
/// </summary>
internal sealed class AdjustmentApprovals(IServiceProvider services) : IOutboxSubscriber
{
    // Posting writes to the outbox, whose subscribers include this one: resolved at first use, not at construction.
    private IOrchestration orchestration => services.GetRequiredService<IOrchestration>();

    private StockPosting posting => services.GetRequiredService<StockPosting>();

    private TaktStore store => services.GetRequiredService<TaktStore>();

    public const string SourcePrefix = "/takt/inventory/adjustments/";

    public string Name => "inventory.adjustment-approvals";

    public IReadOnlyCollection<string> Types { get; } = [EventTypes.OrchestrationSignal];

    public bool Accepts(OutboxMessage message) => message.Type == EventTypes.OrchestrationSignal;

    public async Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct)
    {
        var signal = JsonSerializer.Deserialize(message.Data, EventJson.Default.OrchestrationSignal);
        if (signal is null || signal.Flow != "stock-adjustment-approval" || signal.Compensation
            || signal.Name is not ("stock-adjustment-approved" or "stock-adjustment-rejected"))
            return;
        var instance = await orchestration.InstanceAsync(store, signal.Instance, ct);
        if (instance?.Requester is not { } requester || !requester.StartsWith(SourcePrefix, StringComparison.Ordinal))
            return;
        var request = requester[SourcePrefix.Length..];
        var approved = signal.Name == "stock-adjustment-approved";
        var now = transaction.Clock.GetUtcNow();
        if (request.StartsWith("CL-", StringComparison.Ordinal))
        {
            string countId = "", item = "", location = "", lot = "", plant = "";
            long line = 0, book = 0, counted = 0;
            await using (var reader = await transaction.Command(
                "SELECT l.count_id, l.line_no, l.item, l.location, l.lot, l.book_e6, l.counted_e6, c.plant FROM inventory_count_line l JOIN inventory_count c ON c.id = l.count_id WHERE l.approval_request = $1 AND l.status = 'awaiting-approval'",
                request).ExecuteReaderAsync(ct))
            {
                if (!await reader.ReadAsync(ct))
                    return;
                (countId, line, item, location, lot, book, counted, plant) = (reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetString(7));
            }

            string? movement = null;
            var status = "rejected";
            if (approved)
            {
                var posted = await posting.PostAsync(transaction, CycleCounts.Adjustment(plant, new CountLineView((int)line, item, location, lot, Fixed.FromE6(book), null, null, null, "", null, null), Fixed.FromE6(counted - book), SourcePrefix + request, now), ct);
                if (!posted.IsRejected)
                {
                    movement = posted.Value.Movements[0];
                    status = "posted";
                }
            }

            await transaction.ExecuteAsync("UPDATE inventory_count_line SET status = $1, movement_id = $2 WHERE count_id = $3 AND line_no = $4", ct, status, movement, countId, line);
        }
        else if (request.StartsWith("DS-", StringComparison.Ordinal))
        {
            string plant = "", item = "", location = "", lot = "";
            long difference = 0;
            await using (var reader = await transaction.Command("SELECT plant, item, location, lot, difference_e6 FROM inventory_discrepancy WHERE id = $1 AND status = 'open'", request).ExecuteReaderAsync(ct))
            {
                if (!await reader.ReadAsync(ct))
                    return;
                (plant, item, location, lot, difference) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4));
            }

            var status = "rejected";
            if (approved)
            {
                var posted = await posting.PostAsync(transaction, CycleCounts.Adjustment(plant, new CountLineView(0, item, location, lot, 0, null, null, null, "", null, null), Fixed.FromE6(difference), SourcePrefix + request, now), ct);
                status = posted.IsRejected ? "open" : "adjusted";
            }

            await transaction.ExecuteAsync("UPDATE inventory_discrepancy SET status = $1 WHERE id = $2", ct, status, request);
        }
    }
}
