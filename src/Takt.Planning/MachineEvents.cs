using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Planning;

/// <summary>
/// Takes <c>machine-down</c> and <c>machine-up</c> from the gateway. Each accepted event stages, in the batch's one
/// transaction: the disruption (opened or closed), the process-log event with its objects, and the event on the outbox,
/// where <see cref="Replanner"/> re-plans (DESIGN §2.2, §2.3). Checks: plant and work center exist and belong together,
/// a duration between 0 and 720 hours, one open disruption per work center, machine-up only for an open one.
/// </summary>
internal sealed class MachineEvents(IMasterData masterData, IIntelligence intelligence, Outbox outbox) : IInboundEventHandler
{
    public const decimal MaxDurationHours = 720m;

    public bool Handles(string type) => type is EventTypes.MachineDown or EventTypes.MachineUp;

    public async Task<IInboundBatch> BeginAsync(StoreTransaction transaction, IReadOnlyList<InboundEvent> events, CancellationToken ct)
    {
        var plants = new HashSet<string>(StringComparer.Ordinal);
        var workCenters = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var (plant, wc) = e.Data switch
            {
                MachineDown d => (d.Plant, d.WorkCenter),
                MachineUp u => (u.Plant, u.WorkCenter),
                _ => ("", ""),
            };
            plants.Add(plant);
            workCenters.Add(wc);
        }

        var view = await masterData.LoadAsync(transaction, plants, [], workCenters, ct);
        var open = await PlanningData.DisruptionsAsync(transaction, "status = 'open'", [], ct);
        return new Batch(transaction, view, open.ToDictionary(d => d.WorkCenter, StringComparer.Ordinal), intelligence, outbox);
    }

    private sealed class Batch(StoreTransaction tx, MasterDataView view, Dictionary<string, DisruptionRow> open, IIntelligence intelligence, Outbox outbox) : IInboundBatch
    {
        public Outcome<EventEffects> Apply(InboundEvent inbound)
        {
            var (plantCode, wcCode) = inbound.Data switch
            {
                MachineDown d => (d.Plant, d.WorkCenter),
                MachineUp u => (u.Plant, u.WorkCenter),
                _ => ("", ""),
            };
            if (view.Plant(plantCode) is null)
                return new Violation("/data/plant", "plant.unknown", $"Plant '{plantCode}' does not exist.");
            if (view.WorkCenter(wcCode) is not { } wc)
                return new Violation("/data/workCenter", "work-center.unknown", $"Work center '{wcCode}' does not exist.");
            if (wc.Plant != plantCode)
                return new Violation("/data/workCenter", "work-center.plant-mismatch", $"Work center {wcCode} belongs to plant {wc.Plant}, not {plantCode}.");
            var now = tx.Clock.GetUtcNow();
            string id;
            if (inbound.Data is MachineDown down)
            {
                if (down.ExpectedDurationHours <= 0 || down.ExpectedDurationHours > MaxDurationHours)
                    return new Violation("/data/expectedDurationHours", "disruption.duration-range", $"expectedDurationHours is greater than 0 and at most {MaxDurationHours}.");
                if (open.TryGetValue(wcCode, out var already))
                    return new Violation("/data/workCenter", "disruption.already-open", $"Work center {wcCode} is down already (disruption {already.Id}); send machine-up first.");
                id = "DS-" + Uuid7.New(now).ToString("N")[..20];
                var to = down.Since.AddMinutes((double)(down.ExpectedDurationHours * 60m));
                tx.Stage(
                    "INSERT INTO planning_disruption (id, plant, work_center, down_from_us, down_to_us, status, reason, event_id, occurred_at_us, received_at_us) VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9)",
                    id, plantCode, wcCode, down.Since.ToUnixMicroseconds(), to.ToUnixMicroseconds(), down.Reason, inbound.Id, inbound.Time.ToUnixMicroseconds(), now.ToUnixMicroseconds());
                open[wcCode] = new DisruptionRow(id, plantCode, wcCode, down.Since, to, "open", inbound.Time, null, null, null);
            }
            else
            {
                if (!open.Remove(wcCode, out var disruption))
                    return new Violation("/data/workCenter", "disruption.none-open", $"Work center {wcCode} has no open disruption to end.");
                id = disruption.Id;
                tx.Stage("UPDATE planning_disruption SET status = 'closed', up_event_id = $1, up_at_us = $2 WHERE id = $3",
                    inbound.Id, ((MachineUp)inbound.Data).Since.ToUnixMicroseconds(), id);
            }

            var processEvent = intelligence.Append(tx, new ProcessEventDraft(inbound.Type, inbound.Source, inbound.Id, plantCode, inbound.Time, inbound.DataJson, 0,
                [new ObjectLink("plant", plantCode, "at"), new ObjectLink("work-center", wcCode, inbound.Data is MachineDown ? "down" : "up"), new ObjectLink("disruption", id, inbound.Data is MachineDown ? "opened" : "closed")]));
            outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), inbound.Type, inbound.Source, id, plantCode, inbound.Time, inbound.DataJson));
            return new EventEffects(processEvent.ToString(), [], []);
        }
    }
}

/// <summary>
/// Re-plans when a machine goes down or comes back (an in-process outbox subscriber: the re-plan commits with the
/// subscriber's position, so each machine event re-plans exactly once, and survives a crash).
/// </summary>
internal sealed class Replanner(IServiceProvider services) : IOutboxSubscriber
{
    // Re-planning writes to the outbox, whose subscribers include this one: resolved at first use.
    private PlanningService planning => (PlanningService)services.GetService(typeof(IPlanning))!;

    public string Name => "planning.replan";

    public IReadOnlyCollection<string> Types { get; } = [EventTypes.MachineDown, EventTypes.MachineUp];

    public bool Accepts(OutboxMessage message) => message.Type is EventTypes.MachineDown or EventTypes.MachineUp;

    public async Task HandleAsync(StoreTransaction transaction, OutboxMessage message, CancellationToken ct)
    {
        var found = await PlanningData.DisruptionsAsync(transaction, "id = $1", [message.Subject], ct);
        if (found.Count == 0)
            return;
        var disruption = found[0];
        var down = message.Type == EventTypes.MachineDown;
        if (down ? disruption.CommittedAt is not null : disruption.ReplannedUpAt is not null)
            return;
        var plants = await planning.PlantsOfAsync(transaction, disruption.Plant, ct);
        var open = await PlanningData.DisruptionsAsync(transaction, "status = 'open'", [], ct);
        // The schedule before the change: without this disruption (down) or with it (up).
        List<DisruptionRow> baseline = down ? [.. open.Where(d => d.Id != disruption.Id)] : [.. open, disruption];
        var result = await planning.ReplanAsync(transaction, plants, new PlanningService.Trigger(down ? "machine-down" : "machine-up", disruption, baseline, Regenerative: false), ct);
        if (result.IsRejected)
            throw new InvalidOperationException($"Re-planning {disruption.Id} was refused: " + string.Join("; ", result.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")));
    }
}
