using System.Text.Json;
using Takt.Assist.Anomalies;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// The AI assist demo (issue 15): two days of hourly operation confirmations of Plant A's rough machining at
/// <see cref="WorkCenter"/> (order PA01-100002), with a usual 1–3 pieces scrapped per 100 and one lot that scraps 24,
/// applied by production as a plant system's events would be (postings, process log, outbox in one transaction);
/// then the scheduled shop-floor scan's first turn for the plant, which suggests that scrap spike (once: the scan's
/// position moves with it). <c>takt run</c> turns it on.
/// </summary>
public static class DemoAssist
{
    public const string WorkCenter = "PA01-CNC1";

    public const string Order = "PA01-100002";

    public const int Confirmations = 48;

    /// <summary>The confirmation (hours after the first) whose lot scraps 24 pieces.</summary>
    public const int SpikeAt = 40;

    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var store = services.GetRequiredService<TaktStore>();
        var clock = services.GetRequiredService<TimeProvider>();
        var handler = services.GetServices<IInboundEventHandler>().First(h => h.Handles(EventTypes.OperationConfirmed));
        var now = clock.GetUtcNow();
        var first = now.AddHours(-Confirmations - 1);
        var random = new Random(15);
        var events = new List<InboundEvent>(Confirmations);
        for (var i = 0; i < Confirmations; i++)
        {
            var at = first.AddHours(i);
            var scrap = i == SpikeAt ? 24m : 1 + random.Next(3);
            // 18 machine seconds a piece (good and scrapped), give or take a little.
            var machineMinutes = Math.Round((100m + scrap) * (0.3m + (random.Next(-5, 6) * 0.002m)), 2);
            var data = new OperationConfirmed(DemoData.PlantA, Order, "0010", WorkCenter, new QuantityValue(100m, "H87"), new QuantityValue(scrap, "H87"),
                new QuantityValue(machineMinutes, "MIN"), new QuantityValue(0.5m, "HUR"));
            events.Add(new InboundEvent("/mes/pa01/line-1", Uuid7.New(at).ToString(), EventTypes.OperationConfirmed, at, Order, data,
                JsonSerializer.Serialize(data, EventJson.Default.OperationConfirmed)));
        }

        await using (var session = await store.OpenSessionAsync(clock, ct))
        {
            await using var tx = await session.BeginAsync(ct);
            var batch = await handler.BeginAsync(tx, events, ct);
            foreach (var e in events)
            {
                var applied = batch.Apply(e);
                if (applied.IsRejected)
                    throw new InvalidOperationException("Demo confirmation is refused: " + string.Join("; ", applied.Violations.Select(v => v.Detail)));
            }

            await tx.CommitAsync(ct);
        }

        await using (var session = await store.OpenSessionAsync(clock, ct))
        {
            var scan = await services.GetRequiredService<ShopFloorScanner>().ScanAsync(session, DemoData.PlantA, now, ct);
            if (scan.Refused is { Count: > 0 } refused)
                throw new InvalidOperationException("Demo anomaly scan is refused: " + string.Join("; ", refused.Select(v => v.Detail)));
        }
    }
}
