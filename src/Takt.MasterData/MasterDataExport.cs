using System.Data.Common;
using Dapper;
using Takt.Contracts;
using Takt.Store;

namespace Takt.MasterData;

/// <summary>Reads master data back: the whole document (export) or a plant's structure on a date (costing, orders).</summary>
internal static class MasterDataExport
{
    public static async Task<MasterDataDocument> ReadAsync(TaktStore store, CancellationToken ct)
    {
        await using DbConnection c = await store.OpenConnectionAsync(ct);
        CommandDefinition Q(string sql) => new(sql, cancellationToken: ct);
        var companies = (await c.QueryAsync<(string, string, string, long)>(Q("SELECT code, name, currency, fiscal_year_start_month FROM masterdata_company ORDER BY code")))
            .Select(r => new CompanyRecord(r.Item1, r.Item2, r.Item3, (int)r.Item4)).ToList();
        var plants = (await c.QueryAsync<(string, string, string, string, string)>(Q("SELECT code, name, company, time_zone, working_days FROM masterdata_plant ORDER BY code")))
            .Select(r => new PlantRecord(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5)).ToList();
        var items = (await c.QueryAsync<(string, string, string, string, string, long)>(Q("SELECT number, description, item_type, base_unit, item_class, lot_controlled FROM masterdata_item ORDER BY number")))
            .Select(r => new ItemRecord(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5, r.Item6 != 0)).ToList();
        var conversions = (await c.QueryAsync<(string, string, long)>(Q("SELECT item, unit, factor_e6 FROM masterdata_unit_conversion ORDER BY item, unit")))
            .Select(r => new ConversionRecord(r.Item1, r.Item2, Fixed.FromE6(r.Item3))).ToList();
        var centers = (await c.QueryAsync<(string, string, string, long, long, long, string)>(Q("SELECT code, plant, name, machine_rate_e4, labour_rate_e4, capacity_hours_e6, working_days FROM masterdata_work_center ORDER BY code")))
            .Select(r => new WorkCenterRecord(r.Item1, r.Item2, r.Item3, Fixed.FromE4(r.Item4), Fixed.FromE4(r.Item5), Fixed.FromE6(r.Item6), r.Item7)).ToList();
        var lines = (await c.QueryAsync<(string Plant, string Item, long Version, string Component, long Quantity, string Unit, long Scrap, string Group, long Rank, long Backflush)>(Q(
                "SELECT plant, item, version, component, quantity_e6, unit, scrap_e6, alternate_group, alternate_rank, backflush FROM masterdata_bom_line ORDER BY plant, item, version, line_no")))
            .ToLookup(r => (r.Plant, r.Item, r.Version));
        var boms = (await c.QueryAsync<(string Plant, string Item, long Version, long From, long To, long Base, string Status)>(Q(
                "SELECT plant, item, version, valid_from, valid_to, base_quantity_e6, status FROM masterdata_bom ORDER BY plant, item, version")))
            .Select(b => new BomRecord(b.Plant, b.Item, (int)b.Version, Instants.FromDateKey((int)b.From), b.To == 0 ? null : Instants.FromDateKey((int)b.To), Fixed.FromE6(b.Base), b.Status,
                [.. lines[(b.Plant, b.Item, b.Version)].Select(l => new BomLineRecord(l.Component, Fixed.FromE6(l.Quantity), l.Unit, Fixed.FromE6(l.Scrap), l.Group.Length == 0 ? null : l.Group, (int)l.Rank, l.Backflush != 0))]))
            .ToList();
        var routings = (await c.QueryAsync<(string Plant, string Item, string Operation, string WorkCenter, string Description, long Setup, long Machine, long Labour)>(Q(
                "SELECT plant, item, operation, work_center, description, setup_hours_e6, machine_hours_e6, labour_hours_e6 FROM masterdata_routing_operation ORDER BY plant, item, operation")))
            .GroupBy(r => (r.Plant, r.Item))
            .Select(g => new RoutingRecord(g.Key.Plant, g.Key.Item, [.. g.Select(o => new OperationRecord(o.Operation, o.WorkCenter, o.Description, Fixed.FromE6(o.Setup), Fixed.FromE6(o.Machine), Fixed.FromE6(o.Labour)))]))
            .ToList();
        var costs = (await c.QueryAsync<(string, string, long)>(Q("SELECT plant, item, standard_cost_e4 FROM masterdata_item_plant ORDER BY plant, item")))
            .Select(r => new StandardCostRecord(r.Item1, r.Item2, Fixed.FromE4(r.Item3))).ToList();
        var overheads = (await c.QueryAsync<(string, string, long)>(Q("SELECT plant, item_class, rate_e6 FROM masterdata_overhead_rate ORDER BY plant, item_class")))
            .Select(r => new OverheadRecord(r.Item1, r.Item2, Fixed.FromE6(r.Item3))).ToList();
        return new MasterDataDocument(companies, plants, items, conversions, centers, boms, routings, costs, overheads);
    }

    public static async Task<ProductStructure> StructureAsync(StoreTransaction tx, string plant, DateOnly on, CancellationToken ct)
    {
        var items = new Dictionary<string, ItemFacts>(StringComparer.Ordinal);
        await using (var r = await tx.Command("SELECT number, item_type, item_class, base_unit, lot_controlled FROM masterdata_item").ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                items[r.GetString(0)] = new ItemFacts(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4) != 0);
        }

        var conversions = new Dictionary<(string, string), decimal>();
        await using (var r = await tx.Command("SELECT item, unit, factor_e6 FROM masterdata_unit_conversion").ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                conversions[(r.GetString(0), r.GetString(1))] = Fixed.FromE6(r.GetInt64(2));
        }

        var day = (long)on.ToDateKey();
        const string Effective = "b.plant = $1 AND b.status = 'released' AND b.valid_from <= $2 AND (b.valid_to = 0 OR b.valid_to > $2)";
        var heads = new Dictionary<string, (int Version, decimal Base)>(StringComparer.Ordinal);
        await using (var r = await tx.Command($"SELECT b.item, b.version, b.base_quantity_e6 FROM masterdata_bom b WHERE {Effective}", plant, day).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                heads[r.GetString(0)] = ((int)r.GetInt64(1), Fixed.FromE6(r.GetInt64(2)));
        }

        var bomLines = new Dictionary<string, List<StructureLine>>(StringComparer.Ordinal);
        await using (var r = await tx.Command(
            $"SELECT l.item, l.line_no, l.component, l.quantity_e6, l.unit, l.scrap_e6, l.alternate_group, l.alternate_rank, l.backflush FROM masterdata_bom_line l JOIN masterdata_bom b ON b.plant = l.plant AND b.item = l.item AND b.version = l.version WHERE {Effective} ORDER BY l.item, l.line_no",
            plant, day).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var parent = r.GetString(0);
                var component = r.GetString(2);
                var quantity = Fixed.FromE6(r.GetInt64(3));
                var unit = r.GetString(4);
                var baseUnit = items.TryGetValue(component, out var facts) ? facts.BaseUnit : unit;
                // Validated on import: the unit converts by dimension or by the item's own conversion.
                var inBase = unit == baseUnit ? quantity
                    : new Quantity(quantity, UnitOfMeasure.Of(unit)).TryConvertTo(UnitOfMeasure.Of(baseUnit), out var converted) ? converted.Value
                    : quantity * conversions[(component, unit)];
                if (!bomLines.TryGetValue(parent, out var list))
                    bomLines[parent] = list = [];
                list.Add(new StructureLine((int)r.GetInt64(1), component, inBase / heads[parent].Base, Fixed.FromE6(r.GetInt64(5)), r.GetString(6), (int)r.GetInt64(7), r.GetInt64(8) != 0));
            }
        }

        var boms = heads.ToDictionary(h => h.Key, h => (h.Value.Version, h.Value.Base, (IReadOnlyList<StructureLine>)(bomLines.GetValueOrDefault(h.Key) ?? [])), StringComparer.Ordinal);

        var routings = new Dictionary<string, List<StructureOperation>>(StringComparer.Ordinal);
        await using (var r = await tx.Command(
            "SELECT o.item, o.operation, o.work_center, o.description, o.setup_hours_e6, o.machine_hours_e6, o.labour_hours_e6, w.machine_rate_e4, w.labour_rate_e4 FROM masterdata_routing_operation o JOIN masterdata_work_center w ON w.code = o.work_center WHERE o.plant = $1 ORDER BY o.item, o.operation",
            plant).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var item = r.GetString(0);
                if (!routings.TryGetValue(item, out var list))
                    routings[item] = list = [];
                list.Add(new StructureOperation(r.GetString(1), r.GetString(2), r.GetString(3), Fixed.FromE6(r.GetInt64(4)), Fixed.FromE6(r.GetInt64(5)), Fixed.FromE6(r.GetInt64(6)), Fixed.FromE4(r.GetInt64(7)), Fixed.FromE4(r.GetInt64(8))));
            }
        }

        var costs = new Dictionary<string, decimal>(StringComparer.Ordinal);
        await using (var r = await tx.Command("SELECT item, standard_cost_e4 FROM masterdata_item_plant WHERE plant = $1", plant).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                costs[r.GetString(0)] = Fixed.FromE4(r.GetInt64(1));
        }

        var overheads = new Dictionary<string, decimal>(StringComparer.Ordinal);
        await using (var r = await tx.Command("SELECT item_class, rate_e6 FROM masterdata_overhead_rate WHERE plant = $1", plant).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                overheads[r.GetString(0)] = Fixed.FromE6(r.GetInt64(1));
        }

        var centers = new Dictionary<string, (decimal, string)>(StringComparer.Ordinal);
        await using (var r = await tx.Command("SELECT code, capacity_hours_e6, working_days FROM masterdata_work_center WHERE plant = $1", plant).ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                centers[r.GetString(0)] = (Fixed.FromE6(r.GetInt64(1)), r.GetString(2));
        }

        return new ProductStructure(plant, items, boms, routings.ToDictionary(x => x.Key, x => (IReadOnlyList<StructureOperation>)x.Value, StringComparer.Ordinal), costs, overheads, centers);
    }
}
