using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Takt.Contracts;
using Takt.Contracts.Events;
using Takt.Integration.Gateway;

namespace Takt.Integration.Adapters.B2mml;

/// <summary>
/// Maps B2MML performance (V0401 ProductionPerformance, V0701 OperationsPerformance) to canonical shop-floor
/// events, as docs/adapters.md describes: each consumed MaterialActual is a <c>material-issued</c>, each produced
/// one a <c>yield-reported</c>, and each SegmentResponse that reports equipment or personnel actuals an
/// <c>operation-confirmed</c>. Every event's id is the document's identity plus the element's path, so the same
/// document posted again is the same events (idempotent).
/// </summary>
internal sealed partial class PerformanceMapping(B2mmlDialect d, PerformanceDocument document, string? plantParameter)
{
    private static readonly string[] Consumed = ["Consumed", "Material Consumed"];
    private static readonly string[] Produced = ["Produced", "Yield Produced", "Material Produced"];

    private readonly List<MappedEvent> events = [];
    private readonly List<IgnoredPart> ignored = [];
    private readonly List<Violation> violations = [];

    private sealed record Located(string Value, string Path);

    private sealed record Context(Located Order, Located? Site, XElement?[] Times);

    private sealed record Amount(decimal Value, string Unit, string Path, string ValuePath);

    public static (MappedDocument? Document, Problem? Problem) Map(B2mmlDialect dialect, PerformanceDocument document, string? plantParameter)
    {
        var mapping = new PerformanceMapping(dialect, document, plantParameter);
        foreach (var performance in document.Performances)
            mapping.Performance(performance);
        if (mapping.violations.Count == 0)
            return (new MappedDocument(document.Key, mapping.events, mapping.ignored), null);
        var errors = mapping.violations.Distinct().ToList();
        return (null, errors.All(v => v.Rule == "adapter.plant-mismatch") ? Problem.RuleViolated(errors) : Problem.Malformed(errors));
    }

    private void Performance(XElement performance)
    {
        var site = Site(performance);
        var end = performance.Element(d.N(d.PerformanceEndTime));
        foreach (var response in performance.Elements(d.N(d.Response)))
        {
            var order = Text(response, d.RequestId) ?? Text(response, "ID");
            if (order is null)
            {
                Violate(SecureXml.PathOf(response), "b2mml.order-required", $"A {d.Response} names its production order in {d.RequestId} (or ID).");
                continue;
            }

            var context = new Context(order, Site(response) ?? site, [response.Element(d.N("EndTime")), end, document.ApplicationArea?.Element(d.N("CreationDateTime"))]);
            foreach (var segment in response.Elements(d.N("SegmentResponse")))
                Segment(segment, context);
        }
    }

    private void Segment(XElement segment, Context outer)
    {
        var context = outer with { Site = Site(segment) ?? outer.Site, Times = [segment.Element(d.N("ActualEndTime")), .. outer.Times] };
        if (segment.Elements(d.N("EquipmentActual")).Any() || segment.Elements(d.N("PersonnelActual")).Any())
            Confirmation(segment, context);
        foreach (var material in segment.Elements(d.N("MaterialActual")))
            Material(material, material.Element(d.N("MaterialUse"))?.Value.Trim(), context);
        if (d.LegacyMaterialElements)
        {
            // V0401 keeps the V03 elements that MaterialActual replaced; they say consumed/produced by their name.
            foreach (var material in segment.Elements(d.N("MaterialConsumedActual")))
                Material(material, "Consumed", context);
            foreach (var material in segment.Elements(d.N("MaterialProducedActual")))
                Material(material, "Produced", context);
        }

        foreach (var child in segment.Elements(d.N(d.ChildSegment)))
            Segment(child, context);
    }

    private void Material(XElement material, string? use, Context context)
    {
        var path = SecureXml.PathOf(material);
        var type = Consumed.Contains(use) ? EventTypes.MaterialIssued : Produced.Contains(use) ? EventTypes.YieldReported : null;
        if (type is null)
        {
            ignored.Add(new IgnoredPart(path, use is null
                ? "MaterialUse is missing: Takt maps Consumed and Produced material only."
                : $"MaterialUse '{use}' maps to no canonical event (Takt maps Consumed and Produced material)."));
            return;
        }

        var item = Text(material, "MaterialDefinitionID");
        if (item is null)
            Violate(path, "b2mml.material-required", "The material actual needs a MaterialDefinitionID (the item number).");
        var quantity = Quantity(material.Element(d.N("Quantity")), path);
        var common = Common(path, context);
        if (item is null || quantity is null || common is null)
            return;
        var (plant, time, fields) = common.Value;
        fields["/data/item"] = item.Path;
        AddQuantity(fields, "/data/quantity", quantity);
        var data = new JsonObject { ["plant"] = plant.Value, ["order"] = context.Order.Value, ["item"] = item.Value, ["quantity"] = Json(quantity) };
        events.Add(new MappedEvent(type, document.Key + path, time, context.Order.Value, data, path, fields));
    }

    private void Confirmation(XElement segment, Context context)
    {
        var path = SecureXml.PathOf(segment);
        var operation = (d.SegmentRequirementId is null ? null : Text(segment, d.SegmentRequirementId)) ?? Text(segment, "ID");
        if (operation is null)
            Violate(path, "b2mml.operation-required", $"A SegmentResponse with actuals names its operation in {d.SegmentRequirementId ?? "ID"}{(d.SegmentRequirementId is null ? "" : " or ID")}.");
        var workCenter = segment.Elements(d.N("EquipmentActual")).Select(e => Text(e, "EquipmentID")).FirstOrDefault(w => w is not null);
        if (workCenter is null)
            Violate(path, "b2mml.work-center-required", "An operation confirmation needs an EquipmentActual with an EquipmentID (the work center).");
        var machine = Time(segment.Elements(d.N("EquipmentActual")));
        var labour = Time(segment.Elements(d.N("PersonnelActual")));
        var good = Data(segment, "GoodQuantity") ?? ProducedQuantity(segment, path);
        if (good is null)
            Violate(path, "b2mml.good-quantity-required", $"Report the good quantity: a {d.SegmentData} 'GoodQuantity', or the produced MaterialActual.");
        var scrap = Data(segment, "ScrapQuantity");
        var common = Common(path, context);
        if (operation is null || workCenter is null || good is null || common is null)
            return;
        var (plant, time, fields) = common.Value;

        fields["/data/operation"] = operation.Path;
        fields["/data/workCenter"] = workCenter.Path;
        AddQuantity(fields, "/data/goodQuantity", good);
        var data = new JsonObject
        {
            ["plant"] = plant.Value, ["order"] = context.Order.Value, ["operation"] = operation.Value, ["workCenter"] = workCenter.Value, ["goodQuantity"] = Json(good),
        };
        foreach (var (name, amount) in new[] { ("scrapQuantity", scrap), ("machineTime", machine), ("labourTime", labour) })
        {
            if (amount is null)
                continue;
            data[name] = Json(amount);
            AddQuantity(fields, "/data/" + name, amount);
        }

        events.Add(new MappedEvent(EventTypes.OperationConfirmed, document.Key + path, time, context.Order.Value, data, path, fields));
    }

    /// <summary>Plant and time, which every event needs, and the fields they came from.</summary>
    private (Located Plant, DateTimeOffset Time, Dictionary<string, string> Fields)? Common(string path, Context context)
    {
        var plant = Plant(context.Site, path);
        var time = EventTime(context.Times, path);
        if (plant is null || time is null)
            return null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/data/plant"] = plant.Path, ["/data/order"] = context.Order.Path, ["/subject"] = context.Order.Path, ["/time"] = time.Value.Path,
        };
        return (plant, time.Value.Time, fields);
    }

    /// <summary>The site (ISA-95's plant) nearest to the element, else the <c>plant</c> parameter; both must agree.</summary>
    private Located? Plant(Located? site, string path)
    {
        if (site is not null && plantParameter is not null && site.Value != plantParameter)
        {
            Violate(site.Path, "adapter.plant-mismatch", $"The document reports for site '{site.Value}', the request for plant '{plantParameter}'.");
            return null;
        }

        if (site is null && plantParameter is null)
            Violate(path, "adapter.plant-required", $"Name the plant: a {d.Scope} with EquipmentElementLevel Site, or the plant query parameter.");
        return site ?? (plantParameter is null ? null : new Located(plantParameter, "/plant"));
    }

    private Located? Site(XElement element)
    {
        for (var scope = element.Element(d.N(d.Scope)); scope is not null; scope = scope.Element(d.N(d.ScopeChild)))
        {
            var level = (scope.Element(d.N("EquipmentElementLevel")) ?? scope.Element(d.N("EquipmentLevel")))?.Value.Trim();
            if (level == "Site" && Text(scope, "EquipmentID") is { } site)
                return site;
        }

        return null;
    }

    private (DateTimeOffset Time, string Path)? EventTime(XElement?[] candidates, string path)
    {
        if (candidates.FirstOrDefault(c => c is not null) is not { } element)
        {
            Violate(path, "b2mml.time-required", "When did it happen? Send ActualEndTime, EndTime or the ApplicationArea's CreationDateTime.");
            return null;
        }

        var text = element.Value.Trim();
        if (Rfc3339().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return (time, SecureXml.PathOf(element));
        Violate(SecureXml.PathOf(element), "b2mml.time-invalid", $"'{text}' is not a date and time with a UTC offset (e.g. 2012-11-29T11:58:25+01:00).");
        return null;
    }

    /// <summary>Machine or labour time: the actuals' quantities, which must be times, summed in the finest unit used.</summary>
    private Amount? Time(IEnumerable<XElement> actuals)
    {
        var amounts = new List<Amount>();
        foreach (var q in actuals.SelectMany(a => a.Elements(d.N("Quantity"))))
        {
            var path = SecureXml.PathOf(q);
            if (Quantity(q, path) is not { } amount)
                continue;
            if (UnitCodes.Seconds(amount.Unit) is null)
                Violate(path + "/UnitOfMeasure[1]", "b2mml.time-unit-required", $"Equipment and personnel actuals report time (HUR, MIN, SEC); '{amount.Unit}' is not a time unit.");
            else
                amounts.Add(amount);
        }

        if (amounts.Count == 0)
            return null;
        var finest = amounts.MinBy(a => UnitCodes.Seconds(a.Unit))!;
        var total = amounts.Sum(a => a.Value * (UnitCodes.Seconds(a.Unit)!.Value / UnitCodes.Seconds(finest.Unit)!.Value));
        return amounts.Count == 1 ? amounts[0] : amounts[0] with { Value = total, Unit = finest.Unit };
    }

    private Amount? ProducedQuantity(XElement segment, string path)
    {
        var produced = segment.Elements(d.N("MaterialActual")).Where(m => Produced.Contains(m.Element(d.N("MaterialUse"))?.Value.Trim()))
            .Select(m => Quantity(m.Element(d.N("Quantity")), SecureXml.PathOf(m))).OfType<Amount>().ToList();
        if (produced.Count == 0)
            return null;
        if (produced.Select(p => p.Unit).Distinct().Count() > 1)
        {
            Violate(path, "b2mml.units-differ", "The produced material is reported in different units; send a GoodQuantity instead.");
            return null;
        }

        return produced.Count == 1 ? produced[0] : produced[0] with { Value = produced.Sum(p => p.Value) };
    }

    /// <summary>A named value of the segment's data (V0401 ProductionData, V0701 SegmentData), as a quantity.</summary>
    private Amount? Data(XElement segment, string id) =>
        segment.Elements(d.N(d.SegmentData)).FirstOrDefault(e => Text(e, "ID")?.Value == id)?.Element(d.N("Value")) is { } value
            ? ReadAmount(value, "ValueString", SecureXml.PathOf(value))
            : null;

    private Amount? Quantity(XElement? quantity, string owner)
    {
        if (quantity is null)
        {
            Violate(owner, "b2mml.quantity-required", "A Quantity (QuantityString and UnitOfMeasure) is required.");
            return null;
        }

        return ReadAmount(quantity, "QuantityString", SecureXml.PathOf(quantity));
    }

    private Amount? ReadAmount(XElement element, string valueName, string path)
    {
        var text = element.Element(d.N(valueName))?.Value.Trim();
        var unit = element.Element(d.N("UnitOfMeasure"))?.Value.Trim();
        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            Violate($"{path}/{valueName}[1]", "b2mml.quantity-invalid", $"'{text}' is not a decimal number.");
            return null;
        }

        if (string.IsNullOrEmpty(unit))
        {
            Violate(path, "b2mml.unit-required", "The quantity needs a UnitOfMeasure.");
            return null;
        }

        return new Amount(value, UnitCodes.ToRec20(unit), path, $"{path}/{valueName}[1]");
    }

    private static JsonObject Json(Amount amount) => new() { ["value"] = amount.Value, ["unit"] = amount.Unit };

    private static void AddQuantity(Dictionary<string, string> fields, string pointer, Amount amount)
    {
        fields[pointer] = amount.Path;
        fields[pointer + "/value"] = amount.ValuePath;
        fields[pointer + "/unit"] = amount.Path + "/UnitOfMeasure[1]";
    }

    private Located? Text(XElement parent, string name) =>
        parent.Element(d.N(name)) is { } e && e.Value.Trim() is { Length: > 0 } text ? new Located(text, SecureXml.PathOf(e)) : null;

    private void Violate(string field, string rule, string detail) => violations.Add(new Violation(field, rule, detail));

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 100)]
    private static partial Regex Rfc3339();
}
