using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Takt.Contracts;
using Takt.Intelligence;
using Takt.Inventory;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Orchestration;
using Takt.Store;

namespace Takt.Procurement;

/// <summary>Requisitions: checked, numbered, routed for approval (threshold, matrix, budget) and stored with the routing's explanation.</summary>
internal sealed partial class ProcurementService(
    IMasterData masterData,
    IOrchestration orchestration,
    ILedger ledger,
    IInventory inventory,
    IIntelligence intelligence,
    Outbox outbox,
    ApprovalRouting routing,
    ProcurementOptions options) : IProcurement
{
    public const string Source = "/takt/procurement";

    private const string RequisitionColumns = "number, kind, status, plant, item, service, quantity_e6, unit, need_date, cost_object, category, value_e4, currency, supplier, urgency, reason, disruption, requester, routing, over_budget, approval_instance, purchase_order, created_at_us, decided_at_us";

    public async Task<Outcome<RequisitionView>> CreateRequisitionAsync(StoreTransaction tx, RequisitionDraft draft, CancellationToken ct)
    {
        var created = await CreateRequisitionsAsync(tx, [draft], ct);
        return created.IsRejected ? Outcome<RequisitionView>.FromViolations(created.Violations) : created.Value[0];
    }

    /// <summary>Creates requisitions in one transaction (the benchmark and planning create many); all or none.</summary>
    public async Task<Outcome<IReadOnlyList<RequisitionView>>> CreateRequisitionsAsync(StoreTransaction tx, IReadOnlyList<RequisitionDraft> drafts, CancellationToken ct)
    {
        var view = await masterData.LoadAsync(tx, drafts.Select(d => d.Plant ?? "").Distinct().ToList(), drafts.Select(d => d.Item).OfType<string>().Distinct().ToList(), [], ct);
        var suppliers = new Dictionary<string, SupplierView?>(StringComparer.Ordinal);
        var errors = new List<Violation>();
        for (var i = 0; i < drafts.Count; i++)
        {
            var prefix = drafts.Count == 1 ? "" : $"/requisitions/{i}";
            var draft = drafts[i];
            foreach (var v in Check(draft, view))
                errors.Add(v with { Field = prefix + v.Field });
            if (draft.Supplier is { } s && !suppliers.ContainsKey(s))
                suppliers[s] = await SupplierAsync(tx, s, ct);
            if (draft.Supplier is { } code && suppliers[code] is null)
                errors.Add(new Violation(prefix + "/supplier", "requisition.supplier-unknown", $"Supplier '{code}' does not exist."));
        }

        if (errors.Count > 0)
            return errors.ToArray();

        var now = tx.Clock.GetUtcNow();
        var first = await NextAsync(tx, "requisition", drafts.Count, ct);
        var result = new List<RequisitionView>(drafts.Count);
        for (var i = 0; i < drafts.Count; i++)
        {
            var draft = drafts[i];
            var number = $"RQ-{first + i:0000000}";
            var supplier = draft.Supplier is null ? null : suppliers[draft.Supplier];
            var decided = await routing.DecideAsync(tx, new ApprovalRouting.Purchase(
                "requisition", number, draft.Plant, draft.Category, draft.EstimatedValue, draft.Urgency ?? (draft.Kind == RequisitionKinds.Expedite ? "expedite" : "normal"),
                supplier?.Risk ?? "unknown", draft.CostObject, null,
                drafts.Take(i).Where(d => d.Plant == draft.Plant && d.Category == draft.Category).Sum(d => d.EstimatedValue.Amount)), ct);
            if (decided.IsRejected)
                return Outcome<IReadOnlyList<RequisitionView>>.FromViolations(decided.Violations);
            var decision = decided.Value;
            string? instance = null;
            if (decision.NeedsFlow)
            {
                var started = await orchestration.StartAsync(tx, new StartFlow(options.ApprovalFlow, draft.Plant, draft.Requester, decision.Variables), ct);
                if (started.IsRejected)
                    return Outcome<IReadOnlyList<RequisitionView>>.FromViolations(started.Violations);
                instance = started.Value.Id;
            }

            var status = decision.NeedsFlow ? "pending-approval" : "approved";
            tx.Stage(
                $"INSERT INTO proc_requisition ({RequisitionColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
                number, draft.Kind, status, draft.Plant, draft.Item, draft.Service, Fixed.ToE6(draft.Quantity), draft.Unit, draft.NeedDate.ToDateKey(), draft.CostObject, draft.Category,
                Fixed.ToE4(draft.EstimatedValue.Amount), draft.EstimatedValue.Currency.Code, draft.Supplier, draft.Urgency, draft.Reason, draft.Disruption, draft.Requester,
                JsonSerializer.Serialize(decision.Explanations), decision.OverBudget ? 1L : 0L, instance, null, now.ToUnixMicroseconds(), decision.NeedsFlow ? null : now.ToUnixMicroseconds());
            var objects = new List<ObjectLink> { new("plant", draft.Plant, "at"), new("requisition", number, "created") };
            if (draft.Item is not null)
                objects.Add(new ObjectLink("item", draft.Item, "requested"));
            if (draft.Disruption is not null)
                objects.Add(new ObjectLink("disruption", draft.Disruption, "caused-by"));
            Log(tx, "takt.procurement.requisition-created.v1", number, draft.Plant, new { number, kind = draft.Kind, status, value = draft.EstimatedValue.Amount, currency = draft.EstimatedValue.Currency.Code, routing = decision.Explanations }, objects);
            if (!decision.NeedsFlow)
                Log(tx, "takt.procurement.requisition-approved.v1", number, draft.Plant, new { number, by = "policy" }, [new("plant", draft.Plant, "at"), new("requisition", number, "approved")]);
            result.Add(new RequisitionView(number, draft.Kind, status, draft.Plant, draft.Item, draft.Service, draft.Quantity, draft.Unit, draft.NeedDate, draft.CostObject, draft.Category,
                draft.EstimatedValue.Amount, draft.EstimatedValue.Currency.Code, draft.Supplier, draft.Urgency, draft.Reason, draft.Disruption, draft.Requester, decision.Explanations,
                decision.OverBudget, instance, null, now, decision.NeedsFlow ? null : now));
        }

        return result;
    }

    private static List<Violation> Check(RequisitionDraft draft, MasterDataView view)
    {
        var errors = new List<Violation>();
        if (draft.Kind is not (RequisitionKinds.Manual or RequisitionKinds.Planning or RequisitionKinds.Expedite))
            errors.Add(new Violation("/kind", "requisition.kind-unknown", "kind is manual, planning or expedite."));
        var plant = view.Plant(draft.Plant ?? "");
        if (plant is null)
            errors.Add(new Violation("/plant", "requisition.plant-unknown", $"Plant '{draft.Plant}' does not exist."));
        if ((draft.Item is null) == string.IsNullOrWhiteSpace(draft.Service))
            errors.Add(new Violation("/item", "requisition.item-or-service", "A requisition names either an item or a service (one of them)."));
        var item = draft.Item is null ? null : view.Item(draft.Item);
        if (draft.Item is not null && item is null)
            errors.Add(new Violation("/item", "requisition.item-unknown", $"Item '{draft.Item}' does not exist."));
        if (draft.Quantity <= 0)
            errors.Add(new Violation("/quantity", "requisition.quantity-positive", "quantity is greater than 0."));
        else if (decimal.Round(draft.Quantity, 6) != draft.Quantity)
            errors.Add(new Violation("/quantity", "quantity.precision", "quantity has at most 6 decimals."));
        if (!UnitOfMeasure.TryParse(draft.Unit, out _))
            errors.Add(new Violation("/unit", "unit.unknown", $"'{draft.Unit}' is not a known UN/ECE Rec 20 unit."));
        else if (item is not null && item.BaseUnit.Code != draft.Unit)
            errors.Add(new Violation("/unit", "requisition.unit-mismatch", $"Item {item.Number} is kept in {item.BaseUnit.Code}; order it in {item.BaseUnit.Code} (no implicit conversion)."));
        if (string.IsNullOrWhiteSpace(draft.CostObject))
            errors.Add(new Violation("/costObject", "requisition.cost-object-required", "Name the cost object (cost center, order or project) the spend is for."));
        if (string.IsNullOrWhiteSpace(draft.Category))
            errors.Add(new Violation("/category", "requisition.category-required", "Name the spend category (direct, indirect, MRO, …)."));
        if (string.IsNullOrWhiteSpace(draft.Requester))
            errors.Add(new Violation("/requester", "requisition.requester-required", "Name the requester (segregation of duties keeps them from approving)."));
        if (draft.EstimatedValue.Amount < 0)
            errors.Add(new Violation("/estimatedValue/amount", "requisition.value-negative", "The estimated value cannot be negative."));
        else if (draft.EstimatedValue != draft.EstimatedValue.RoundToMinorUnits())
            errors.Add(new Violation("/estimatedValue/amount", "money.precision", $"The estimated value has at most {draft.EstimatedValue.Currency.MinorUnits} decimals in {draft.EstimatedValue.Currency.Code}."));
        if (plant is not null && draft.EstimatedValue.Currency != plant.Company.Currency)
            errors.Add(new Violation("/estimatedValue/currency", "requisition.currency-not-company", $"Estimate the value in the company currency {plant.Company.Currency.Code} (approval limits are in it)."));
        if (draft.Kind == RequisitionKinds.Expedite)
        {
            if (string.IsNullOrWhiteSpace(draft.Urgency))
                errors.Add(new Violation("/urgency", "requisition.expedite-urgency-required", "An expedite names its urgency."));
            if (string.IsNullOrWhiteSpace(draft.Reason))
                errors.Add(new Violation("/reason", "requisition.expedite-reason-required", "An expedite says why it is needed (reason)."));
            if (string.IsNullOrWhiteSpace(draft.Disruption))
                errors.Add(new Violation("/disruption", "requisition.expedite-disruption-required", "An expedite names the disruption that caused it."));
        }

        return errors;
    }

    public async Task<RequisitionView?> RequisitionAsync(StoreTransaction transaction, string number, CancellationToken ct)
    {
        await using var reader = await transaction.Command($"SELECT {RequisitionColumns} FROM proc_requisition WHERE number = $1", number).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadRequisition(reader) : null;
    }

    public static async Task<IReadOnlyList<RequisitionView>> RequisitionsAsync(StoreTransaction transaction, string? plant, string? status, int limit, CancellationToken ct)
    {
        var list = new List<RequisitionView>();
        await using var reader = await transaction.Command(
            $"SELECT {RequisitionColumns} FROM proc_requisition WHERE ($1 = '' OR plant = $1) AND ($2 = '' OR status = $2) ORDER BY number DESC LIMIT $3",
            plant ?? "", status ?? "", (long)limit).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(ReadRequisition(reader));
        return list;
    }

    private static RequisitionView ReadRequisition(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Text(r, 4), Text(r, 5), Fixed.FromE6(r.GetInt64(6)), r.GetString(7), Instants.FromDateKey((int)r.GetInt64(8)),
        r.GetString(9), r.GetString(10), Fixed.FromE4(r.GetInt64(11)), r.GetString(12), Text(r, 13), Text(r, 14), Text(r, 15), Text(r, 16), r.GetString(17),
        JsonSerializer.Deserialize<List<string>>(r.GetString(18)) ?? [], r.GetInt64(19) != 0, Text(r, 20), Text(r, 21),
        Instants.FromUnixMicroseconds(r.GetInt64(22)), r.IsDBNull(23) ? null : Instants.FromUnixMicroseconds(r.GetInt64(23)));

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>Reserves <paramref name="count"/> numbers of a sequence; returns the first.</summary>
    private static async Task<long> NextAsync(StoreTransaction tx, string name, int count, CancellationToken ct)
    {
        var last = Convert.ToInt64(await tx.Command(
            "INSERT INTO proc_counter (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = proc_counter.value + excluded.value RETURNING value",
            name, (long)count).ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        return last - count + 1;
    }

    private void Log(StoreTransaction tx, string type, string subject, string plant, object data, IReadOnlyList<ObjectLink> objects, int journalEntries = 0) =>
        intelligence.Append(tx, new ProcessEventDraft(type, Source, Uuid7.New(tx.Clock.GetUtcNow()).ToString(), plant, tx.Clock.GetUtcNow(),
            JsonSerializer.Serialize(data, ProcurementJson.Options), journalEntries, objects));
}

internal static class ProcurementJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
