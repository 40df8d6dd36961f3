using System.Text.Json.Serialization;

namespace Takt.MasterData;

// The records of a master-data import or export (JSON, or CSV with one record per line). Line is the CSV line a
// record came from (errors point at /lines/{line}/{column}); JSON records are found by their place in the list.

/// <summary>A company: its currency and the month its fiscal year starts (1 = January).</summary>
public sealed record CompanyRecord(string Code, string Name, string Currency, int FiscalYearStartMonth = 1)
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>A plant: company, IANA time zone, working days Monday..Sunday as seven 1/0 characters.</summary>
public sealed record PlantRecord(string Code, string Name, string Company, string TimeZone, string WorkingDays = "1111100")
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>An item: type raw | semi-finished | finished | service, base unit (UN/ECE Rec 20), item class (account determination).</summary>
public sealed record ItemRecord(string Number, string Description, string Type, string BaseUnit, string ItemClass, bool LotControlled = false)
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>One <c>Unit</c> of the item is <c>Factor</c> base units.</summary>
public sealed record ConversionRecord(string Item, string Unit, decimal Factor)
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>A work center: activity rates per hour (company currency), capacity in hours per working day, working days.</summary>
public sealed record WorkCenterRecord(string Code, string Plant, string Name, decimal MachineRate, decimal LabourRate, decimal CapacityHoursPerDay = 16m, string WorkingDays = "1111100")
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>
/// A bill-of-material version, valid from <c>ValidFrom</c> until the day before <c>ValidTo</c> (open when null).
/// Quantities of the lines are per <c>BaseQuantity</c> of the parent. A released version never changes.
/// </summary>
public sealed record BomRecord(string Plant, string Item, int Version, DateOnly ValidFrom, DateOnly? ValidTo, decimal BaseQuantity, string Status, IReadOnlyList<BomLineRecord> Lines)
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>
/// A component line: quantity in <c>Unit</c>, scrap factor (0.05 = 5 % more is planned), alternate group (lines of
/// one group replace each other; rank 0 is planned), backflush (issued at confirmation).
/// </summary>
public sealed record BomLineRecord(string Component, decimal Quantity, string Unit, decimal ScrapFactor = 0m, string? AlternateGroup = null, int AlternateRank = 0, bool Backflush = false)
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>A routing: the operations that make an item at a plant.</summary>
public sealed record RoutingRecord(string Plant, string Item, IReadOnlyList<OperationRecord> Operations)
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>An operation: setup hours per order (machine and labour), machine and labour hours per base unit.</summary>
public sealed record OperationRecord(string Operation, string WorkCenter, string Description, decimal SetupHours, decimal MachineHoursPerUnit, decimal LabourHoursPerUnit)
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>A standard cost per base unit at a plant (company currency); a governed field, logged with who/when/why.</summary>
public sealed record StandardCostRecord(string Plant, string Item, decimal Cost)
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>Overhead as a fraction of material cost (0.1 = 10 %) for items of a class at a plant.</summary>
public sealed record OverheadRecord(string Plant, string ItemClass, decimal Rate)
{
    [JsonIgnore] public int? Line { get; init; }
}

/// <summary>A master-data file: everything optional; an import applies all of it or nothing.</summary>
public sealed record MasterDataDocument(
    IReadOnlyList<CompanyRecord>? Companies = null,
    IReadOnlyList<PlantRecord>? Plants = null,
    IReadOnlyList<ItemRecord>? Items = null,
    IReadOnlyList<ConversionRecord>? Conversions = null,
    IReadOnlyList<WorkCenterRecord>? WorkCenters = null,
    IReadOnlyList<BomRecord>? Boms = null,
    IReadOnlyList<RoutingRecord>? Routings = null,
    IReadOnlyList<StandardCostRecord>? StandardCosts = null,
    IReadOnlyList<OverheadRecord>? Overheads = null);

/// <summary>What an import wrote, by record kind.</summary>
public sealed record ImportSummary(int Companies, int Plants, int Items, int Conversions, int WorkCenters, int Boms, int BomLines, int Routings, int Operations, int StandardCosts, int Overheads);

/// <summary>Who changes master data and why (governed fields keep both).</summary>
public sealed record ChangeReason(string Actor, string Reason);

/// <summary>An item as costing and production orders see it.</summary>
public sealed record ItemFacts(string Number, string Type, string ItemClass, string BaseUnit, bool LotControlled);

/// <summary>A BOM line: component base units per one base unit of the parent before scrap; planned use is QuantityPerUnit × (1 + ScrapFactor).</summary>
public sealed record StructureLine(int LineNo, string Component, decimal QuantityPerUnit, decimal ScrapFactor, string AlternateGroup, int AlternateRank, bool Backflush);

/// <summary>An operation with its work center's rates.</summary>
public sealed record StructureOperation(string Operation, string WorkCenter, string Description, decimal SetupHours, decimal MachineHoursPerUnit, decimal LabourHoursPerUnit, decimal MachineRate, decimal LabourRate);

/// <summary>
/// A plant's product structure on a date: items, effective BOMs (the version valid that day, drafts excluded),
/// routings with rates, standard costs and overhead rates — what a cost rollup or an order snapshot needs.
/// </summary>
/// <param name="Plant">Plant code.</param>
/// <param name="Items">Every item by number.</param>
/// <param name="Boms">Effective BOM per parent item; BaseQuantity is the costing lot size (setup is spread over it).</param>
/// <param name="Routings">Operations per item, with their work centers' rates.</param>
/// <param name="StandardCosts">Standard cost per base unit at the plant.</param>
/// <param name="OverheadRates">Overhead fraction of material cost by item class.</param>
/// <param name="WorkCenters">Capacity (hours per working day) and working days of the plant's work centers.</param>
public sealed record ProductStructure(
    string Plant,
    IReadOnlyDictionary<string, ItemFacts> Items,
    IReadOnlyDictionary<string, (int Version, decimal BaseQuantity, IReadOnlyList<StructureLine> Lines)> Boms,
    IReadOnlyDictionary<string, IReadOnlyList<StructureOperation>> Routings,
    IReadOnlyDictionary<string, decimal> StandardCosts,
    IReadOnlyDictionary<string, decimal> OverheadRates,
    IReadOnlyDictionary<string, (decimal CapacityHoursPerDay, string WorkingDays)> WorkCenters);
