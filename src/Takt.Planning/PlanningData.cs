using Takt.MasterData;
using Takt.Planning.Mrp;
using Takt.Production;
using Takt.Store;

namespace Takt.Planning;

/// <summary>Planning parameters of a plant item.</summary>
internal sealed record ItemParameters(bool Make, int LeadTimeDays, LotPolicy Policy, decimal LotSize, decimal SafetyStock, string? Supplier, decimal Price, string Category);

/// <summary>An open disruption's down window.</summary>
internal sealed record DisruptionRow(string Id, string Plant, string WorkCenter, DateTimeOffset From, DateTimeOffset To, string Status, DateTimeOffset OccurredAt, DateTimeOffset? CommittedAt, DateTimeOffset? UpAt, DateTimeOffset? ReplannedUpAt);

/// <summary>A stored schedule line.</summary>
internal sealed record ScheduleRow(string Order, string Operation, string Plant, string Item, string RoutingWorkCenter, string WorkCenter, string WorkPlant, DateTimeOffset Start, DateTimeOffset Finish, long Minutes, DateOnly DueDate, long LateMinutes, string? Disruption);

/// <summary>Reads what a planning run needs inside its transaction.</summary>
internal static class PlanningData
{
    public static string LotPolicyName(LotPolicy p) => p switch { LotPolicy.Fixed => "fixed", LotPolicy.Minimum => "minimum", _ => "lot-for-lot" };

    public static LotPolicy ParseLotPolicy(string s) => s switch { "fixed" => LotPolicy.Fixed, "minimum" => LotPolicy.Minimum, _ => LotPolicy.LotForLot };

    public static async Task<Dictionary<(string Plant, string Item), ItemParameters>> ItemsAsync(StoreTransaction tx, IReadOnlyCollection<string> plants, CancellationToken ct)
    {
        var (plantIn, arg) = SqlList.In(tx, "plant", plants);
        var result = new Dictionary<(string, string), ItemParameters>();
        await using var reader = await tx.Command(
            $"SELECT plant, item, make, lead_time_days, lot_policy, lot_size_e6, safety_stock_e6, supplier, price_e4, category FROM planning_item WHERE {plantIn}", arg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[(reader.GetString(0), reader.GetString(1))] = new ItemParameters(reader.GetInt64(2) != 0, (int)reader.GetInt64(3), ParseLotPolicy(reader.GetString(4)),
                Fixed.FromE6(reader.GetInt64(5)), Fixed.FromE6(reader.GetInt64(6)), reader.IsDBNull(7) ? null : reader.GetString(7), Fixed.FromE4(reader.GetInt64(8)), reader.GetString(9));
        }

        return result;
    }

    public static async Task<List<(string Plant, string Item, decimal Quantity, DateOnly Due, string Kind, string Reference)>> DemandAsync(StoreTransaction tx, IReadOnlyCollection<string> plants, CancellationToken ct)
    {
        var (plantIn, arg) = SqlList.In(tx, "plant", plants);
        var result = new List<(string, string, decimal, DateOnly, string, string)>();
        await using var reader = await tx.Command($"SELECT plant, item, quantity_e6, due_date, kind, reference FROM planning_demand WHERE {plantIn} ORDER BY id", arg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result.Add((reader.GetString(0), reader.GetString(1), Fixed.FromE6(reader.GetInt64(2)), Instants.FromDateKey((int)reader.GetInt64(3)), reader.GetString(4), reader.GetString(5)));
        return result;
    }

    public static async Task<Dictionary<(string Plant, string Item), long>> FingerprintsAsync(StoreTransaction tx, IReadOnlyCollection<string> plants, CancellationToken ct)
    {
        var (plantIn, arg) = SqlList.In(tx, "plant", plants);
        var result = new Dictionary<(string, string), long>();
        await using var reader = await tx.Command($"SELECT plant, item, fingerprint FROM planning_node WHERE {plantIn}", arg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result[(reader.GetString(0), reader.GetString(1))] = reader.GetInt64(2);
        return result;
    }

    public static async Task<List<(string WorkCenter, string Alternate, int Efficiency)>> AlternatesAsync(StoreTransaction tx, CancellationToken ct)
    {
        var result = new List<(string, string, int)>();
        await using var reader = await tx.Command("SELECT work_center, alternate, efficiency_percent FROM planning_alternate ORDER BY work_center, alternate").ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result.Add((reader.GetString(0), reader.GetString(1), (int)reader.GetInt64(2)));
        return result;
    }

    public const string DisruptionColumns = "id, plant, work_center, down_from_us, down_to_us, status, occurred_at_us, committed_at_us, up_at_us, replanned_up_at_us";

    public static DisruptionRow ReadDisruption(System.Data.Common.DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), Instants.FromUnixMicroseconds(r.GetInt64(3)), Instants.FromUnixMicroseconds(r.GetInt64(4)), r.GetString(5),
        Instants.FromUnixMicroseconds(r.GetInt64(6)), r.IsDBNull(7) ? null : Instants.FromUnixMicroseconds(r.GetInt64(7)),
        r.IsDBNull(8) ? null : Instants.FromUnixMicroseconds(r.GetInt64(8)), r.IsDBNull(9) ? null : Instants.FromUnixMicroseconds(r.GetInt64(9)));

    public static async Task<List<DisruptionRow>> DisruptionsAsync(StoreTransaction tx, string where, object?[] args, CancellationToken ct)
    {
        var result = new List<DisruptionRow>();
        await using var reader = await tx.Command($"SELECT {DisruptionColumns} FROM planning_disruption WHERE {where} ORDER BY id", args).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result.Add(ReadDisruption(reader));
        return result;
    }

    public const string ScheduleColumns = "order_number, operation, plant, item, routing_work_center, work_center, work_plant, start_us, finish_us, minutes, due_date, late_minutes, disruption";

    public static ScheduleRow ReadSchedule(System.Data.Common.DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
        Instants.FromUnixMicroseconds(r.GetInt64(7)), Instants.FromUnixMicroseconds(r.GetInt64(8)), r.GetInt64(9), Instants.FromDateKey((int)r.GetInt64(10)), r.GetInt64(11),
        r.IsDBNull(12) ? null : r.GetString(12));

    public static async Task<Dictionary<(string Plant, string Item), List<PlannedOrderRow>>> PlannedOrdersAsync(StoreTransaction tx, IReadOnlyCollection<string> plants, CancellationToken ct)
    {
        var (plantIn, arg) = SqlList.In(tx, "plant", plants);
        var result = new Dictionary<(string, string), List<PlannedOrderRow>>();
        await using var reader = await tx.Command($"SELECT plant, item, seq, quantity_e6, release_date, due_date FROM planning_planned_order WHERE {plantIn} ORDER BY plant, item, seq", arg).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            if (!result.TryGetValue(key, out var list))
                result[key] = list = [];
            list.Add(new PlannedOrderRow(Fixed.FromE6(reader.GetInt64(3)), Instants.FromDateKey((int)reader.GetInt64(4)), Instants.FromDateKey((int)reader.GetInt64(5))));
        }

        return result;
    }
}

internal sealed record PlannedOrderRow(decimal Quantity, DateOnly Release, DateOnly Due);

/// <summary>The plants' structures and orders, read once per run.</summary>
internal sealed record PlanningInput(
    IReadOnlyList<string> Plants,
    IReadOnlyDictionary<string, ProductStructure> Structures,
    MasterDataView View,
    IReadOnlyList<OpenOrder> Orders);
