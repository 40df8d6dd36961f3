using System.Globalization;
using System.Xml.Linq;

namespace Takt.Integration.Adapters.B2mml;

/// <summary>
/// Released production orders as B2MML schedules for the MES: V0401 SyncProductionSchedule and V0701
/// SyncOperationsSchedule (docs/adapters.md). One request per order (its ID is the order number, which the MES
/// echoes in its performance), one segment requirement per operation (its ID is the operation number); the first
/// operation consumes the components, the last produces the product. Both validate against the published XSDs.
/// </summary>
internal static class ScheduleDocuments
{
    public static XDocument ProductionScheduleV0401(PlantSchedule schedule, DateTimeOffset now, string bodId)
    {
        XNamespace b = B2mmlDialect.V0401.Namespace;
        XElement Segment(ScheduledOrder o, ScheduledOperation op, int index) => new(b + "SegmentRequirement",
            new XElement(b + "ID", op.Operation),
            new XElement(b + "Description", op.Description),
            new XElement(b + "LatestEndTime", DueBy(o, schedule)),
            op.WorkCenter.Length == 0 ? null : new XElement(b + "EquipmentRequirement",
                new XElement(b + "EquipmentID", op.WorkCenter),
                new XElement(b + "Location", new XElement(b + "EquipmentID", op.WorkCenter), new XElement(b + "EquipmentElementLevel", "WorkCenter"))),
            Materials(o, index).Select(m => new XElement(b + "MaterialRequirement",
                new XElement(b + "MaterialDefinitionID", m.Item),
                new XElement(b + "MaterialUse", m.Use),
                Quantity(b, m.Quantity, m.Unit))));
        XElement Request(ScheduledOrder o) => new(b + "ProductionRequest",
            new XElement(b + "ID", o.Number),
            new XElement(b + "Description", Describe(o)),
            Site(b, "Location", schedule.Plant),
            new XElement(b + "EndTime", DueBy(o, schedule)),
            new XElement(b + "Priority", o.Priority),
            Routing(o).Select((op, i) => Segment(o, op, i)));
        var content = new XElement(b + "ProductionSchedule",
            new XElement(b + "ID", ScheduleId(schedule, now)),
            new XElement(b + "Description", Describe(schedule)),
            Site(b, "Location", schedule.Plant),
            new XElement(b + "PublishedDate", Instant(now)),
            schedule.Orders.Select(Request));
        return Bod(b, "SyncProductionSchedule", now, bodId, content);
    }

    public static XDocument OperationsScheduleV0701(PlantSchedule schedule, DateTimeOffset now, string bodId)
    {
        XNamespace b = B2mmlDialect.V0701.Namespace;
        XElement Segment(ScheduledOrder o, ScheduledOperation op, int index) => new(b + "SegmentRequirement",
            new XElement(b + "ID", op.Operation),
            new XElement(b + "Description", op.Description),
            new XElement(b + "LatestEndTime", DueBy(o, schedule)),
            new XElement(b + "OperationsType", "Production"),
            // Takt keeps no process segments or operations definitions apart from routings: the routing is the
            // product's, and its segments are the operations.
            new XElement(b + "ProcessSegmentID", op.Operation),
            new XElement(b + "OperationsDefinitionID", o.Item),
            new XElement(b + "OperationsSegmentID", op.Operation),
            op.WorkCenter.Length == 0 ? null : new XElement(b + "EquipmentRequirement",
                new XElement(b + "ID", op.WorkCenter),
                new XElement(b + "EquipmentID", op.WorkCenter),
                new XElement(b + "EquipmentLevel", "WorkCenter")),
            Materials(o, index).Select((m, n) => new XElement(b + "MaterialRequirement",
                new XElement(b + "ID", $"{op.Operation}-{n + 1}"),
                new XElement(b + "MaterialDefinitionID", m.Item),
                new XElement(b + "MaterialUse", m.Use),
                Quantity(b, m.Quantity, m.Unit))));
        XElement Request(ScheduledOrder o) => new(b + "OperationsRequest",
            new XElement(b + "ID", o.Number),
            new XElement(b + "Description", Describe(o)),
            new XElement(b + "EndTime", DueBy(o, schedule)),
            Site(b, "HierarchyScope", schedule.Plant),
            new XElement(b + "OperationsType", "Production"),
            new XElement(b + "Priority", o.Priority),
            Routing(o).Select((op, i) => Segment(o, op, i)));
        var content = new XElement(b + "OperationsSchedule",
            new XElement(b + "ID", ScheduleId(schedule, now)),
            new XElement(b + "Description", Describe(schedule)),
            new XElement(b + "PublishedDate", Instant(now)),
            Site(b, "HierarchyScope", schedule.Plant),
            new XElement(b + "OperationsType", "Production"),
            schedule.Orders.Select(Request));
        return Bod(b, "SyncOperationsSchedule", now, bodId, content);
    }

    private sealed record Material(string Item, string Use, decimal Quantity, string Unit);

    /// <summary>
    /// The order's operations; an order without a routing is one segment named by the order (a request needs a
    /// segment), which takes material events but no confirmations.
    /// </summary>
    private static IReadOnlyList<ScheduledOperation> Routing(ScheduledOrder order) =>
        order.Operations.Count > 0 ? order.Operations : [new ScheduledOperation(order.Number, "", "The whole order (it has no routing)")];

    /// <summary>The first operation consumes the components, the last produces the product.</summary>
    private static IEnumerable<Material> Materials(ScheduledOrder order, int operationIndex)
    {
        if (operationIndex == 0)
        {
            foreach (var c in order.Components)
                yield return new Material(c.Item, "Consumed", c.Quantity, c.Unit);
        }

        if (operationIndex == Routing(order).Count - 1)
            yield return new Material(order.Item, "Produced", order.Quantity, order.Unit);
    }

    /// <summary>The OAGIS-style envelope the published ERP↔MES messages use: ApplicationArea, then DataArea with the verb.</summary>
    private static XDocument Bod(XNamespace b, string root, DateTimeOffset now, string bodId, XElement content) =>
        new(new XDeclaration("1.0", "utf-8", null), new XElement(b + root,
            new XAttribute("releaseID", "1.0"),
            new XElement(b + "ApplicationArea",
                new XElement(b + "Sender", new XElement(b + "LogicalID", "takt")),
                new XElement(b + "CreationDateTime", Instant(now)),
                new XElement(b + "BODID", bodId)),
            new XElement(b + "DataArea", new XElement(b + "Sync"), content)));

    private static XElement Site(XNamespace b, string scope, string plant) =>
        new(b + scope, new XElement(b + "EquipmentID", plant), new XElement(b + "EquipmentElementLevel", "Site"));

    private static string Describe(PlantSchedule schedule) => $"Released production orders of {schedule.Plant} ({schedule.Name})";

    private static string Describe(ScheduledOrder o) => $"{o.Quantity.ToString(CultureInfo.InvariantCulture)} {o.Unit} {o.Item}";

    private static XElement Quantity(XNamespace b, decimal value, string unit) => new(b + "Quantity",
        new XElement(b + "QuantityString", value.ToString(CultureInfo.InvariantCulture)),
        new XElement(b + "DataType", "decimal"),
        new XElement(b + "UnitOfMeasure", unit));

    private static string ScheduleId(PlantSchedule schedule, DateTimeOffset now) =>
        $"{schedule.Plant}-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";

    /// <summary>The end of the due date where the plant is (due dates are plant dates).</summary>
    private static string DueBy(ScheduledOrder order, PlantSchedule schedule)
    {
        var local = order.DueDate.ToDateTime(new TimeOnly(23, 59, 59));
        return Instant(new DateTimeOffset(local, schedule.TimeZone.GetUtcOffset(local)));
    }

    private static string Instant(DateTimeOffset instant) => instant.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);
}
