using Takt.Contracts;
using Takt.Store;

namespace Takt.Production;

internal sealed record OperationRow(string Operation, string WorkCenter, string Description);

internal sealed record OrderRow(
    string Number,
    string Plant,
    string Item,
    UnitOfMeasure Unit,
    string Status,
    string? Hold,
    IReadOnlySet<string> Components,
    IReadOnlyDictionary<string, OperationRow> Operations,
    long FallbackOpen = 0);

internal static class OrderRows
{
    /// <summary>
    /// Reads orders; the components of those in <paramref name="withComponents"/> and the operations of those in
    /// <paramref name="withOperations"/> (the others get empty sets: a batch reads only what its events check).
    /// On PostgreSQL locks the order rows.
    /// </summary>
    public static async Task<Dictionary<string, OrderRow>> LoadAsync(
        StoreTransaction transaction,
        IReadOnlyCollection<string> numbers,
        IReadOnlyCollection<string> withComponents,
        IReadOnlyCollection<string> withOperations,
        bool forUpdate,
        CancellationToken ct)
    {
        var (orderIn, orderArg) = SqlList.In(transaction, "number", numbers);
        var (componentIn, componentArg) = SqlList.In(transaction, "order_number", withComponents);
        var (operationIn, operationArg) = SqlList.In(transaction, "order_number", withOperations);
        var heads = new List<(string Number, string Plant, string Item, string Unit, string Status, string? Hold, long FallbackOpen)>();
        var lockClause = forUpdate && transaction.Engine == StoreEngine.Postgres ? " ORDER BY number FOR UPDATE" : "";
        await using (var reader = await transaction.Command(
            $"SELECT number, plant, item, unit, status, hold_reason, fallback_open FROM production_order WHERE {orderIn}{lockClause}", orderArg).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                heads.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt64(6)));
        }

        var components = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        if (withComponents.Count > 0)
        {
            await using (var reader = await transaction.Command(
                $"SELECT order_number, item FROM production_order_component WHERE {componentIn}", componentArg).ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    var number = reader.GetString(0);
                    if (!components.TryGetValue(number, out var set))
                        components[number] = set = new HashSet<string>(StringComparer.Ordinal);
                    set.Add(reader.GetString(1));
                }
            }
        }

        var operations = new Dictionary<string, Dictionary<string, OperationRow>>(StringComparer.Ordinal);
        if (withOperations.Count > 0)
        {
            await using (var reader = await transaction.Command(
                $"SELECT order_number, operation, work_center, description FROM production_order_operation WHERE {operationIn}", operationArg).ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    var number = reader.GetString(0);
                    if (!operations.TryGetValue(number, out var map))
                        operations[number] = map = new Dictionary<string, OperationRow>(StringComparer.Ordinal);
                    map[reader.GetString(1)] = new OperationRow(reader.GetString(1), reader.GetString(2), reader.GetString(3));
                }
            }
        }

        return heads.ToDictionary(
            h => h.Number,
            h => new OrderRow(
                h.Number,
                h.Plant,
                h.Item,
                UnitOfMeasure.Of(h.Unit),
                h.Status,
                h.Hold,
                components.GetValueOrDefault(h.Number) ?? [],
                operations.GetValueOrDefault(h.Number) ?? new Dictionary<string, OperationRow>(StringComparer.Ordinal),
                h.FallbackOpen),
            StringComparer.Ordinal);
    }
}
