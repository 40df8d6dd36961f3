using System.Globalization;
using Takt.Contracts;
using Takt.Store;

namespace Takt.MasterData;

/// <summary>
/// Checks a whole master-data document against itself and the database, then stages all of it — or nothing: an
/// import with any broken rule reports every violation (field = record pointer + column) and writes no row.
/// </summary>
internal static class MasterDataImport
{
    private static readonly HashSet<string> ItemTypes = new(StringComparer.Ordinal) { "raw", "semi-finished", "finished", "service" };

    /// <summary>What the database already holds, as far as the rules need it.</summary>
    internal sealed class Existing
    {
        public HashSet<string> Companies { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Plants { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, (string BaseUnit, string Type)> Items { get; } = new(StringComparer.Ordinal);
        public Dictionary<(string Item, string Unit), decimal> Conversions { get; } = [];
        public Dictionary<string, string> WorkCenters { get; } = new(StringComparer.Ordinal);
        public Dictionary<(string Plant, string Item, int Version), (int From, int To, string Status, string Content)> Boms { get; } = [];
        public Dictionary<(string Plant, string Item, int Version), List<string>> BomComponents { get; } = [];
        public Dictionary<(string Plant, string Item), decimal> StandardCosts { get; } = [];
    }

    public static async Task<Existing> LoadAsync(StoreTransaction tx, CancellationToken ct)
    {
        var e = new Existing();
        await using (var r = await tx.Command("SELECT code FROM masterdata_company").ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) e.Companies.Add(r.GetString(0));
        await using (var r = await tx.Command("SELECT code, company FROM masterdata_plant").ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) e.Plants[r.GetString(0)] = r.GetString(1);
        await using (var r = await tx.Command("SELECT number, base_unit, item_type FROM masterdata_item").ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) e.Items[r.GetString(0)] = (r.GetString(1), r.GetString(2));
        await using (var r = await tx.Command("SELECT item, unit, factor_e6 FROM masterdata_unit_conversion").ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) e.Conversions[(r.GetString(0), r.GetString(1))] = Fixed.FromE6(r.GetInt64(2));
        await using (var r = await tx.Command("SELECT code, plant FROM masterdata_work_center").ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) e.WorkCenters[r.GetString(0)] = r.GetString(1);
        await using (var r = await tx.Command("SELECT plant, item, standard_cost_e4 FROM masterdata_item_plant").ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) e.StandardCosts[(r.GetString(0), r.GetString(1))] = Fixed.FromE4(r.GetInt64(2));
        var lines = new Dictionary<(string, string, int), List<string>>();
        await using (var r = await tx.Command("SELECT plant, item, version, component, quantity_e6, unit, scrap_e6, alternate_group, alternate_rank, backflush FROM masterdata_bom_line ORDER BY plant, item, version, line_no").ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var key = (r.GetString(0), r.GetString(1), checked((int)r.GetInt64(2)));
                if (!lines.TryGetValue(key, out var list))
                    lines[key] = list = [];
                list.Add(LineContent(r.GetString(3), Fixed.FromE6(r.GetInt64(4)), r.GetString(5), Fixed.FromE6(r.GetInt64(6)), r.GetString(7), checked((int)r.GetInt64(8)), r.GetInt64(9) != 0));
                if (!e.BomComponents.TryGetValue(key, out var components))
                    e.BomComponents[key] = components = [];
                components.Add(r.GetString(3));
            }
        }

        await using (var r = await tx.Command("SELECT plant, item, version, valid_from, valid_to, base_quantity_e6, status FROM masterdata_bom").ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var key = (r.GetString(0), r.GetString(1), checked((int)r.GetInt64(2)));
                var content = HeaderContent((int)r.GetInt64(3), (int)r.GetInt64(4), Fixed.FromE6(r.GetInt64(5))) + string.Join(';', lines.GetValueOrDefault(key) ?? []);
                e.Boms[key] = ((int)r.GetInt64(3), (int)r.GetInt64(4), r.GetString(6), content);
            }
        }

        return e;
    }

    private static string HeaderContent(int from, int to, decimal baseQuantity) =>
        string.Create(CultureInfo.InvariantCulture, $"{from}|{to}|{baseQuantity:0.######}#");

    private static string LineContent(string component, decimal quantity, string unit, decimal scrap, string group, int rank, bool backflush) =>
        string.Create(CultureInfo.InvariantCulture, $"{component}|{quantity:0.######}|{unit}|{scrap:0.######}|{group}|{rank}|{backflush}");

    private static string Content(BomRecord b) =>
        HeaderContent(b.ValidFrom.ToDateKey(), b.ValidTo?.ToDateKey() ?? 0, b.BaseQuantity)
        + string.Join(';', (b.Lines ?? []).Select(l => LineContent(l.Component, l.Quantity, l.Unit, l.ScrapFactor, l.AlternateGroup ?? "", l.AlternateRank, l.Backflush)));

    /// <summary>JSON Pointer of a record: <c>/lines/{n}</c> for a CSV line, <c>/{list}/{index}</c> for JSON.</summary>
    internal static string At(int? line, string list, int index) =>
        line is { } n ? $"/lines/{n}" : $"/{list}/{index}";

    public static IReadOnlyList<Violation> Validate(MasterDataDocument d, Existing e)
    {
        var v = new List<Violation>();
        void Add(string at, string field, string rule, string detail) => v.Add(new Violation(at + "/" + field, rule, detail));
        static bool Blank(string? s) => string.IsNullOrWhiteSpace(s);

        var companies = new HashSet<string>(e.Companies, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool Unique(string at, string field, string kind, string key)
        {
            if (seen.Add(kind + "\u001f" + key))
                return true;
            v.Add(new Violation(at + "/" + field, "import.duplicate", $"{kind} {key} appears twice in the file."));
            return false;
        }

        var list = d.Companies ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            var c = list[i];
            var at = At(c.Line, "companies", i);
            if (Blank(c.Code)) { Add(at, "code", "field.required", "A company needs a code."); continue; }
            Unique(at, "code", "company", c.Code);
            if (Blank(c.Name)) Add(at, "name", "field.required", $"Company {c.Code} needs a name.");
            if (!Currency.TryParse(c.Currency, out _)) Add(at, "currency", "money.currency-unknown", $"'{c.Currency}' is not an ISO 4217 currency Takt knows.");
            if (c.FiscalYearStartMonth is < 1 or > 12) Add(at, "fiscalYearStartMonth", "company.fiscal-month-range", $"The fiscal year starts in month 1 to 12; got {c.FiscalYearStartMonth}.");
            companies.Add(c.Code);
        }

        var plants = new Dictionary<string, string>(e.Plants, StringComparer.Ordinal);
        var plantList = d.Plants ?? [];
        for (var i = 0; i < plantList.Count; i++)
        {
            var p = plantList[i];
            var at = At(p.Line, "plants", i);
            if (Blank(p.Code)) { Add(at, "code", "field.required", "A plant needs a code."); continue; }
            Unique(at, "code", "plant", p.Code);
            if (Blank(p.Name)) Add(at, "name", "field.required", $"Plant {p.Code} needs a name.");
            if (!companies.Contains(p.Company ?? "")) Add(at, "company", "company.unknown", $"Company '{p.Company}' does not exist.");
            if (Blank(p.TimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(p.TimeZone, out _)) Add(at, "timeZone", "plant.time-zone-unknown", $"'{p.TimeZone}' is not an IANA time zone.");
            if (!WorkingDaysValid(p.WorkingDays)) Add(at, "workingDays", "calendar.working-days-invalid", $"Working days are seven 1/0 characters, Monday first (1111100); got '{p.WorkingDays}'.");
            plants[p.Code] = p.Company ?? "";
        }

        var items = new Dictionary<string, (string BaseUnit, string Type)>(e.Items, StringComparer.Ordinal);
        var itemList = d.Items ?? [];
        for (var i = 0; i < itemList.Count; i++)
        {
            var it = itemList[i];
            var at = At(it.Line, "items", i);
            if (Blank(it.Number)) { Add(at, "number", "field.required", "An item needs a number."); continue; }
            Unique(at, "number", "item", it.Number);
            if (Blank(it.Description)) Add(at, "description", "field.required", $"Item {it.Number} needs a description.");
            if (!ItemTypes.Contains(it.Type ?? "")) Add(at, "type", "item.type-unknown", $"Item type is raw, semi-finished, finished or service; got '{it.Type}'.");
            if (!UnitOfMeasure.TryParse(it.BaseUnit, out _)) Add(at, "baseUnit", "unit.unknown", $"'{it.BaseUnit}' is not a UN/ECE Rec 20 unit Takt knows.");
            if (Blank(it.ItemClass)) Add(at, "itemClass", "field.required", $"Item {it.Number} needs an item class (account determination).");
            if (e.Items.TryGetValue(it.Number, out var before) && before.BaseUnit != it.BaseUnit && e.BomComponents.Values.Any(c => c.Contains(it.Number)))
                Add(at, "baseUnit", "item.base-unit-in-use", $"Item {it.Number} is a component of a BOM in {before.BaseUnit}; its base unit cannot change.");
            items[it.Number] = (it.BaseUnit ?? "", it.Type ?? "");
        }

        var conversions = new Dictionary<(string, string), decimal>(e.Conversions);
        var conversionList = d.Conversions ?? [];
        for (var i = 0; i < conversionList.Count; i++)
        {
            var c = conversionList[i];
            var at = At(c.Line, "conversions", i);
            if (!items.TryGetValue(c.Item ?? "", out var item)) { Add(at, "item", "item.unknown", $"Item '{c.Item}' does not exist."); continue; }
            Unique(at, "unit", "conversion", c.Item + "/" + c.Unit);
            if (!UnitOfMeasure.TryParse(c.Unit, out _)) Add(at, "unit", "unit.unknown", $"'{c.Unit}' is not a UN/ECE Rec 20 unit Takt knows.");
            else if (c.Unit == item.BaseUnit) Add(at, "unit", "conversion.base-unit", $"{c.Unit} is the base unit of {c.Item}; it needs no conversion.");
            if (c.Factor <= 0 || !Fixed.FitsE6(c.Factor)) Add(at, "factor", "conversion.factor-positive", $"A conversion factor is greater than 0 with at most 6 decimals; got {c.Factor}.");
            conversions[(c.Item!, c.Unit ?? "")] = c.Factor;
        }

        var centers = new Dictionary<string, string>(e.WorkCenters, StringComparer.Ordinal);
        var centerList = d.WorkCenters ?? [];
        for (var i = 0; i < centerList.Count; i++)
        {
            var w = centerList[i];
            var at = At(w.Line, "workCenters", i);
            if (Blank(w.Code)) { Add(at, "code", "field.required", "A work center needs a code."); continue; }
            Unique(at, "code", "work center", w.Code);
            if (!plants.ContainsKey(w.Plant ?? "")) Add(at, "plant", "plant.unknown", $"Plant '{w.Plant}' does not exist.");
            if (w.MachineRate < 0 || w.MachineRate != Math.Round(w.MachineRate, 4)) Add(at, "machineRate", "rate.non-negative", $"A rate is 0 or more with at most 4 decimals; got {w.MachineRate}.");
            if (w.LabourRate < 0 || w.LabourRate != Math.Round(w.LabourRate, 4)) Add(at, "labourRate", "rate.non-negative", $"A rate is 0 or more with at most 4 decimals; got {w.LabourRate}.");
            if (w.CapacityHoursPerDay is <= 0 or > 24 || !Fixed.FitsE6(w.CapacityHoursPerDay)) Add(at, "capacityHoursPerDay", "work-center.capacity-range", $"Capacity is more than 0 and at most 24 hours per working day; got {w.CapacityHoursPerDay}.");
            if (!WorkingDaysValid(w.WorkingDays)) Add(at, "workingDays", "calendar.working-days-invalid", $"Working days are seven 1/0 characters, Monday first (1111100); got '{w.WorkingDays}'.");
            centers[w.Code] = w.Plant ?? "";
        }

        bool Convertible(string item, string unit)
        {
            if (!items.TryGetValue(item, out var facts) || !UnitOfMeasure.TryParse(facts.BaseUnit, out var baseUnit) || !UnitOfMeasure.TryParse(unit, out var u))
                return false;
            return new Quantity(1m, u).TryConvertTo(baseUnit, out _) || conversions.ContainsKey((item, unit));
        }

        // BOMs: the versions after the import (imported ones replace drafts of the same number), then every check.
        // Effective dates matter for released versions only: a draft may plan a version that overlaps (it is not used).
        var versions = e.Boms.Where(b => b.Value.Status == "released").ToDictionary(b => b.Key, b => (b.Value.From, b.Value.To, At: (string?)null));
        var edges = new Dictionary<(string Plant, string Item, int Version), List<(string Component, string? At)>>();
        foreach (var (key, components) in e.BomComponents)
            edges[key] = [.. components.Select(c => (c, (string?)null))];
        var bomList = d.Boms ?? [];
        for (var i = 0; i < bomList.Count; i++)
        {
            var b = bomList[i];
            var at = At(b.Line, "boms", i);
            var key = (b.Plant ?? "", b.Item ?? "", b.Version);
            if (!Unique(at, "version", "BOM", $"{b.Plant}/{b.Item}/{b.Version}"))
                continue;
            if (!plants.ContainsKey(b.Plant ?? "")) Add(at, "plant", "plant.unknown", $"Plant '{b.Plant}' does not exist.");
            if (!items.TryGetValue(b.Item ?? "", out var parent)) Add(at, "item", "item.unknown", $"Item '{b.Item}' does not exist.");
            else if (parent.Type is not ("semi-finished" or "finished")) Add(at, "item", "bom.item-type", $"Only semi-finished and finished items have a BOM; {b.Item} is {parent.Type}.");
            if (b.Version < 1) Add(at, "version", "bom.version-positive", $"A BOM version is 1 or more; got {b.Version}.");
            if (b.ValidTo is { } to && to <= b.ValidFrom) Add(at, "validTo", "bom.validity-empty", $"validTo {to:yyyy-MM-dd} must be after validFrom {b.ValidFrom:yyyy-MM-dd}.");
            if (b.BaseQuantity <= 0 || !Fixed.FitsE6(b.BaseQuantity)) Add(at, "baseQuantity", "quantity.positive", $"The base quantity is greater than 0 with at most 6 decimals; got {b.BaseQuantity}.");
            if (b.Status is not ("draft" or "released")) Add(at, "status", "bom.status-unknown", $"A BOM is draft or released; got '{b.Status}'.");
            if (e.Boms.TryGetValue(key, out var stored) && stored.Status == "released" && stored.Content != Content(b))
                Add(at, "version", "bom.version-released", $"Version {b.Version} of the BOM of {b.Item} at {b.Plant} is released and never changes; import it as a new version.");
            var lines = b.Lines ?? [];
            if (lines.Count == 0) Add(at, "lines", "bom.lines-required", $"BOM {b.Item} version {b.Version} needs a line.");
            var groups = new Dictionary<string, int>(StringComparer.Ordinal);
            var list2 = new List<(string, string?)>();
            for (var j = 0; j < lines.Count; j++)
            {
                var l = lines[j];
                var lat = l.Line is { } n ? $"/lines/{n}" : $"{at}/lines/{j}";
                if (!items.ContainsKey(l.Component ?? "")) { Add(lat, "component", "item.unknown", $"Item '{l.Component}' does not exist."); continue; }
                if (l.Component == b.Item) Add(lat, "component", "bom.cycle", $"{b.Item} cannot be a component of itself.");
                if (l.Quantity <= 0 || !Fixed.FitsE6(l.Quantity)) Add(lat, "quantity", "quantity.positive", $"A component quantity is greater than 0 with at most 6 decimals; got {l.Quantity}.");
                if (!UnitOfMeasure.TryParse(l.Unit, out _)) Add(lat, "unit", "unit.unknown", $"'{l.Unit}' is not a UN/ECE Rec 20 unit Takt knows.");
                else if (!Convertible(l.Component!, l.Unit!)) Add(lat, "unit", "quantity.unit-not-convertible", $"{l.Unit} does not convert to {items[l.Component!].BaseUnit}, the base unit of {l.Component}, and the item has no conversion for it.");
                if (l.ScrapFactor is < 0 or >= 1 || !Fixed.FitsE6(l.ScrapFactor)) Add(lat, "scrapFactor", "bom.scrap-factor-range", $"A scrap factor is at least 0 and below 1 (0.05 = 5 %); got {l.ScrapFactor}.");
                if (l.AlternateRank < 0) Add(lat, "alternateRank", "bom.alternate-rank", $"An alternate rank is 0 (planned) or more; got {l.AlternateRank}.");
                if (!Blank(l.AlternateGroup) && l.AlternateRank == 0 && !groups.TryAdd(l.AlternateGroup!, j))
                    Add(lat, "alternateRank", "bom.alternate-primary-twice", $"Alternate group {l.AlternateGroup} has more than one line of rank 0.");
                list2.Add((l.Component!, lat + "/component"));
            }

            if (b.Status == "released")
                versions[key] = (b.ValidFrom.ToDateKey(), b.ValidTo?.ToDateKey() ?? 0, at);
            else
                versions.Remove(key);
            edges[key] = list2;
        }

        foreach (var group in versions.GroupBy(x => (x.Key.Plant, x.Key.Item)))
        {
            var ordered = group.OrderBy(x => x.Value.From).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                var prev = ordered[i - 1];
                var cur = ordered[i];
                if (prev.Value.To == 0 || prev.Value.To > cur.Value.From)
                {
                    var culprit = cur.Value.At ?? prev.Value.At;
                    if (culprit is null)
                        continue;
                    v.Add(new Violation(culprit + "/validFrom", "bom.effective-overlap",
                        $"BOM versions {prev.Key.Version} and {cur.Key.Version} of {group.Key.Item} at {group.Key.Plant} are both valid on {Instants.FromDateKey(cur.Value.From):yyyy-MM-dd}."));
                }
            }
        }

        foreach (var plantEdges in edges.GroupBy(x => x.Key.Plant))
            FindCycles(plantEdges.Key, plantEdges.ToList(), v);

        var routingList = d.Routings ?? [];
        for (var i = 0; i < routingList.Count; i++)
        {
            var r = routingList[i];
            var at = At(r.Line, "routings", i);
            Unique(at, "item", "routing", r.Plant + "/" + r.Item);
            if (!plants.ContainsKey(r.Plant ?? "")) Add(at, "plant", "plant.unknown", $"Plant '{r.Plant}' does not exist.");
            if (!items.ContainsKey(r.Item ?? "")) Add(at, "item", "item.unknown", $"Item '{r.Item}' does not exist.");
            var ops = r.Operations ?? [];
            var numbers = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < ops.Count; j++)
            {
                var o = ops[j];
                var oat = o.Line is { } n ? $"/lines/{n}" : $"{at}/operations/{j}";
                if (Blank(o.Operation) || !numbers.Add(o.Operation)) Add(oat, "operation", "routing.operation-duplicate", $"Operation '{o.Operation}' is empty or appears twice in the routing of {r.Item}.");
                if (!centers.TryGetValue(o.WorkCenter ?? "", out var centerPlant) || centerPlant != r.Plant) Add(oat, "workCenter", "work-center.unknown", $"Work center '{o.WorkCenter}' does not exist at plant {r.Plant}.");
                foreach (var (name, value) in new[] { ("setupHours", o.SetupHours), ("machineHoursPerUnit", o.MachineHoursPerUnit), ("labourHoursPerUnit", o.LabourHoursPerUnit) })
                {
                    if (value < 0 || !Fixed.FitsE6(value)) Add(oat, name, "quantity.non-negative", $"Hours are 0 or more with at most 6 decimals; got {value}.");
                }
            }
        }

        var costList = d.StandardCosts ?? [];
        for (var i = 0; i < costList.Count; i++)
        {
            var c = costList[i];
            var at = At(c.Line, "standardCosts", i);
            Unique(at, "item", "standard cost", c.Plant + "/" + c.Item);
            if (!plants.ContainsKey(c.Plant ?? "")) Add(at, "plant", "plant.unknown", $"Plant '{c.Plant}' does not exist.");
            if (!items.ContainsKey(c.Item ?? "")) Add(at, "item", "item.unknown", $"Item '{c.Item}' does not exist.");
            if (c.Cost < 0 || c.Cost != Math.Round(c.Cost, 4)) Add(at, "cost", "cost.non-negative", $"A standard cost is 0 or more with at most 4 decimals; got {c.Cost}.");
        }

        var overheadList = d.Overheads ?? [];
        for (var i = 0; i < overheadList.Count; i++)
        {
            var o = overheadList[i];
            var at = At(o.Line, "overheads", i);
            Unique(at, "itemClass", "overhead", o.Plant + "/" + o.ItemClass);
            if (!plants.ContainsKey(o.Plant ?? "")) Add(at, "plant", "plant.unknown", $"Plant '{o.Plant}' does not exist.");
            if (Blank(o.ItemClass)) Add(at, "itemClass", "field.required", "An overhead rate names an item class.");
            if (o.Rate < 0 || !Fixed.FitsE6(o.Rate)) Add(at, "rate", "rate.non-negative", $"An overhead rate is 0 or more with at most 6 decimals; got {o.Rate}.");
        }

        return v;
    }

    private static bool WorkingDaysValid(string? days) => days is { Length: 7 } && days.All(c => c is '0' or '1') && days.Contains('1', StringComparison.Ordinal);

    /// <summary>Depth-first search over every version's edges of one plant; a back edge closes a cycle.</summary>
    private static void FindCycles(string plant, List<KeyValuePair<(string Plant, string Item, int Version), List<(string Component, string? At)>>> versions, List<Violation> violations)
    {
        var graph = new Dictionary<string, List<(string Component, string? At)>>(StringComparer.Ordinal);
        foreach (var (key, list) in versions)
        {
            if (!graph.TryGetValue(key.Item, out var all))
                graph[key.Item] = all = [];
            all.AddRange(list);
        }

        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<(string Node, string? At)>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(start) != 0)
                continue;
            // Iterative DFS: deep BOMs (or long chains in a large import) must not overflow the stack.
            var stack = new Stack<(string Node, int Next)>();
            stack.Push((start, 0));
            state[start] = 1;
            path.Add((start, null));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                var children = graph.GetValueOrDefault(node) ?? [];
                if (next < children.Count)
                {
                    stack.Push((node, next + 1));
                    var (child, at) = children[next];
                    var s = state.GetValueOrDefault(child);
                    if (s == 0)
                    {
                        state[child] = 1;
                        path.Add((child, at));
                        stack.Push((child, 0));
                    }
                    else if (s == 1)
                    {
                        var from = path.FindLastIndex(p => p.Node == child);
                        var cycle = path.Skip(from + 1).Select(p => p.At).Append(at).ToList();
                        var culprit = cycle.LastOrDefault(c => c is not null);
                        var names = string.Join(" → ", path.Skip(from).Select(p => p.Node).Append(child));
                        if (culprit is not null && reported.Add(culprit))
                            violations.Add(new Violation(culprit, "bom.cycle", $"The BOMs of plant {plant} form a cycle: {names}."));
                    }
                }
                else
                {
                    state[node] = 2;
                    path.RemoveAt(path.Count - 1);
                }
            }
        }
    }

    /// <summary>Stages every record (upserts; an imported BOM version or routing replaces its lines).</summary>
    public static ImportSummary Stage(StoreTransaction tx, MasterDataDocument d, Existing e, ChangeReason reason)
    {
        var now = tx.Clock.GetUtcNow().ToUnixMicroseconds();
        foreach (var c in d.Companies ?? [])
        {
            tx.Stage("INSERT INTO masterdata_company (code, name, currency, fiscal_year_start_month) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO UPDATE SET name = excluded.name, currency = excluded.currency, fiscal_year_start_month = excluded.fiscal_year_start_month",
                c.Code, c.Name, c.Currency, (long)c.FiscalYearStartMonth);
        }

        foreach (var p in d.Plants ?? [])
        {
            tx.Stage("INSERT INTO masterdata_plant (code, name, company, time_zone, working_days) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET name = excluded.name, company = excluded.company, time_zone = excluded.time_zone, working_days = excluded.working_days",
                p.Code, p.Name, p.Company, p.TimeZone, p.WorkingDays);
        }

        foreach (var i in d.Items ?? [])
        {
            tx.Stage("INSERT INTO masterdata_item (number, description, base_unit, item_class, item_type, lot_controlled) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (number) DO UPDATE SET description = excluded.description, base_unit = excluded.base_unit, item_class = excluded.item_class, item_type = excluded.item_type, lot_controlled = excluded.lot_controlled",
                i.Number, i.Description, i.BaseUnit, i.ItemClass, i.Type, i.LotControlled ? 1L : 0L);
        }

        foreach (var c in d.Conversions ?? [])
        {
            tx.Stage("INSERT INTO masterdata_unit_conversion (item, unit, factor_e6) VALUES ($1, $2, $3) ON CONFLICT (item, unit) DO UPDATE SET factor_e6 = excluded.factor_e6",
                c.Item, c.Unit, Fixed.ToE6(c.Factor));
        }

        foreach (var w in d.WorkCenters ?? [])
        {
            tx.Stage("INSERT INTO masterdata_work_center (code, plant, name, machine_rate_e4, labour_rate_e4, capacity_hours_e6, working_days) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET plant = excluded.plant, name = excluded.name, machine_rate_e4 = excluded.machine_rate_e4, labour_rate_e4 = excluded.labour_rate_e4, capacity_hours_e6 = excluded.capacity_hours_e6, working_days = excluded.working_days",
                w.Code, w.Plant, w.Name, Fixed.ToE4(w.MachineRate), Fixed.ToE4(w.LabourRate), Fixed.ToE6(w.CapacityHoursPerDay), w.WorkingDays);
        }

        var bomLines = 0;
        var boms = 0;
        foreach (var b in d.Boms ?? [])
        {
            if (e.Boms.TryGetValue((b.Plant, b.Item, b.Version), out var stored) && stored.Status == "released")
                continue; // unchanged (validation refused any change)
            boms++;
            tx.Stage("DELETE FROM masterdata_bom_line WHERE plant = $1 AND item = $2 AND version = $3", b.Plant, b.Item, (long)b.Version);
            tx.Stage("INSERT INTO masterdata_bom (plant, item, version, valid_from, valid_to, base_quantity_e6, status, changed_by, changed_at_us, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (plant, item, version) DO UPDATE SET valid_from = excluded.valid_from, valid_to = excluded.valid_to, base_quantity_e6 = excluded.base_quantity_e6, status = excluded.status, changed_by = excluded.changed_by, changed_at_us = excluded.changed_at_us, reason = excluded.reason",
                b.Plant, b.Item, (long)b.Version, (long)b.ValidFrom.ToDateKey(), (long)(b.ValidTo?.ToDateKey() ?? 0), Fixed.ToE6(b.BaseQuantity), b.Status, reason.Actor, now, reason.Reason);
            var n = 0;
            foreach (var l in b.Lines)
            {
                n++;
                bomLines++;
                tx.Stage("INSERT INTO masterdata_bom_line (plant, item, version, line_no, component, quantity_e6, unit, scrap_e6, alternate_group, alternate_rank, backflush) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    b.Plant, b.Item, (long)b.Version, (long)(n * 10), l.Component, Fixed.ToE6(l.Quantity), l.Unit, Fixed.ToE6(l.ScrapFactor), l.AlternateGroup ?? "", (long)l.AlternateRank, l.Backflush ? 1L : 0L);
            }

            if (b.Status == "released")
                LogChange(tx, "bom", $"{b.Plant}/{b.Item}/{b.Version}", "status", stored.Status, "released", reason, now);
        }

        var operations = 0;
        foreach (var r in d.Routings ?? [])
        {
            tx.Stage("DELETE FROM masterdata_routing_operation WHERE plant = $1 AND item = $2", r.Plant, r.Item);
            foreach (var o in r.Operations ?? [])
            {
                operations++;
                tx.Stage("INSERT INTO masterdata_routing_operation (plant, item, operation, work_center, description, setup_hours_e6, machine_hours_e6, labour_hours_e6) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    r.Plant, r.Item, o.Operation, o.WorkCenter, o.Description ?? "", Fixed.ToE6(o.SetupHours), Fixed.ToE6(o.MachineHoursPerUnit), Fixed.ToE6(o.LabourHoursPerUnit));
            }
        }

        foreach (var c in d.StandardCosts ?? [])
        {
            var before = e.StandardCosts.TryGetValue((c.Plant, c.Item), out var old) ? old : (decimal?)null;
            if (before == c.Cost)
                continue;
            tx.Stage("INSERT INTO masterdata_item_plant (plant, item, standard_cost_e4) VALUES ($1, $2, $3) ON CONFLICT (plant, item) DO UPDATE SET standard_cost_e4 = excluded.standard_cost_e4",
                c.Plant, c.Item, Fixed.ToE4(c.Cost));
            LogChange(tx, "standard-cost", $"{c.Plant}/{c.Item}", "standardCost", before?.ToString(CultureInfo.InvariantCulture), c.Cost.ToString(CultureInfo.InvariantCulture), reason, now);
        }

        foreach (var o in d.Overheads ?? [])
        {
            tx.Stage("INSERT INTO masterdata_overhead_rate (plant, item_class, rate_e6) VALUES ($1, $2, $3) ON CONFLICT (plant, item_class) DO UPDATE SET rate_e6 = excluded.rate_e6",
                o.Plant, o.ItemClass, Fixed.ToE6(o.Rate));
        }

        return new ImportSummary(
            d.Companies?.Count ?? 0, d.Plants?.Count ?? 0, d.Items?.Count ?? 0, d.Conversions?.Count ?? 0, d.WorkCenters?.Count ?? 0,
            boms, bomLines, d.Routings?.Count ?? 0, operations, d.StandardCosts?.Count ?? 0, d.Overheads?.Count ?? 0);
    }

    internal static void LogChange(StoreTransaction tx, string entity, string key, string field, string? oldValue, string newValue, ChangeReason reason, long now) =>
        tx.Stage("INSERT INTO masterdata_change (id, entity, entity_key, field, old_value, new_value, changed_by, changed_at_us, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            Uuid7.New(tx.Clock.GetUtcNow()).ToString(), entity, key, field, oldValue, newValue, reason.Actor, now, reason.Reason);
}
