using Takt.Store;

namespace Takt.Inventory.Stock;

/// <summary>
/// Serializes writers of one item's stock at a plant. PostgreSQL: a transaction-scoped advisory lock per
/// (plant, item), taken in a fixed order so two documents never deadlock; SQLite has one writer already.
/// Reservations, allocations and movements all take it before they read what they check.
/// </summary>
internal static class StockLocks
{
    public static async Task TakeAsync(StoreTransaction tx, string plant, IEnumerable<string> items, CancellationToken ct)
    {
        if (tx.Engine != StoreEngine.Postgres)
            return;
        foreach (var item in items.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            await tx.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", ct, $"takt.inventory/{plant}/{item}");
    }

    /// <summary>
    /// Locks WMS references (allocation ids, WMS task ids) for the transaction, before any stock lock: a confirmation
    /// and the creation of the allocation it names run one after the other, so the later one sees the earlier.
    /// </summary>
    public static async Task TakeReferencesAsync(StoreTransaction tx, IEnumerable<string> references, CancellationToken ct)
    {
        if (tx.Engine != StoreEngine.Postgres)
            return;
        foreach (var reference in references.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            await tx.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", ct, $"takt.inventory.wms/{reference}");
    }
}

/// <summary>
/// The stock of some items at one plant, read inside the writer's transaction (after <see cref="StockLocks"/>):
/// bins, open reservations and allocations, locations and the plant's settings. Changes staged by the writer are
/// added here too, so checks see them.
/// </summary>
internal sealed class StockBook
{
    private readonly Dictionary<(string Location, string Item, string Lot, string Status), decimal> bins = [];
    private readonly Dictionary<string, decimal> reserved = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Location, string Item, string Lot), decimal> allocated = [];
    private readonly HashSet<string> locations = new(StringComparer.Ordinal);

    private StockBook(string plant) => Plant = plant;

    public string Plant { get; }

    public bool AllowNegative { get; private set; }

    public decimal AdjustmentThreshold { get; private set; } = 5000m;

    public string StagingLocation { get; private set; } = "PSA";

    public static async Task<StockBook> LoadAsync(StoreTransaction tx, string plant, IReadOnlyCollection<string> items, CancellationToken ct)
    {
        var book = new StockBook(plant);
        var (itemIn, itemArgs) = SqlList.In(tx, "item", items, 2);
        await using (var reader = await tx.Command($"SELECT location, item, lot, status, quantity_e6 FROM inventory_bin WHERE plant = $1 AND {itemIn}", plant, itemArgs).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                book.bins[(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3))] = Fixed.FromE6(reader.GetInt64(4));
        }

        await using (var reader = await tx.Command($"SELECT item, CAST(SUM(quantity_e6 - picked_e6) AS bigint) FROM inventory_reservation WHERE plant = $1 AND status = 'open' AND {itemIn} GROUP BY item", plant, itemArgs).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                book.reserved[reader.GetString(0)] = Fixed.FromE6(reader.GetInt64(1));
        }

        await using (var reader = await tx.Command($"SELECT location, item, lot, CAST(SUM(quantity_e6 - picked_e6) AS bigint) FROM inventory_allocation WHERE plant = $1 AND status = 'instructed' AND {itemIn} GROUP BY location, item, lot", plant, itemArgs).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                book.allocated[(reader.GetString(0), reader.GetString(1), reader.GetString(2))] = Fixed.FromE6(reader.GetInt64(3));
        }

        await using (var reader = await tx.Command("SELECT code FROM inventory_location WHERE plant = $1", plant).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                book.locations.Add(reader.GetString(0));
        }

        await using (var reader = await tx.Command("SELECT allow_negative, adjustment_threshold_e4, staging_location FROM inventory_plant_setting WHERE plant = $1", plant).ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                book.AllowNegative = reader.GetInt64(0) != 0;
                book.AdjustmentThreshold = Fixed.FromE4(reader.GetInt64(1));
                book.StagingLocation = reader.GetString(2);
            }
        }

        return book;
    }

    public bool LocationExists(string code) => locations.Contains(code);

    public decimal Quantity(string location, string item, string lot, string status) => bins.GetValueOrDefault((location, item, lot, status));

    public void Add(string location, string item, string lot, string status, decimal quantity) =>
        bins[(location, item, lot, status)] = Quantity(location, item, lot, status) + quantity;

    public decimal OnHand(string item, string? status = null) => bins.Where(b => b.Key.Item == item && (status is null || b.Key.Status == status)).Sum(b => b.Value);

    public decimal Reserved(string item) => reserved.GetValueOrDefault(item);

    public void Reserve(string item, decimal quantity) => reserved[item] = Reserved(item) + quantity;

    /// <summary>Unrestricted stock not yet promised to a reservation (DESIGN: availability = on hand − reserved − blocked).</summary>
    public decimal Unreserved(string item) => OnHand(item, StockStatus.Unrestricted) - Reserved(item);

    /// <summary>Unrestricted stock in a bin not yet allocated to a pick.</summary>
    public decimal Unallocated(string location, string item, string lot) =>
        Quantity(location, item, lot, StockStatus.Unrestricted) - allocated.GetValueOrDefault((location, item, lot));

    public void Allocate(string location, string item, string lot, decimal quantity) =>
        allocated[(location, item, lot)] = allocated.GetValueOrDefault((location, item, lot)) + quantity;

    /// <summary>Unrestricted bins of an item, oldest lot first (lots are named so they sort by age, e.g. L2026-11-03).</summary>
    public IEnumerable<(string Location, string Lot, decimal Free)> FreeBins(string item) =>
        bins.Keys.Where(k => k.Item == item && k.Status == StockStatus.Unrestricted && k.Location.Length > 0)
            .Select(k => (k.Location, k.Lot, Free: Unallocated(k.Location, k.Item, k.Lot)))
            .Where(b => b.Free > 0)
            .OrderBy(b => b.Lot, StringComparer.Ordinal).ThenBy(b => b.Location, StringComparer.Ordinal);
}
