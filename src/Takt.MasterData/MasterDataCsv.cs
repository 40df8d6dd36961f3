using System.Globalization;
using System.Text;
using Takt.Contracts;

namespace Takt.MasterData;

/// <summary>
/// The CSV form of a master-data file: one record per line, its kind first, then the columns of that kind in a
/// fixed order (<see cref="Columns"/>); blank lines and lines starting with <c>#</c> are skipped. BOM lines follow
/// their <c>bom</c> line's key, operations their routing's. Errors name <c>/lines/{n}/{column}</c>.
/// </summary>
public static class MasterDataCsv
{
    public static IReadOnlyDictionary<string, string[]> Columns { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["company"] = ["code", "name", "currency", "fiscalYearStartMonth"],
        ["plant"] = ["code", "name", "company", "timeZone", "workingDays"],
        ["item"] = ["number", "description", "type", "baseUnit", "itemClass", "lotControlled"],
        ["conversion"] = ["item", "unit", "factor"],
        ["workcenter"] = ["code", "plant", "name", "machineRate", "labourRate", "capacityHoursPerDay", "workingDays"],
        ["bom"] = ["plant", "item", "version", "validFrom", "validTo", "baseQuantity", "status"],
        ["bomline"] = ["plant", "item", "version", "component", "quantity", "unit", "scrapFactor", "alternateGroup", "alternateRank", "backflush"],
        ["operation"] = ["plant", "item", "operation", "workCenter", "description", "setupHours", "machineHoursPerUnit", "labourHoursPerUnit"],
        ["cost"] = ["plant", "item", "cost"],
        ["overhead"] = ["plant", "itemClass", "rate"],
    };

    public static Outcome<MasterDataDocument> Parse(string text)
    {
        var v = new List<Violation>();
        var companies = new List<CompanyRecord>();
        var plants = new List<PlantRecord>();
        var items = new List<ItemRecord>();
        var conversions = new List<ConversionRecord>();
        var centers = new List<WorkCenterRecord>();
        var boms = new List<(BomRecord Head, List<BomLineRecord> Lines)>();
        var routings = new Dictionary<(string, string), (int Line, List<OperationRecord> Ops)>();
        var costs = new List<StandardCostRecord>();
        var overheads = new List<OverheadRecord>();
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
                continue;
            var at = $"/lines/{lineNo}";
            var fields = Split(line);
            if (fields is null) { v.Add(new Violation(at, "csv.quote-unclosed", $"Line {lineNo} has an unclosed quote.")); continue; }
            var kind = fields[0].Trim();
            if (!Columns.TryGetValue(kind, out var columns))
            {
                v.Add(new Violation(at + "/kind", "csv.kind-unknown", $"Line {lineNo}: '{kind}' is not a record kind ({string.Join(", ", Columns.Keys)})."));
                continue;
            }

            if (fields.Count - 1 > columns.Length)
            {
                v.Add(new Violation(at, "csv.columns", $"Line {lineNo}: a {kind} has at most {columns.Length} columns ({string.Join(",", columns)}); got {fields.Count - 1}."));
                continue;
            }

            var row = new Row(fields, columns, at, lineNo, v);
            var before = v.Count;
            switch (kind)
            {
                case "company":
                    var company = new CompanyRecord(row.Text(0), row.Text(1), row.Text(2), row.Int(3, 1)) { Line = lineNo };
                    if (v.Count == before) companies.Add(company);
                    break;
                case "plant":
                    var plant = new PlantRecord(row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4, "1111100")) { Line = lineNo };
                    if (v.Count == before) plants.Add(plant);
                    break;
                case "item":
                    var item = new ItemRecord(row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4), row.Bool(5)) { Line = lineNo };
                    if (v.Count == before) items.Add(item);
                    break;
                case "conversion":
                    var conversion = new ConversionRecord(row.Text(0), row.Text(1), row.Number(2)) { Line = lineNo };
                    if (v.Count == before) conversions.Add(conversion);
                    break;
                case "workcenter":
                    var center = new WorkCenterRecord(row.Text(0), row.Text(1), row.Text(2), row.Number(3), row.Number(4), row.Number(5, 16m), row.Text(6, "1111100")) { Line = lineNo };
                    if (v.Count == before) centers.Add(center);
                    break;
                case "bom":
                    var head = new BomRecord(row.Text(0), row.Text(1), row.Int(2, 0), row.Date(3) ?? default, row.Date(4), row.Number(5, 1m), row.Text(6, "draft"), []) { Line = lineNo };
                    if (row.Date(3) is null && v.Count == before) v.Add(new Violation(at + "/validFrom", "field.required", $"Line {lineNo}: a BOM needs validFrom."));
                    if (v.Count == before) boms.Add((head, []));
                    break;
                case "bomline":
                    var version = row.Int(2, 0);
                    var bomLine = new BomLineRecord(row.Text(3), row.Number(4), row.Text(5), row.Number(6, 0m), row.Text(7, "") is { Length: > 0 } g ? g : null, row.Int(8, 0), row.Bool(9)) { Line = lineNo };
                    var owner = boms.FindLast(b => b.Head.Plant == row.Text(0) && b.Head.Item == row.Text(1) && b.Head.Version == version);
                    if (owner.Head is null) v.Add(new Violation(at + "/version", "csv.bom-line-orphan", $"Line {lineNo}: no bom line above names {row.Text(0)}/{row.Text(1)} version {version}."));
                    else if (v.Count == before) owner.Lines.Add(bomLine);
                    break;
                case "operation":
                    var op = new OperationRecord(row.Text(2), row.Text(3), row.Text(4, ""), row.Number(5, 0m), row.Number(6, 0m), row.Number(7, 0m)) { Line = lineNo };
                    var key = (row.Text(0), row.Text(1));
                    if (!routings.TryGetValue(key, out var routing)) routings[key] = routing = (lineNo, []);
                    if (v.Count == before) routing.Ops.Add(op);
                    break;
                case "cost":
                    var cost = new StandardCostRecord(row.Text(0), row.Text(1), row.Number(2)) { Line = lineNo };
                    if (v.Count == before) costs.Add(cost);
                    break;
                case "overhead":
                    var overhead = new OverheadRecord(row.Text(0), row.Text(1), row.Number(2)) { Line = lineNo };
                    if (v.Count == before) overheads.Add(overhead);
                    break;
            }
        }

        if (v.Count > 0)
            return v.ToArray();
        return new MasterDataDocument(
            companies, plants, items, conversions, centers,
            [.. boms.Select(b => b.Head with { Lines = b.Lines })],
            [.. routings.Select(r => new RoutingRecord(r.Key.Item1, r.Key.Item2, r.Value.Ops) { Line = r.Value.Line })],
            costs, overheads);
    }

    public static string Write(MasterDataDocument d)
    {
        var s = new StringBuilder();
        void Line(string kind, params object?[] values) =>
            s.Append(kind).Append(',').AppendJoin(',', values.Select(Quote)).Append('\n');
        s.Append("# Takt master data: kind,columns… (see MasterDataCsv.Columns)\n");
        foreach (var c in d.Companies ?? []) Line("company", c.Code, c.Name, c.Currency, c.FiscalYearStartMonth);
        foreach (var p in d.Plants ?? []) Line("plant", p.Code, p.Name, p.Company, p.TimeZone, p.WorkingDays);
        foreach (var i in d.Items ?? []) Line("item", i.Number, i.Description, i.Type, i.BaseUnit, i.ItemClass, i.LotControlled);
        foreach (var c in d.Conversions ?? []) Line("conversion", c.Item, c.Unit, c.Factor);
        foreach (var w in d.WorkCenters ?? []) Line("workcenter", w.Code, w.Plant, w.Name, w.MachineRate, w.LabourRate, w.CapacityHoursPerDay, w.WorkingDays);
        foreach (var b in d.Boms ?? [])
        {
            Line("bom", b.Plant, b.Item, b.Version, b.ValidFrom, b.ValidTo, b.BaseQuantity, b.Status);
            foreach (var l in b.Lines) Line("bomline", b.Plant, b.Item, b.Version, l.Component, l.Quantity, l.Unit, l.ScrapFactor, l.AlternateGroup, l.AlternateRank, l.Backflush);
        }

        foreach (var r in d.Routings ?? [])
        {
            foreach (var o in r.Operations) Line("operation", r.Plant, r.Item, o.Operation, o.WorkCenter, o.Description, o.SetupHours, o.MachineHoursPerUnit, o.LabourHoursPerUnit);
        }

        foreach (var c in d.StandardCosts ?? []) Line("cost", c.Plant, c.Item, c.Cost);
        foreach (var o in d.Overheads ?? []) Line("overhead", o.Plant, o.ItemClass, o.Rate);
        return s.ToString();
    }

    private static string Quote(object? value)
    {
        var text = value switch
        {
            null => "",
            DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            decimal m => m.ToString("0.######", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return text.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }

    /// <summary>RFC 4180 fields of one line; null when a quote is not closed.</summary>
    private static List<string>? Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }

        if (quoted)
            return null;
        fields.Add(field.ToString());
        return fields;
    }

    private sealed class Row(List<string> fields, string[] columns, string at, int lineNo, List<Violation> violations)
    {
        private string? Raw(int i) => i + 1 < fields.Count && fields[i + 1].Trim().Length > 0 ? fields[i + 1].Trim() : null;

        public string Text(int i, string? fallback = null)
        {
            var raw = Raw(i);
            if (raw is null && fallback is null)
            {
                violations.Add(new Violation($"{at}/{columns[i]}", "field.required", $"Line {lineNo}: {columns[i]} is required."));
                return "";
            }

            return raw ?? fallback!;
        }

        public decimal Number(int i, decimal? fallback = null)
        {
            var raw = Raw(i);
            if (raw is null && fallback is { } f) return f;
            if (raw is not null && decimal.TryParse(raw, NumberStyles.Number, CultureInfo.InvariantCulture, out var value)) return value;
            violations.Add(new Violation($"{at}/{columns[i]}", "csv.number-invalid", $"Line {lineNo}: {columns[i]} must be a number like 12.5; got '{raw}'."));
            return 0m;
        }

        public int Int(int i, int fallback)
        {
            var raw = Raw(i);
            if (raw is null) return fallback;
            if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)) return value;
            violations.Add(new Violation($"{at}/{columns[i]}", "csv.integer-invalid", $"Line {lineNo}: {columns[i]} must be a whole number; got '{raw}'."));
            return fallback;
        }

        public bool Bool(int i)
        {
            var raw = Raw(i);
            if (raw is null or "false" or "0") return false;
            if (raw is "true" or "1") return true;
            violations.Add(new Violation($"{at}/{columns[i]}", "csv.boolean-invalid", $"Line {lineNo}: {columns[i]} is true or false; got '{raw}'."));
            return false;
        }

        public DateOnly? Date(int i)
        {
            var raw = Raw(i);
            if (raw is null) return null;
            if (DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)) return value;
            violations.Add(new Violation($"{at}/{columns[i]}", "csv.date-invalid", $"Line {lineNo}: {columns[i]} is a date yyyy-MM-dd; got '{raw}'."));
            return null;
        }
    }
}
