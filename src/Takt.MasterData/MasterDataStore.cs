using System.Data.Common;
using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.MasterData;

internal sealed class MasterDataStore(IServiceProvider services) : IMasterData
{
    // The approvals (another module's) are resolved at first use, not at construction.
    public Task<Outcome<ImportResult>> ImportOrProposeAsync(StoreTransaction transaction, MasterDataDocument document, ChangeReason reason, CancellationToken ct) =>
        ChangeApproval.ImportAsync(transaction, (IChangeApprovals?)services.GetService(typeof(IChangeApprovals)), document, reason, ct);

    public Task DecideChangeAsync(StoreTransaction transaction, string change, string approval, bool approved, CancellationToken ct) =>
        ChangeApproval.DecideAsync(transaction, change, approval, approved, ct);

    public async Task<MasterDataView> LoadAsync(
        StoreTransaction transaction,
        IReadOnlyCollection<string> plants,
        IReadOnlyCollection<string> items,
        IReadOnlyCollection<string> workCenters,
        CancellationToken ct)
    {
        var plantMap = new Dictionary<string, Plant>(StringComparer.Ordinal);
        var (plantIn, plantArg) = SqlList.In(transaction, "p.code", plants);
        await using (var reader = await transaction.Command(
            $"SELECT p.code, p.name, c.code, c.name, c.currency, p.time_zone FROM masterdata_plant p JOIN masterdata_company c ON c.code = p.company WHERE {plantIn}",
            plantArg).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var company = new Company(reader.GetString(2), reader.GetString(3), Currency.Of(reader.GetString(4)));
                plantMap[reader.GetString(0)] = new Plant(reader.GetString(0), reader.GetString(1), company, TimeZoneInfo.FindSystemTimeZoneById(reader.GetString(5)));
            }
        }

        var itemMap = new Dictionary<string, Item>(StringComparer.Ordinal);
        var (itemIn, itemArg) = SqlList.In(transaction, "number", items);
        await using (var reader = await transaction.Command(
            $"SELECT number, description, base_unit, item_class FROM masterdata_item WHERE {itemIn}", itemArg).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                itemMap[reader.GetString(0)] = new Item(reader.GetString(0), reader.GetString(1), UnitOfMeasure.Of(reader.GetString(2)), reader.GetString(3));
        }

        var costs = new Dictionary<(string, string), decimal>();
        var (costItemIn, costItemArg) = SqlList.In(transaction, "item", items);
        var (costPlantIn, costPlantArg) = SqlList.In(transaction, "plant", plants, 2);
        await using (var reader = await transaction.Command(
            $"SELECT plant, item, standard_cost_e4 FROM masterdata_item_plant WHERE {costItemIn} AND {costPlantIn}",
            costItemArg, costPlantArg).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                costs[(reader.GetString(0), reader.GetString(1))] = Fixed.FromE4(reader.GetInt64(2));
        }

        var centers = new Dictionary<string, WorkCenter>(StringComparer.Ordinal);
        var (centerIn, centerArg) = SqlList.In(transaction, "code", workCenters);
        await using (var reader = await transaction.Command(
            $"SELECT code, plant, name, machine_rate_e4, labour_rate_e4 FROM masterdata_work_center WHERE {centerIn}", centerArg).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                centers[reader.GetString(0)] = new WorkCenter(reader.GetString(0), reader.GetString(1), reader.GetString(2), Fixed.FromE4(reader.GetInt64(3)), Fixed.FromE4(reader.GetInt64(4)));
        }

        return new MasterDataView(plantMap, itemMap, costs, centers);
    }

    public async Task UpsertAsync(StoreTransaction transaction, MasterDataSet set, CancellationToken ct)
    {
        foreach (var c in set.Companies)
        {
            transaction.Stage(
                "INSERT INTO masterdata_company (code, name, currency) VALUES ($1, $2, $3) ON CONFLICT (code) DO UPDATE SET name = excluded.name, currency = excluded.currency",
                c.Code, c.Name, c.Currency.Code);
        }

        foreach (var p in set.Plants)
        {
            // Refuse an unknown time zone here rather than on the first event of the plant.
            _ = TimeZoneInfo.FindSystemTimeZoneById(p.TimeZone);
            transaction.Stage(
                "INSERT INTO masterdata_plant (code, name, company, time_zone) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO UPDATE SET name = excluded.name, company = excluded.company, time_zone = excluded.time_zone",
                p.Code, p.Name, p.Company, p.TimeZone);
        }

        foreach (var i in set.Items)
        {
            // Refuse an unknown unit here rather than on the first event of the item.
            _ = UnitOfMeasure.Of(i.BaseUnit);
            transaction.Stage(
                "INSERT INTO masterdata_item (number, description, base_unit, item_class) VALUES ($1, $2, $3, $4) ON CONFLICT (number) DO UPDATE SET description = excluded.description, base_unit = excluded.base_unit, item_class = excluded.item_class",
                i.Number, i.Description, i.BaseUnit, i.ItemClass);
        }

        foreach (var (plant, item, cost) in set.StandardCosts)
        {
            transaction.Stage(
                "INSERT INTO masterdata_item_plant (plant, item, standard_cost_e4) VALUES ($1, $2, $3) ON CONFLICT (plant, item) DO UPDATE SET standard_cost_e4 = excluded.standard_cost_e4",
                plant, item, Fixed.ToE4(cost));
        }

        foreach (var w in set.WorkCenters)
        {
            transaction.Stage(
                "INSERT INTO masterdata_work_center (code, plant, name, machine_rate_e4, labour_rate_e4) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET plant = excluded.plant, name = excluded.name, machine_rate_e4 = excluded.machine_rate_e4, labour_rate_e4 = excluded.labour_rate_e4",
                w.Code, w.Plant, w.Name, Fixed.ToE4(w.MachineRatePerHour), Fixed.ToE4(w.LabourRatePerHour));
        }

        await transaction.FlushAsync(ct);
    }

    public async Task<IReadOnlyList<Plant>> PlantsAsync(TaktStore store, CancellationToken ct)
    {
        await using DbConnection connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Code, string Name, string CompanyCode, string CompanyName, string Currency, string TimeZone)>(
            new CommandDefinition("SELECT p.code, p.name, c.code, c.name, c.currency, p.time_zone FROM masterdata_plant p JOIN masterdata_company c ON c.code = p.company ORDER BY p.code", cancellationToken: ct));
        return [.. rows.Select(r => new Plant(r.Code, r.Name, new Company(r.CompanyCode, r.CompanyName, Currency.Of(r.Currency)), TimeZoneInfo.FindSystemTimeZoneById(r.TimeZone)))];
    }
    public async Task<Outcome<ImportSummary>> ImportAsync(StoreTransaction transaction, MasterDataDocument document, ChangeReason reason, CancellationToken ct)
    {
        var existing = await MasterDataImport.LoadAsync(transaction, ct);
        var violations = MasterDataImport.Validate(document, existing);
        if (violations.Count > 0)
            return Outcome<ImportSummary>.FromViolations(violations);
        var summary = MasterDataImport.Stage(transaction, document, existing, reason);
        await transaction.FlushAsync(ct);
        return summary;
    }

    public Task<MasterDataDocument> ExportAsync(TaktStore store, CancellationToken ct) => MasterDataExport.ReadAsync(store, ct);

    public Task<ProductStructure> LoadStructureAsync(StoreTransaction transaction, string plant, DateOnly on, CancellationToken ct) =>
        MasterDataExport.StructureAsync(transaction, plant, on, ct);

    public async Task SetStandardCostsAsync(StoreTransaction transaction, string plant, IReadOnlyDictionary<string, decimal> costs, ChangeReason reason, CancellationToken ct)
    {
        var before = new Dictionary<string, decimal>(StringComparer.Ordinal);
        await using (var reader = await transaction.Command("SELECT item, standard_cost_e4 FROM masterdata_item_plant WHERE plant = $1", plant).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                before[reader.GetString(0)] = Fixed.FromE4(reader.GetInt64(1));
        }

        var now = transaction.Clock.GetUtcNow().ToUnixMicroseconds();
        foreach (var (item, cost) in costs)
        {
            var old = before.TryGetValue(item, out var b) ? b : (decimal?)null;
            if (old == cost)
                continue;
            transaction.Stage(
                "INSERT INTO masterdata_item_plant (plant, item, standard_cost_e4) VALUES ($1, $2, $3) ON CONFLICT (plant, item) DO UPDATE SET standard_cost_e4 = excluded.standard_cost_e4",
                plant, item, Fixed.ToE4(cost));
            MasterDataImport.LogChange(transaction, "standard-cost", $"{plant}/{item}", "standardCost",
                old?.ToString(System.Globalization.CultureInfo.InvariantCulture), cost.ToString(System.Globalization.CultureInfo.InvariantCulture), reason, now);
        }
    }
}
