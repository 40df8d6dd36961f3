using System.Text.Json;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Intelligence;
using Takt.Ledger;
using Takt.MasterData;
using Takt.Store;

namespace Takt.Inventory.Stock;

/// <summary>Movement kinds a material document line can have.</summary>
internal static class MovementKind
{
    public const string Receipt = "receipt";
    public const string Issue = "issue";
    public const string Transfer = "transfer";
    public const string StatusChange = "status-change";
    public const string Adjustment = "adjustment";
    public const string Return = "return";

    public static readonly string[] All = [Receipt, Issue, Transfer, StatusChange, Adjustment, Return];

    /// <summary>
    /// The account-determination movement key of a line (DESIGN §3: determination is data per plant, movement and
    /// item class). Transfers and status changes inside a plant keep the value where it is: no key, no entry.
    /// </summary>
    public static string? PostingKey(string kind, decimal signedQuantity) => kind switch
    {
        Receipt => "goods-receipt",
        Issue => "goods-issue",
        Return => "goods-return",
        Adjustment => signedQuantity > 0 ? "stock-adjustment-gain" : "stock-adjustment-loss",
        _ => null,
    };

    /// <summary>The movement type recorded on the stock movement row.</summary>
    public static string MovementType(string kind, decimal signedQuantity) =>
        PostingKey(kind, signedQuantity) ?? (kind == Transfer ? "stock-transfer" : "stock-status-change");
}

/// <summary>One line of a material document, quantities in the item's base unit.</summary>
/// <remarks>Kind: A <see cref="MovementKind"/>.</remarks>
/// <remarks>Quantity: Positive; signed for adjustments (negative takes stock away).</remarks>
/// <remarks>Field: JSON Pointer of the line in the request, for errors.</remarks>
internal sealed record MovementLine(
    string Kind,
    string Item,
    decimal Quantity,
    string Location,
    string Lot,
    string Status,
    string? ToLocation,
    string? ToLot,
    string? ToStatus,
    string? Order,
    string Field,
    string? Unit = null,
    string? Key = null);

/// <summary>A material document: its lines move stock and post together, in the caller's transaction.</summary>
/// <remarks>SourceType: The canonical type of the cause (an API request posts as <c>takt.inventory.stock-moved.v1</c>).</remarks>
/// <remarks>SourceId: The cause's id (the document id for API requests, the CloudEvents id for WMS confirmations).</remarks>
/// <remarks>DateField: JSON Pointer of the posting date, for errors.</remarks>
internal sealed record MovementDocument(
    string Plant,
    DateOnly? PostingDate,
    string SourceType,
    string SourceId,
    string Origin,
    DateTimeOffset EventTime,
    IReadOnlyList<MovementLine> Lines,
    string DateField = "/postingDate",
    string PlantField = "/plant");

/// <summary>What a posted document changed.</summary>
public sealed record PostedDocument(string Document, string Plant, DateOnly PostingDate, string? JournalEntry, IReadOnlyList<string> Movements, decimal Value, string Currency)
{
    /// <summary>The document's process-log event.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string ProcessEvent { get; init; } = "";

    /// <summary>The quantity the document's lines took from (or brought to) their first place, in base units.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public decimal Quantity { get; init; }
}

/// <summary>
/// What posting needs for some plants and items, read once inside the writer's transaction (after the stock
/// locks): master data, posting rules and the stock books. A batch of documents (a gateway batch of WMS
/// confirmations) shares one context; each posted document updates the books, so later checks see it.
/// </summary>
internal sealed class StockContext(MasterDataView view, PostingRules rules, IReadOnlyDictionary<string, StockBook> books, MovementFallbacks? fallbacks = null)
{
    /// <summary>Open transfers recorded by hand (manual fallback) of the context's plants and items, if any.</summary>
    public MovementFallbacks? Fallbacks => fallbacks;

    public MasterDataView View => view;

    public PostingRules Rules => rules;

    public StockBook? Book(string plant) => books.GetValueOrDefault(plant);
}

/// <summary>
/// Posts material documents: checks every line (items, costs, locations, statuses, negative stock per plant setting,
/// open period, account determination) before anything is staged, then stages the movements, the balanced journal
/// entry, the process-log event and the outgoing events in the caller's one transaction (DESIGN §2.1, §2.2, §3).
/// </summary>
internal sealed class StockPosting(IMasterData masterData, ILedger ledger, IInventory inventory, IIntelligence intelligence, Outbox outbox)
{
    /// <summary>
    /// Locks the items' stock and reads what posting them needs. The open hand-recorded transfers are read only when
    /// <paramref name="transfers"/> says documents of the context may have transfer lines (only those are matched to them).
    /// </summary>
    public async Task<StockContext> OpenAsync(StoreTransaction tx, IReadOnlyCollection<(string Plant, string Item)> keys, CancellationToken ct, bool transfers = true)
    {
        var books = new Dictionary<string, StockBook>(StringComparer.Ordinal);
        foreach (var plant in keys.Select(k => k.Plant).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var items = keys.Where(k => k.Plant == plant).Select(k => k.Item).Distinct(StringComparer.Ordinal).ToList();
            await StockLocks.TakeAsync(tx, plant, items, ct);
            books[plant] = await StockBook.LoadAsync(tx, plant, items, ct);
        }

        var allItems = keys.Select(k => k.Item).Distinct(StringComparer.Ordinal).ToList();
        var view = await masterData.LoadAsync(tx, [.. books.Keys], allItems, [], ct);
        var fallbacks = transfers ? await MovementFallbacks.LoadAsync(tx, books.Keys, allItems, ct) : null;
        return new StockContext(view, await ledger.LoadRulesAsync(tx, ct), books, fallbacks);
    }

    public async Task<Outcome<PostedDocument>> PostAsync(StoreTransaction tx, MovementDocument doc, CancellationToken ct)
    {
        var transfers = doc.Origin != MovementFallbacks.Origin && doc.Lines.Any(l => l.Kind == MovementKind.Transfer);
        var context = await OpenAsync(tx, [.. doc.Lines.Select(l => (doc.Plant, l.Item))], ct, transfers);
        return Post(tx, context, doc);
    }

    public Outcome<PostedDocument> Post(StoreTransaction tx, StockContext context, MovementDocument doc)
    {
        var view = context.View;
        var rules = context.Rules;
        if (view.Plant(doc.Plant) is not { } plant || context.Book(doc.Plant) is not { } book)
            return new Violation(doc.PlantField, "plant.unknown", $"Plant '{doc.Plant}' does not exist.");
        var postingDate = doc.PostingDate ?? plant.DateOf(tx.Clock.GetUtcNow());
        var currency = plant.Company.Currency;

        var violations = new List<Violation>();
        var staged = new List<(MovementLine Line, Item Item, StockMovementDraft Draft)>();
        var pairs = new List<PostingPair>();
        var documentId = Uuid7.New(tx.Clock.GetUtcNow()).ToString();
        var deltas = new Dictionary<(string Location, string Item, string Lot, string Status), decimal>();
        // Manual fallback: transfer lines of a system document already recorded by hand move only the rest.
        var matches = new List<MovementFallbacks.Match>();
        var pending = new Dictionary<string, decimal>(StringComparer.Ordinal);
        decimal? firstQuantity = null;
        void Move(StockMovementDraft d) => deltas[(d.Location, d.Item, d.Lot, d.Status)] = deltas.GetValueOrDefault((d.Location, d.Item, d.Lot, d.Status)) + d.Quantity.Value;
        foreach (var line in doc.Lines)
        {
            if (!MovementKind.All.Contains(line.Kind))
            {
                violations.Add(new Violation(line.Field + "/kind", "movement.kind-unknown", $"'{line.Kind}' is not a movement kind: {string.Join(", ", MovementKind.All)}."));
                continue;
            }

            if (view.Item(line.Item) is not { } item)
            {
                violations.Add(new Violation(line.Field + "/item", "item.unknown", $"Item '{line.Item}' does not exist."));
                continue;
            }

            if (view.StandardCost(plant.Code, item.Number) is not { } cost)
            {
                violations.Add(new Violation(line.Field + "/item", "item.not-costed", $"Item {item.Number} has no standard cost at plant {plant.Code}."));
                continue;
            }

            var before = violations.Count;
            var quantity = line.Unit is null ? line.Quantity
                : QuantityInput.Convert(new QuantityValue(line.Quantity, line.Unit), item.BaseUnit, line.Field + "/quantity", violations, signed: line.Kind == MovementKind.Adjustment) ?? 0m;
            CheckPlace(book, line.Location, line.Status, line.Field + "/location", line.Field + "/status", violations);
            if (line.Kind is MovementKind.Transfer or MovementKind.StatusChange)
            {
                CheckPlace(book, line.ToLocation ?? line.Location, line.ToStatus ?? line.Status, line.Field + "/toLocation", line.Field + "/toStatus", violations);
                if (line.Kind == MovementKind.Transfer && line.ToStatus is not null && line.ToStatus != line.Status)
                    violations.Add(new Violation(line.Field + "/toStatus", "movement.transfer-keeps-status", "A transfer keeps the stock status; use a status change."));
                else if (line.Kind == MovementKind.StatusChange && (line.ToStatus is null || line.ToStatus == line.Status))
                    violations.Add(new Violation(line.Field + "/toStatus", "movement.status-unchanged", "A status change names a new status."));
                else if ((line.ToLocation ?? line.Location) == line.Location && (line.ToLot ?? line.Lot) == line.Lot && (line.ToStatus ?? line.Status) == line.Status)
                    violations.Add(new Violation(line.Field + "/toLocation", "movement.no-change", "A transfer moves stock to another location or lot."));
            }

            if (violations.Count > before)
                continue;

            firstQuantity ??= Math.Abs(quantity);
            if (line.Kind == MovementKind.Transfer && doc.Origin != MovementFallbacks.Origin
                && context.Fallbacks?.Find(plant.Code, item.Number, line.Location, line.ToLocation ?? line.Location, line.Lot, line.Status, doc.EventTime, Math.Abs(quantity), pending) is { } match)
            {
                matches.Add(match);
                pending[match.Entry.Id] = pending.GetValueOrDefault(match.Entry.Id) + match.Covered;
                quantity = match.Extra;
                if (quantity == 0m)
                    continue;
            }

            var signed = line.Kind is MovementKind.Issue or MovementKind.Transfer or MovementKind.StatusChange ? -Math.Abs(quantity)
                : line.Kind == MovementKind.Adjustment ? quantity
                : Math.Abs(quantity);
            var value = new Money(Math.Abs(cost * signed), currency).RoundToMinorUnits();
            var signedValue = signed < 0 ? value * -1m : value;
            var type = line.Key ?? MovementKind.MovementType(line.Kind, signed);
            var origin = new StockMovementDraft(type, plant.Code, item.Number, new Quantity(signed, item.BaseUnit), signedValue, line.Order, null, postingDate, doc.SourceId, line.Location, line.Lot, line.Status, documentId);
            staged.Add((line, item, origin));
            Move(origin);
            if (line.Kind is MovementKind.Transfer or MovementKind.StatusChange)
            {
                // DESIGN §3: inside a plant the standard cost is the same wherever the stock lies: the value moves
                // with the quantity and nothing is posted.
                var to = origin with
                {
                    Quantity = new Quantity(-signed, item.BaseUnit),
                    Value = value,
                    Location = line.ToLocation ?? line.Location,
                    Lot = line.ToLot ?? line.Lot,
                    Status = line.ToStatus ?? line.Status,
                };
                staged.Add((line, item, to));
                Move(to);
            }
            else if ((line.Key ?? MovementKind.PostingKey(line.Kind, signed)) is { } key && value.Amount != 0m)
            {
                pairs.Add(new PostingPair(key, item.ItemClass, value, line.Field + "/quantity", line.Order, item.Number));
            }
        }

        if (violations.Count == 0 && !book.AllowNegative)
        {
            foreach (var (line, item, draft) in staged.Where(s => s.Draft.Quantity.Value < 0))
            {
                var left = book.Quantity(draft.Location, item.Number, draft.Lot, draft.Status) + deltas[(draft.Location, item.Number, draft.Lot, draft.Status)];
                if (left < 0 && !violations.Any(v => v.Field == line.Field + "/quantity"))
                {
                    violations.Add(new Violation(line.Field + "/quantity", "stock.negative",
                        $"Plant {plant.Code} does not allow negative stock: {item.Number} at location '{draft.Location}', lot '{draft.Lot}', {draft.Status} would be {left} {item.BaseUnit.Code}."));
                }
            }
        }

        if (violations.Count > 0)
            return violations.ToArray();

        PreparedEntry? entry = null;
        if (pairs.Count > 0)
        {
            var prepared = ledger.Prepare(rules, new JournalEntryDraft(
                plant.Company.Code, plant.Code, currency, postingDate, "material-document",
                new PostingSource(doc.SourceType, doc.SourceId, doc.Origin, doc.EventTime, doc.DateField), pairs));
            if (prepared.IsRejected)
                return Outcome<PostedDocument>.FromViolations(prepared.Violations);
            entry = prepared.Value;
        }
        else if (!rules.IsOpen(plant.Company.Code, postingDate))
        {
            return new Violation(doc.DateField, "period.closed", $"Posting period {postingDate:yyyy-MM} of company {plant.Company.Code} is not open (posting date {postingDate:yyyy-MM-dd}).");
        }

        foreach (var ((location, item, lot, status), quantity) in deltas)
            book.Add(location, item, lot, status, quantity);
        JournalEntryId? journalEntry = entry is null ? null : ledger.Stage(tx, entry);
        var movements = new List<string>(staged.Count);
        var now = tx.Clock.GetUtcNow();
        foreach (var (line, item, draft) in staged)
        {
            var id = inventory.Stage(tx, draft with { JournalEntry = journalEntry });
            movements.Add(id.ToString());
            var moved = new StockMoved(id.Value, plant.Code, item.Number, draft.MovementType, new QuantityValue(draft.Quantity.Value, item.BaseUnit.Code), journalEntry?.Value, line.Order);
            outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.StockMoved, "/takt/inventory", $"{plant.Code}/{item.Number}", plant.Code, now,
                JsonSerializer.Serialize(moved, EventJson.Default.StockMoved)));
        }

        foreach (var match in matches)
            MovementFallbacks.Stage(tx, match, doc, documentId);
        var objects = new List<ObjectLink> { new("plant", plant.Code, "at") };
        objects.AddRange(matches.Select(m => new ObjectLink("fallback-movement", m.Entry.Id, "matched-to")));
        objects.AddRange(staged.Select(s => s.Item.Number).Distinct(StringComparer.Ordinal).Select(i => new ObjectLink("item", i, "moved")));
        objects.AddRange(movements.Select(m => new ObjectLink("stock-movement", m, "moved-as")));
        objects.AddRange(staged.Where(s => s.Line.Order is not null).Select(s => s.Line.Order!).Distinct(StringComparer.Ordinal).Select(o => new ObjectLink("production-order", o, "for")));
        if (journalEntry is { } je)
            objects.Add(new ObjectLink("journal-entry", je.ToString(), "posted-as"));
        var data = JsonSerializer.Serialize(new DocumentData(documentId, plant.Code, postingDate.Format(),
            [.. staged.Select(s => new DocumentLineData(s.Line.Kind, s.Item.Number, s.Draft.Quantity.Value, s.Item.BaseUnit.Code, s.Draft.Location, s.Draft.Lot, s.Draft.Status))]), InventoryJson.Default.DocumentData);
        var processEvent = intelligence.Append(tx, new ProcessEventDraft(doc.SourceType, doc.Origin, doc.SourceId, plant.Code, doc.EventTime, data, journalEntry is null ? 0 : 1, objects));
        if (entry is not null && journalEntry is { } posted)
        {
            var postedData = new JournalEntryPosted(posted.Value, entry.Draft.Company, plant.Code, postingDate, currency.Code, doc.SourceType, doc.Origin, doc.SourceId,
                [.. entry.Lines.Select(l => new JournalLineData(l.Account, l.Debit.Amount, l.Credit.Amount, l.Order, l.Item, l.WorkCenter))]);
            outbox.Enqueue(tx, new OutboxMessage(Uuid7.New(now).ToString(), EventTypes.JournalEntryPosted, "/takt/ledger", posted.ToString(), plant.Code, now,
                JsonSerializer.Serialize(postedData, EventJson.Default.JournalEntryPosted)));
        }

        return new PostedDocument(documentId, plant.Code, postingDate, journalEntry?.ToString(), movements, pairs.Sum(p => p.Amount.Amount), currency.Code)
        {
            ProcessEvent = processEvent.ToString(),
            Quantity = firstQuantity ?? 0m,
        };
    }

    private static void CheckPlace(StockBook book, string location, string status, string locationField, string statusField, List<Violation> violations)
    {
        if (location.Length > 0 && !book.LocationExists(location))
            violations.Add(new Violation(locationField, "location.unknown", $"Storage location '{location}' does not exist at plant {book.Plant}."));
        if (!StockStatus.IsKnown(status))
            violations.Add(new Violation(statusField, "stock.status-unknown", $"'{status}' is not a stock status: unrestricted, quality-inspection or blocked."));
    }
}

internal sealed record DocumentLineData(string Kind, string Item, decimal Quantity, string Unit, string Location, string Lot, string Status);

internal sealed record DocumentData(string Document, string Plant, string PostingDate, IReadOnlyList<DocumentLineData> Lines);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(DocumentData))]
internal sealed partial class InventoryJson : System.Text.Json.Serialization.JsonSerializerContext;
