using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Inventory;
using Takt.Inventory.Reservations;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Orchestration;
using Takt.Planning.Mrp;
using Takt.Planning.Scheduling;
using Takt.Procurement;
using Takt.Production;
using Takt.Store;

namespace Takt.Planning;

/// <summary>
/// One planning run in the caller's transaction: finite capacity schedule of the plants' open production orders (with
/// every open disruption's down window), the orders the change moved, MRP (regenerative, or net change over the items
/// the change touched), expedite requisitions for what is now needed inside its lead time, expected cost variance as
/// accrual proposals, updated WMS allocation instructions, and every step as a canonical event in the process log
/// and the outbox — all committed together (DESIGN §2.1, §2.2).
/// </summary>
internal sealed partial class PlanningService(
    IMasterData masterData,
    IProduction production,
    IInventory inventory,
    IProcurement procurement,
    IAccruals accruals,
    IAllocations allocations,
    IIntelligence intelligence,
    IOrchestration orchestration,
    Outbox outbox,
    PlanningOptions options) : IPlanning
{
    public const string Source = "/takt/planning";

    /// <summary>What changed to start the run.</summary>
    /// <param name="Kind"><c>manual</c>, <c>demo</c>, <c>machine-down</c> or <c>machine-up</c>.</param>
    /// <param name="Baseline">The down windows before the change (schedule to compare with); null: compare with the stored schedule.</param>
    internal sealed record Trigger(string Kind, DisruptionRow? Disruption, IReadOnlyList<DisruptionRow>? Baseline, bool Regenerative);

    public async Task<Outcome<PlanRunView>> RunAsync(StoreTransaction transaction, PlanRequest request, CancellationToken ct)
    {
        var plants = request.Plants is { Count: > 0 } p ? p.Distinct(StringComparer.Ordinal).ToList() : await AllPlantsAsync(transaction, ct);
        var view = await masterData.LoadAsync(transaction, plants, [], [], ct);
        for (var i = 0; i < plants.Count; i++)
        {
            if (view.Plant(plants[i]) is null)
                return new Violation(request.Plants is null ? "/plants" : $"/plants/{i}", "plant.unknown", $"Plant '{plants[i]}' does not exist.");
        }

        var netChange = request.Mode switch
        {
            null or "regenerative" => false,
            "net-change" => true,
            _ => (bool?)null,
        };
        if (netChange is not { } mode)
            return new Violation("/mode", "planning.mode-unknown", $"mode is 'regenerative' or 'net-change', not '{request.Mode}'.");
        return await ReplanAsync(transaction, plants, new Trigger("manual", null, null, Regenerative: !mode), ct);
    }

    private static async Task<List<string>> AllPlantsAsync(StoreTransaction tx, CancellationToken ct)
    {
        var plants = new List<string>();
        await using var reader = await tx.Command("SELECT code FROM masterdata_plant ORDER BY code").ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            plants.Add(reader.GetString(0));
        return plants;
    }

    /// <summary>The plants a disruption reaches: its own and those of the alternates its work center's operations may move to.</summary>
    internal async Task<List<string>> PlantsOfAsync(StoreTransaction tx, string plant, CancellationToken ct)
    {
        var alternates = await PlanningData.AlternatesAsync(tx, ct);
        var view = await masterData.LoadAsync(tx, [], [], [.. alternates.Select(a => a.Alternate).Distinct(StringComparer.Ordinal)], ct);
        var plants = new List<string> { plant };
        foreach (var (_, alternate, _) in alternates)
        {
            if (view.WorkCenter(alternate) is { } wc && !plants.Contains(wc.Plant))
                plants.Add(wc.Plant);
        }

        return plants;
    }

    internal async Task<Outcome<PlanRunView>> ReplanAsync(StoreTransaction tx, IReadOnlyList<string> plants, Trigger trigger, CancellationToken ct)
    {
        var now = tx.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var origin = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var runId = "PR-" + Uuid7.New(now).ToString("N")[..20];

        // 1. What the plants are made of and what is open.
        var structures = new Dictionary<string, ProductStructure>(StringComparer.Ordinal);
        foreach (var plant in plants)
            structures[plant] = await masterData.LoadStructureAsync(tx, plant, today, ct);
        var workCenterCodes = structures.Values.SelectMany(s => s.WorkCenters.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var view = await masterData.LoadAsync(tx, plants, [], workCenterCodes, ct);
        var orders = await production.OpenOrdersAsync(tx, plants, ct);
        var alternates = await PlanningData.AlternatesAsync(tx, ct);
        var open = await PlanningData.DisruptionsAsync(tx, "status = 'open'", [], ct);

        // 2. Finite capacity schedule, now and before the change (the same instant, so only the change moves orders).
        // A plant with a business calendar works its shifts in its time zone and not on its holidays (DST included).
        var windows = new Dictionary<string, PlantWindows>(StringComparer.Ordinal);
        foreach (var plant in structures.Keys)
        {
            if (await orchestration.CalendarAsync(tx, plant, ct) is { } calendar && calendar.TryLayout(out var zone, out var shifts))
                windows[plant] = PlantWindows.Build(origin, zone, shifts, calendar.Holidays.ToHashSet(), Scheduler.HorizonDays);
        }

        var wcIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var capacities = new List<WorkCenterCapacity>();
        foreach (var code in workCenterCodes)
        {
            var plant = structures.First(s => s.Value.WorkCenters.ContainsKey(code));
            var (hours, days) = plant.Value.WorkCenters[code];
            wcIndex[code] = capacities.Count;
            capacities.Add(new WorkCenterCapacity(code, plant.Key, (int)Math.Round(hours * 60m), days, Windows: windows.GetValueOrDefault(plant.Key)));
        }

        var nowMinute = (long)Math.Ceiling((now - origin).TotalMinutes);
        var scheduleOrders = new List<ScheduleOrder>(orders.Count);
        var scheduled = new List<OpenOrder>(orders.Count);
        foreach (var order in orders)
        {
            var ops = new List<ScheduleOperation>();
            foreach (var op in order.Operations)
            {
                if (!wcIndex.TryGetValue(op.WorkCenter, out var wc))
                    continue;
                var remaining = Math.Max(0m, order.Quantity - op.Good);
                if (remaining == 0)
                    continue;
                var (setup, perUnit) = (op.SetupHours, op.MachineHoursPerUnit);
                if (setup == 0 && perUnit == 0 && structures[order.Plant].Routings.TryGetValue(order.Item, out var routing)
                    && routing.FirstOrDefault(r => r.Operation == op.Operation) is { } planned)
                    (setup, perUnit) = (planned.SetupHours, planned.MachineHoursPerUnit);
                var minutes = Math.Max(1L, (long)Math.Ceiling((setup + (perUnit * remaining)) * 60m));
                var alts = alternates.Where(a => a.WorkCenter == op.WorkCenter && wcIndex.ContainsKey(a.Alternate))
                    .Select(a => new Alternative(wcIndex[a.Alternate], a.Efficiency)).ToList();
                ops.Add(new ScheduleOperation(op.Operation, wc, minutes, alts));
            }

            if (ops.Count == 0)
                continue;
            scheduleOrders.Add(new ScheduleOrder(order.Number, order.Priority, order.DueDate.DayNumber - today.DayNumber, ops));
            scheduled.Add(order);
        }

        ScheduledOrder[] Schedule(IEnumerable<DisruptionRow> downs)
        {
            var scheduler = new Scheduler(capacities, origin.DayOfWeek, nowMinute);
            foreach (var d in downs)
            {
                if (wcIndex.TryGetValue(d.WorkCenter, out var wc))
                    scheduler.AddDownWindow(new DownWindow(wc, (long)Math.Floor((d.From - origin).TotalMinutes), (long)Math.Ceiling((d.To - origin).TotalMinutes)));
            }

            return scheduler.Schedule(scheduleOrders);
        }

        var result = Schedule(open);
        ScheduledOrder[]? baseline = trigger.Baseline is { } downsBefore ? Schedule(downsBefore) : null;
        var stored = new Dictionary<(string, string), ScheduleRow>();
        if (baseline is null)
        {
            var (plantIn, arg) = SqlList.In(tx, "plant", plants);
            await using var reader = await tx.Command($"SELECT {PlanningData.ScheduleColumns} FROM planning_operation WHERE {plantIn}", arg).ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var row = PlanningData.ReadSchedule(reader);
                stored[(row.Order, row.Operation)] = row;
            }
        }

        DateTimeOffset At(long minute) => origin.AddMinutes(minute);
        var moved = new List<(OpenOrder Order, ScheduleOrder Plan, ScheduledOrder Before, ScheduledOrder After)>();
        var late = 0;
        var maxLate = 0L;
        tx.Stage($"DELETE FROM planning_operation WHERE {SqlList.In(tx, "plant", plants).Condition}", SqlList.In(tx, "plant", plants).Value);
        for (var i = 0; i < scheduled.Count; i++)
        {
            var order = scheduled[i];
            var orderPlan = scheduleOrders[i];
            var after = result[i];
            if (after.LateMinutes > 0)
            {
                late++;
                maxLate = Math.Max(maxLate, after.LateMinutes);
            }

            ScheduledOrder earlier;
            if (baseline is not null)
            {
                earlier = baseline[i];
            }
            else
            {
                // Compare with the stored schedule: its work centers and times, as minutes from today's origin.
                var ops = new ScheduledOperation[orderPlan.Operations.Count];
                for (var k = 0; k < ops.Length; k++)
                {
                    ops[k] = stored.TryGetValue((order.Number, orderPlan.Operations[k].Operation), out var row) && wcIndex.TryGetValue(row.WorkCenter, out var w)
                        ? new ScheduledOperation(w, (long)Math.Round((row.Start - origin).TotalMinutes), (long)Math.Round((row.Finish - origin).TotalMinutes), row.Minutes)
                        : after.Operations[k];
                }

                earlier = new ScheduledOrder(ops, 0);
            }

            var changed = false;
            for (var k = 0; k < after.Operations.Length; k++)
            {
                var a = after.Operations[k];
                var b = earlier.Operations[k];
                if (a.WorkCenter != b.WorkCenter || Math.Abs(a.Start - b.Start) > 1 || Math.Abs(a.Finish - b.Finish) > 1)
                    changed = true;
                var wc = capacities[a.WorkCenter];
                tx.Stage(
                    $"INSERT INTO planning_operation ({PlanningData.ScheduleColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    order.Number, orderPlan.Operations[k].Operation, order.Plant, order.Item, capacities[orderPlan.Operations[k].WorkCenter].Code, wc.Code, wc.Plant,
                    At(a.Start).ToUnixMicroseconds(), At(a.Finish).ToUnixMicroseconds(), a.Minutes, (long)order.DueDate.ToDateKey(), after.LateMinutes,
                    a.WorkCenter != orderPlan.Operations[k].WorkCenter || after.LateMinutes > 0 ? trigger.Disruption?.Id : null);
            }

            if (changed && (trigger.Baseline is not null || stored.Count > 0))
                moved.Add((order, orderPlan, earlier, after));
        }

        // 3. Material: requirements and receipts per plant item, netted regeneratively or by net change.
        var parameters = await PlanningData.ItemsAsync(tx, plants, ct);
        var demand = await PlanningData.DemandAsync(tx, plants, ct);
        var purchaseLines = await procurement.OpenLinesAsync(tx, plants, ct);
        var nodes = new Dictionary<(string Plant, string Item), int>();
        var keys = new List<(string Plant, string Item)>();
        int Node(string plant, string item)
        {
            if (!nodes.TryGetValue((plant, item), out var n))
            {
                n = keys.Count;
                nodes[(plant, item)] = n;
                keys.Add((plant, item));
            }

            return n;
        }

        foreach (var (plant, structure) in structures)
        {
            foreach (var item in structure.Items.Keys.Order(StringComparer.Ordinal))
                Node(plant, item);
        }

        foreach (var d in demand)
            Node(d.Plant, d.Item);
        var workPlantOf = new Dictionary<string, (string Plant, int Day)>(StringComparer.Ordinal);
        var beforePlantOf = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < scheduled.Count; i++)
        {
            var order = scheduled[i];
            workPlantOf[order.Number] = MaterialPlant(order, result[i]);
            beforePlantOf[order.Number] = moved.FirstOrDefault(m => m.Order.Number == order.Number) is { Order: not null } m ? MaterialPlant(order, m.Before).Plant : workPlantOf[order.Number].Plant;
            foreach (var c in order.Components)
                Node(workPlantOf[order.Number].Plant, c.Item);
        }

        (string Plant, int Day) MaterialPlant(OpenOrder order, ScheduledOrder s)
        {
            var away = s.Operations.FirstOrDefault(o => capacities[o.WorkCenter].Plant != order.Plant);
            var first = away.Minutes > 0 ? away : s.Operations[0];
            return (capacities[first.WorkCenter].Plant, (int)(first.Start / 1440));
        }

        var count = keys.Count;
        var componentStart = new int[count + 1];
        var edges = new List<(int Parent, int Component, decimal Per)>();
        for (var n = 0; n < count; n++)
        {
            var (plant, item) = keys[n];
            if (structures.TryGetValue(plant, out var s) && s.Boms.TryGetValue(item, out var bom))
            {
                foreach (var line in bom.Lines.Where(l => l.AlternateRank == 0))
                {
                    if (nodes.TryGetValue((plant, line.Component), out var c))
                        edges.Add((n, c, line.QuantityPerUnit * (1 + line.ScrapFactor)));
                }
            }
        }

        edges.Sort((a, b) => a.Parent != b.Parent ? a.Parent.CompareTo(b.Parent) : a.Component.CompareTo(b.Component));
        foreach (var e in edges)
            componentStart[e.Parent + 1]++;
        for (var n = 0; n < count; n++)
            componentStart[n + 1] += componentStart[n];
        var network = new MrpNetwork(count, componentStart, [.. edges.Select(e => e.Component)], [.. edges.Select(e => e.Per)]);
        var onHand = new Dictionary<(string, string), decimal>();
        foreach (var plant in plants)
        {
            var stock = await inventory.OnHandAsync(tx, plant, [.. keys.Where(k => k.Plant == plant).Select(k => k.Item)], ct);
            foreach (var (item, balance) in stock)
                onHand[(plant, item)] = balance.Quantity;
        }

        var requirements = new List<DatedQuantity>[count];
        var receipts = new List<DatedQuantity>[count];
        for (var n = 0; n < count; n++)
        {
            var (plant, item) = keys[n];
            var hasBom = structures.TryGetValue(plant, out var s) && s.Boms.ContainsKey(item);
            var p = parameters.GetValueOrDefault((plant, item)) ?? new ItemParameters(hasBom, hasBom ? 2 : 10, LotPolicy.LotForLot, 0m, 0m, null, 0m, "direct");
            network.LeadTimeDays[n] = p.LeadTimeDays;
            network.Policy[n] = p.Policy;
            network.LotSize[n] = p.LotSize;
            network.SafetyStock[n] = p.SafetyStock;
            network.OnHand[n] = onHand.GetValueOrDefault((plant, item));
        }

        void Add(List<DatedQuantity>[] lists, int n, int day, decimal q) => (lists[n] ??= []).Add(new DatedQuantity(day, q));
        // What each requirement is for (single-level pegging): the same order as the requirements.
        var sources = new List<(string Kind, string Reference)>[count];
        void Source(int n, string kind, string reference) => (sources[n] ??= []).Add((kind, reference));
        foreach (var d in demand)
        {
            Add(requirements, nodes[(d.Plant, d.Item)], d.Due.DayNumber - today.DayNumber, d.Quantity);
            Source(nodes[(d.Plant, d.Item)], d.Kind, d.Reference);
        }

        for (var i = 0; i < scheduled.Count; i++)
        {
            var order = scheduled[i];
            var (plant, day) = workPlantOf[order.Number];
            foreach (var c in order.Components.Where(c => c.Open > 0))
            {
                Add(requirements, nodes[(plant, c.Item)], day, c.Open);
                Source(nodes[(plant, c.Item)], "production-order", order.Number);
            }

            if (order.Open > 0 && nodes.TryGetValue((order.Plant, order.Item), out var output))
                Add(receipts, output, (int)(result[i].Finish / 1440), order.Open);
        }

        foreach (var line in purchaseLines)
        {
            if (nodes.TryGetValue((line.Plant, line.Item), out var n))
                Add(receipts, n, line.DeliveryDate.DayNumber - today.DayNumber, line.Open);
        }

        for (var n = 0; n < count; n++)
        {
            if (requirements[n] is { } r)
                network.Requirements[n] = [.. r];
            if (receipts[n] is { } c)
                network.Receipts[n] = [.. c];
        }

        // Every item whose input changed since the last run (demand, stock, purchase orders and receipts, the schedule's
        // component requirements, BOM lines, parameters) is found by its input fingerprint: nothing is recorded where
        // those changes are written, so the ingest path does no planning work.
        var fingerprints = new long[count];
        for (var n = 0; n < count; n++)
            fingerprints[n] = InputFingerprint.Of(network, n, keys);
        var storedPrints = await PlanningData.FingerprintsAsync(tx, plants, ct);
        var previous = await PlanningData.PlannedOrdersAsync(tx, plants, ct);
        var regenerative = trigger.Regenerative || previous.Count == 0 || storedPrints.Count == 0;
        MrpPlan plan;
        IReadOnlyList<int> replanned;
        int itemsPlanned;
        var before0 = new MrpPlan(count);
        foreach (var ((plant, item), rows) in previous)
        {
            if (nodes.TryGetValue((plant, item), out var n))
                before0.Orders[n] = [.. rows.Select(r => new PlannedOrder(r.Release.DayNumber - today.DayNumber, r.Due.DayNumber - today.DayNumber, r.Quantity))];
        }

        if (regenerative)
        {
            plan = MrpEngine.Regenerative(network);
            replanned = Enumerable.Range(0, count).ToList();
            itemsPlanned = count;
        }
        else
        {
            plan = before0.Clone();
            var changedNodes = new HashSet<int>();
            for (var n = 0; n < count; n++)
            {
                if (!storedPrints.TryGetValue(keys[n], out var print) || print != fingerprints[n])
                    changedNodes.Add(n);
            }

            foreach (var (order, _, _, _) in moved)
            {
                if (nodes.TryGetValue((order.Plant, order.Item), out var o))
                    changedNodes.Add(o);
                foreach (var c in order.Components)
                {
                    foreach (var plant in new[] { workPlantOf[order.Number].Plant, beforePlantOf[order.Number] })
                    {
                        if (nodes.TryGetValue((plant, c.Item), out var n))
                            changedNodes.Add(n);
                    }
                }
            }

            var netChange = MrpEngine.NetChange(network, plan, changedNodes);
            replanned = netChange.Changed;
            itemsPlanned = netChange.NodesPlanned;
        }

        var plannedOrders = 0;
        if (regenerative)
        {
            var (plantIn, arg) = SqlList.In(tx, "plant", plants);
            tx.Stage($"DELETE FROM planning_peg WHERE {plantIn}", arg);
        }

        foreach (var n in replanned)
        {
            var (plant, item) = keys[n];
            tx.Stage("DELETE FROM planning_planned_order WHERE plant = $1 AND item = $2", plant, item);
            var seq = 0;
            foreach (var o in plan.Orders[n])
            {
                var hasBom = structures.TryGetValue(plant, out var s) && s.Boms.ContainsKey(item);
                tx.Stage("INSERT INTO planning_planned_order (plant, item, seq, make, quantity_e6, release_date, due_date, run_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    plant, item, (long)++seq, hasBom ? 1L : 0L, Fixed.ToE6(decimal.Round(o.Quantity, 6)), (long)today.AddDays(o.ReleaseDay).ToDateKey(), (long)today.AddDays(o.DueDay).ToDateKey(), runId);
            }

            plannedOrders += seq;
        }

        // Pegs of the re-planned items and of their components (whose parents' planned orders they serve changed).
        var pegNodes = new SortedSet<int>(replanned);
        if (!regenerative)
        {
            foreach (var n in replanned)
            {
                for (var k = network.ComponentStart[n]; k < network.ComponentStart[n + 1]; k++)
                    pegNodes.Add(network.Components[k]);
            }
        }

        foreach (var n in pegNodes)
        {
            var (plant, item) = keys[n];
            if (!regenerative)
                tx.Stage("DELETE FROM planning_peg WHERE plant = $1 AND item = $2", plant, item);
            var pegs = Pegging.Of(network, plan, n, sources[n], keys);
            for (var i = 0; i < pegs.Length; i++)
            {
                var line = 0;
                foreach (var peg in pegs[i])
                {
                    tx.Stage("INSERT INTO planning_peg (plant, item, seq, line, kind, reference, quantity_e6, need_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        plant, item, (long)(i + 1), (long)++line, peg.Kind, peg.Reference, Fixed.ToE6(decimal.Round(peg.Quantity, 6)), (long)today.AddDays(Math.Max(0, peg.Day)).ToDateKey());
                }
            }
        }

        if (regenerative)
        {
            var (plantIn, arg) = SqlList.In(tx, "plant", plants);
            tx.Stage($"DELETE FROM planning_planned_order WHERE {plantIn} AND run_id <> $2", arg, runId);
            tx.Stage($"DELETE FROM planning_node WHERE {plantIn}", arg);
            for (var n = 0; n < count; n++)
                tx.Stage("INSERT INTO planning_node (plant, item, fingerprint) VALUES ($1, $2, $3)", keys[n].Plant, keys[n].Item, fingerprints[n]);
        }
        else
        {
            for (var n = 0; n < count; n++)
            {
                if (!storedPrints.TryGetValue(keys[n], out var print) || print != fingerprints[n])
                    tx.Stage("INSERT INTO planning_node (plant, item, fingerprint) VALUES ($1, $2, $3) ON CONFLICT (plant, item) DO UPDATE SET fingerprint = excluded.fingerprint", keys[n].Plant, keys[n].Item, fingerprints[n]);
            }

            // Items no longer planned (no demand, no structure): their planned orders and fingerprints go.
            foreach (var key in previous.Keys.Concat(storedPrints.Keys).Distinct().Where(k => !nodes.ContainsKey(k)))
            {
                tx.Stage("DELETE FROM planning_planned_order WHERE plant = $1 AND item = $2", key.Plant, key.Item);
                tx.Stage("DELETE FROM planning_node WHERE plant = $1 AND item = $2", key.Plant, key.Item);
                tx.Stage("DELETE FROM planning_peg WHERE plant = $1 AND item = $2", key.Plant, key.Item);
            }
        }

        // 4. Expedites: bought items the change now needs inside their lead time.
        var requisitions = new List<RequisitionView>();
        var freight = 0m;
        var currency = view.Plant(plants[0])?.Company.Currency ?? Currency.Eur;
        if (trigger is { Kind: "machine-down", Disruption: { } disruption })
        {
            var drafts = new List<(RequisitionDraft Draft, decimal Freight)>();
            foreach (var n in replanned.Order())
            {
                var (plant, item) = keys[n];
                var hasBom = structures.TryGetValue(plant, out var s) && s.Boms.ContainsKey(item);
                if (hasBom || !structures.ContainsKey(plant) || !s!.Items.TryGetValue(item, out var facts))
                    continue;
                var lateNow = plan.Orders[n].Where(o => o.ReleaseDay < 0).ToList();
                var quantity = lateNow.Sum(o => o.Quantity) - before0.Orders[n].Where(o => o.ReleaseDay < 0).Sum(o => o.Quantity);
                if (quantity <= 0)
                    continue;
                quantity = decimal.Round(quantity, 6, MidpointRounding.ToPositiveInfinity);
                var p = parameters.GetValueOrDefault((plant, item));
                var price = p?.Price is > 0 ? p.Price : s.StandardCosts.GetValueOrDefault(item);
                var plantCurrency = view.Plant(plant)?.Company.Currency ?? currency;
                var value = new Money(price * quantity, plantCurrency).RoundToMinorUnits();
                var premium = new Money(Math.Max(options.MinimumPremiumFreight, value.Amount * options.PremiumFreightPercent / 100m), plantCurrency).RoundToMinorUnits();
                var need = today.AddDays(Math.Max(0, lateNow.Min(o => o.DueDay)));
                var reason = $"{disruption.WorkCenter} down {disruption.From:yyyy-MM-dd HH:mm}–{disruption.To:yyyy-MM-dd HH:mm} UTC: needed at {plant} by {need:yyyy-MM-dd}, inside its lead time of {p?.LeadTimeDays ?? 10} days.";
                drafts.Add((new RequisitionDraft(RequisitionKinds.Expedite, plant, item, null, quantity, facts.BaseUnit, need, disruption.WorkCenter, p?.Category ?? "direct", value,
                    options.Actor, p?.Supplier, "expedite", reason, disruption.Id), premium.Amount));
            }

            if (drafts.Count > 0)
            {
                var created = await procurement.CreateRequisitionsAsync(tx, [.. drafts.Select(d => d.Draft)], ct);
                if (created.IsRejected)
                    return Outcome<PlanRunView>.FromViolations(created.Violations);
                for (var i = 0; i < created.Value.Count; i++)
                {
                    var r = created.Value[i];
                    var premium = drafts[i].Freight;
                    freight += premium;
                    requisitions.Add(r);
                    var supplier = r.Supplier is null ? null : await procurement.SupplierAsync(tx, r.Supplier, ct);
                    tx.Stage("INSERT INTO planning_expedite (disruption, plant, item, requisition, quantity_e6, value_e4, freight_e4) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        disruption.Id, r.Plant, r.Item, r.Number, Fixed.ToE6(r.Quantity), Fixed.ToE4(r.EstimatedValue), Fixed.ToE4(premium));
                    var data = new PlanningRequisitionCreated(r.Number, r.Plant, r.Item!, new QuantityValue(r.Quantity, r.Unit), r.NeedDate, new MoneyValue(r.EstimatedValue, r.Currency),
                        new MoneyValue(premium, r.Currency), r.Category, "expedite", supplier?.Risk ?? "unknown", r.CostObject, disruption.Id,
                        r.ApprovalInstance is null ? "policy" : "requisition-approval");
                    Publish(tx, EventTypes.PlanningRequisitionCreated, r.Number, r.Plant, JsonSerializer.Serialize(data, EventJson.Default.PlanningRequisitionCreated),
                        [new("requisition", r.Number, "created"), new("item", r.Item!, "requested"), new("disruption", disruption.Id, "caused-by"), new("plant", r.Plant, "at")]);
                }
            }
        }

        // 5. Schedule changes: events, WMS instructions, expected efficiency variance.
        var efficiency = 0m;
        foreach (var (order, schedulePlan, earlier, after) in moved)
        {
            var moves = new List<OperationMove>();
            var links = new List<ObjectLink> { new("production-order", order.Number, "rescheduled"), new("plant", order.Plant, "at") };
            for (var k = 0; k < after.Operations.Length; k++)
            {
                var a = after.Operations[k];
                var b = earlier.Operations[k];
                if (a.WorkCenter == b.WorkCenter && Math.Abs(a.Start - b.Start) <= 1 && Math.Abs(a.Finish - b.Finish) <= 1)
                    continue;
                var from = capacities[b.WorkCenter];
                var to = capacities[a.WorkCenter];
                moves.Add(new OperationMove(schedulePlan.Operations[k].Operation, from.Code, to.Code, to.Plant, At(a.Start), At(a.Finish)));
                if (!links.Any(l => l.Id == to.Code))
                    links.Add(new ObjectLink("work-center", to.Code, "planned-on"));
                if (a.WorkCenter != b.WorkCenter && view.WorkCenter(from.Code) is { } wf && view.WorkCenter(to.Code) is { } wt)
                    efficiency += (a.Minutes * wt.MachineRatePerHour / 60m) - (b.Minutes * wf.MachineRatePerHour / 60m);
            }

            if (trigger.Disruption is { } d)
                links.Add(new ObjectLink("disruption", d.Id, "caused-by"));
            var data = new OrderRescheduled(order.Number, order.Plant, trigger.Disruption?.Id, order.DueDate, At(earlier.Finish), At(after.Finish),
                decimal.Round(after.LateMinutes / 60m, 2), moves);
            Publish(tx, EventTypes.OrderRescheduled, order.Number, order.Plant, JsonSerializer.Serialize(data, EventJson.Default.OrderRescheduled), links);

            // The WMS picks for where the order's material is needed now.
            var materialBefore = beforePlantOf[order.Number];
            var (materialNow, day) = workPlantOf[order.Number];
            AllocationUpdate? update = null;
            if (materialBefore == order.Plant && materialNow != order.Plant)
                update = await allocations.WithdrawAsync(tx, order.Plant, order.Number, $"Order {order.Number} moved to {materialNow} ({trigger.Kind} {trigger.Disruption?.WorkCenter}).", ct);
            else if (materialBefore != order.Plant && materialNow == order.Plant && structures.TryGetValue(order.Plant, out var home))
                update = await allocations.InstructAsync(tx, order.Plant, order.Number,
                    [.. order.Components.Where(c => c.Open > 0 && home.Items.ContainsKey(c.Item)).Select(c => (c.Item, c.Open, home.Items[c.Item].BaseUnit))], today.AddDays(day), ct);
            if (update is { } u && (u.Cancelled.Count + u.Instructed.Count) > 0)
            {
                // The WMS instructions name what caused them: the disruption, the re-plan and the order it moved, so the
                // object graph reads disruption → plan run → allocation (and each allocation's pick events follow it).
                Log(tx, "takt.planning.allocations-updated.v1", order.Number, order.Plant,
                    JsonSerializer.Serialize(new { order = order.Number, cancelled = u.Cancelled, instructed = u.Instructed, disruption = trigger.Disruption?.Id, planRun = runId, movedTo = materialNow }),
                    [new("production-order", order.Number, "allocated-for"), new("plan-run", runId, "instructed-by"),
                        .. trigger.Disruption is { } cause ? new[] { new ObjectLink("disruption", cause.Id, "caused-by") } : [],
                        .. u.Cancelled.Select(a => new ObjectLink("allocation", a, "cancelled")),
                        .. u.Instructed.Select(a => new ObjectLink("allocation", a, "instructed"))]);
            }
        }

        // 6. Expected cost variance as accrual proposals (finance sees it before month end).
        var accrualIds = new List<string>();
        efficiency = decimal.Round(Math.Max(0m, efficiency), 2, MidpointRounding.AwayFromZero);
        if (trigger is { Kind: "machine-down", Disruption: { } down } && view.Plant(down.Plant) is { } disruptedPlant)
        {
            var postingDate = disruptedPlant.DateOf(now);
            foreach (var (category, amount, what) in new[] { ("freight", freight, "premium freight of expedites"), ("efficiency", efficiency, "efficiency variance of operations on alternate work centers") })
            {
                if (amount <= 0)
                    continue;
                var proposed = await accruals.ProposeAsync(tx, new AccrualProposal(disruptedPlant.Company.Code, down.Plant, postingDate, category, new Money(amount, disruptedPlant.Company.Currency),
                    $"Expected {what} after {down.WorkCenter} went down ({down.Id})", options.Actor, null, $"disruption:{down.Id}"), ct);
                if (proposed.IsRejected)
                    return Outcome<PlanRunView>.FromViolations(proposed.Violations);
                accrualIds.Add(proposed.Value.Id);
            }

            var variance = new CostVarianceExpected(down.Id, down.Plant, new MoneyValue(efficiency, disruptedPlant.Company.Currency.Code), new MoneyValue(freight, disruptedPlant.Company.Currency.Code), accrualIds);
            Publish(tx, EventTypes.CostVarianceExpected, down.Id, down.Plant, JsonSerializer.Serialize(variance, EventJson.Default.CostVarianceExpected),
                [new("disruption", down.Id, "costed"), new("plant", down.Plant, "at"), .. accrualIds.Select(a => new ObjectLink("accrual", a, "proposed"))]);
            currency = disruptedPlant.Company.Currency;
        }

        // 7. The run and the disruption's KPI instants.
        var committed = tx.Clock.GetUtcNow();
        tx.Stage("INSERT INTO planning_run (id, kind, trigger_kind, disruption, started_at_us, committed_at_us, items_planned, planned_orders, requisitions, orders_rescheduled, late_orders) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            runId, regenerative ? "regenerative" : "net-change", trigger.Kind, trigger.Disruption?.Id, now.ToUnixMicroseconds(), committed.ToUnixMicroseconds(), (long)itemsPlanned, (long)plannedOrders,
            (long)requisitions.Count, (long)moved.Count, (long)late);
        if (trigger.Disruption is { } dis)
        {
            if (trigger.Kind == "machine-down")
            {
                tx.Stage("UPDATE planning_disruption SET committed_at_us = $1, affected_orders = $2, late_orders = $3, max_delay_minutes = $4, requisitions = $5, efficiency_e4 = $6, freight_e4 = $7, currency = $8 WHERE id = $9",
                    committed.ToUnixMicroseconds(), (long)moved.Count, (long)moved.Count(m => m.After.LateMinutes > 0), moved.Count == 0 ? 0L : moved.Max(m => m.After.LateMinutes),
                    (long)requisitions.Count, Fixed.ToE4(efficiency), Fixed.ToE4(freight), currency.Code, dis.Id);
            }
            else
            {
                tx.Stage("UPDATE planning_disruption SET replanned_up_at_us = $1 WHERE id = $2", committed.ToUnixMicroseconds(), dis.Id);
            }
        }

        var run = new PlanRunView(runId, regenerative ? "regenerative" : "net-change", trigger.Kind, trigger.Disruption?.Id, plants, itemsPlanned, plannedOrders, requisitions.Count, moved.Count, late, committed);
        var committedData = new PlanCommitted(runId, run.Kind, trigger.Kind, trigger.Disruption?.Id, plants, itemsPlanned, plannedOrders, requisitions.Count, moved.Count, late);
        Publish(tx, EventTypes.PlanCommitted, runId, plants[0], JsonSerializer.Serialize(committedData, EventJson.Default.PlanCommitted),
            [new("plan-run", runId, "committed"), .. plants.Select(p => new ObjectLink("plant", p, "planned")), .. trigger.Disruption is { } dd ? new[] { new ObjectLink("disruption", dd.Id, "replanned") } : []]);
        return run;
    }

    private void Publish(StoreTransaction tx, string type, string subject, string plant, string data, IReadOnlyList<ObjectLink> objects)
    {
        var now = tx.Clock.GetUtcNow();
        var id = Uuid7.New(now).ToString();
        intelligence.Append(tx, new ProcessEventDraft(type, Source, id, plant, now, data, 0, objects));
        outbox.Enqueue(tx, new OutboxMessage(id, type, Source, subject, plant, now, data));
    }

    private void Log(StoreTransaction tx, string type, string subject, string plant, string data, IReadOnlyList<ObjectLink> objects)
    {
        var now = tx.Clock.GetUtcNow();
        intelligence.Append(tx, new ProcessEventDraft(type, Source, Uuid7.New(now).ToString() + "/" + subject, plant, now, data, 0, objects));
    }

    internal static string Format(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
