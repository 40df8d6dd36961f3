using Takt.Contracts;
using Takt.Store;

namespace Takt.MasterData;

public sealed record Company(string Code, string Name, Currency Currency);

public sealed record Plant(string Code, string Name, Company Company, TimeZoneInfo TimeZone)
{
    /// <summary>The business date of an instant in the plant's time zone (posting dates are plant dates).</summary>
    public DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime);
}

public sealed record Item(string Number, string Description, UnitOfMeasure BaseUnit, string ItemClass);

public sealed record WorkCenter(string Code, string Plant, string Name, decimal MachineRatePerHour, decimal LabourRatePerHour);

/// <summary>The master data one batch of work refers to, read inside its transaction.</summary>
public sealed class MasterDataView(
    IReadOnlyDictionary<string, Plant> plants,
    IReadOnlyDictionary<string, Item> items,
    IReadOnlyDictionary<(string Plant, string Item), decimal> standardCosts,
    IReadOnlyDictionary<string, WorkCenter> workCenters)
{
    public Plant? Plant(string code) => plants.GetValueOrDefault(code);

    public Item? Item(string number) => items.GetValueOrDefault(number);

    public WorkCenter? WorkCenter(string code) => workCenters.GetValueOrDefault(code);

    /// <summary>Standard cost per base unit at a plant, in the plant's company currency; null when not costed.</summary>
    public decimal? StandardCost(string plant, string item) =>
        standardCosts.TryGetValue((plant, item), out var cost) ? cost : null;
}

public sealed record ItemSetup(string Number, string Description, string BaseUnit, string ItemClass);

public sealed record MasterDataSet(
    IReadOnlyList<Company> Companies,
    IReadOnlyList<(string Code, string Name, string Company, string TimeZone)> Plants,
    IReadOnlyList<ItemSetup> Items,
    IReadOnlyList<(string Plant, string Item, decimal StandardCost)> StandardCosts,
    IReadOnlyList<WorkCenter> WorkCenters);

/// <summary>Plants, items, standard costs and work centers.</summary>
public interface IMasterData
{
    /// <summary>Reads the named plants, items (with their costs at those plants) and work centers.</summary>
    Task<MasterDataView> LoadAsync(
        StoreTransaction transaction,
        IReadOnlyCollection<string> plants,
        IReadOnlyCollection<string> items,
        IReadOnlyCollection<string> workCenters,
        CancellationToken ct);

    /// <summary>Inserts or replaces master data (imports, demo data).</summary>
    Task UpsertAsync(StoreTransaction transaction, MasterDataSet set, CancellationToken ct);

    /// <summary>Every plant (small; for lists and KPIs).</summary>
    Task<IReadOnlyList<Plant>> PlantsAsync(TaktStore store, CancellationToken ct);

    /// <summary>
    /// Checks a whole document (references, units, conversions, BOM cycles, effective-date overlaps, released
    /// versions) and stages all of it in the transaction, or nothing with every violation.
    /// </summary>
    Task<Outcome<ImportSummary>> ImportAsync(StoreTransaction transaction, MasterDataDocument document, ChangeReason reason, CancellationToken ct);

    /// <summary>Everything, in the import format (a round trip imports unchanged).</summary>
    Task<MasterDataDocument> ExportAsync(TaktStore store, CancellationToken ct);

    /// <summary>A plant's items, BOMs effective on <paramref name="on"/> (released ones only), routings, costs and rates.</summary>
    Task<ProductStructure> LoadStructureAsync(StoreTransaction transaction, string plant, DateOnly on, CancellationToken ct);

    /// <summary>
    /// An import as people and systems send it: every check of <see cref="ImportAsync"/>; a document that changes
    /// governed fields (standard costs, released BOMs) of a plant whose <c>masterdata-change-approval</c> standard is
    /// published (<see cref="IChangeApprovals"/>) is not applied but kept as a change request, and its approval starts in the same transaction.
    /// </summary>
    Task<Outcome<ImportResult>> ImportOrProposeAsync(StoreTransaction transaction, MasterDataDocument document, ChangeReason reason, CancellationToken ct);

    /// <summary>
    /// The approval of change request <paramref name="change"/> ended: approved, it is checked again against the master
    /// data of now and applied (or, breaking a rule by now, marked failed with the rules); rejected, nothing changes.
    /// A request decided already is left alone.
    /// </summary>
    Task DecideChangeAsync(StoreTransaction transaction, string change, string approval, bool approved, CancellationToken ct);

    /// <summary>Sets standard costs at a plant (a released cost version), logging each change with who, when and why.</summary>
    Task SetStandardCostsAsync(StoreTransaction transaction, string plant, IReadOnlyDictionary<string, decimal> costs, ChangeReason reason, CancellationToken ct);
}
