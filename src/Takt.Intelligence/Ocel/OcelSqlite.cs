using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Takt.Intelligence;

/// <summary>
/// The relational OCEL 2.0 form in SQLite: <c>event</c>, <c>object</c>, <c>event_object</c>,
/// <c>object_object</c>, <c>event_map_type</c> / <c>object_map_type</c> (type name → table suffix) and one table
/// per type, <c>event_&lt;Type&gt;</c> (id, time, attributes) and <c>object_&lt;Type&gt;</c> (one row per
/// attribute change: <c>ocel_changed_field</c> names the changed attribute, null on the initial row).
/// </summary>
internal static class OcelSqlite
{
    public static async Task<OcelLog> ReadAsync(string path, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        var tables = (await RowsAsync(connection, "SELECT name FROM sqlite_master WHERE type = 'table'", ct)).Select(r => (string)r[0]!).ToHashSet(StringComparer.Ordinal);
        foreach (var required in new[] { "event", "object", "event_object", "object_object", "event_map_type", "object_map_type" })
        {
            if (!tables.Contains(required))
                throw new OcelFormatException(required, $"An OCEL 2.0 SQLite log has a table '{required}'.");
        }

        var eventTypes = new List<OcelType>();
        var eventDetails = new Dictionary<string, (DateTimeOffset Time, List<OcelEventAttribute> Attributes)>(StringComparer.Ordinal);
        foreach (var row in await RowsAsync(connection, "SELECT ocel_type, ocel_type_map FROM event_map_type ORDER BY rowid", ct))
        {
            var (name, map) = ((string)row[0]!, (string)row[1]!);
            var table = "event_" + map;
            var columns = tables.Contains(table) ? await ColumnsAsync(connection, table, ct) : [];
            eventTypes.Add(new OcelType(name, [.. columns.Where(c => !c.Name.StartsWith("ocel_", StringComparison.Ordinal)).Select(c => new OcelAttributeDeclaration(c.Name, c.Type))]));
            if (columns.Count == 0)
                continue;
            foreach (var values in await RowsAsync(connection, $"SELECT * FROM {Quote(table)}", ct))
            {
                var id = Text(values[Index(columns, "ocel_id")]);
                var time = OcelTime.Parse(Text(values[Index(columns, "ocel_time")]));
                var attributes = new List<OcelEventAttribute>();
                for (var i = 0; i < columns.Count; i++)
                {
                    if (!columns[i].Name.StartsWith("ocel_", StringComparison.Ordinal) && values[i] is not null)
                        attributes.Add(new OcelEventAttribute(columns[i].Name, Text(values[i])));
                }

                eventDetails[id] = (time, attributes);
            }
        }

        var objectTypes = new List<OcelType>();
        var objectAttributes = new Dictionary<string, List<OcelObjectAttribute>>(StringComparer.Ordinal);
        foreach (var row in await RowsAsync(connection, "SELECT ocel_type, ocel_type_map FROM object_map_type ORDER BY rowid", ct))
        {
            var (name, map) = ((string)row[0]!, (string)row[1]!);
            var table = "object_" + map;
            var columns = tables.Contains(table) ? await ColumnsAsync(connection, table, ct) : [];
            objectTypes.Add(new OcelType(name, [.. columns.Where(c => !c.Name.StartsWith("ocel_", StringComparison.Ordinal)).Select(c => new OcelAttributeDeclaration(c.Name, c.Type))]));
            if (columns.Count == 0)
                continue;
            var changed = Index(columns, "ocel_changed_field");
            var timeColumn = Index(columns, "ocel_time");
            foreach (var values in await RowsAsync(connection, $"SELECT * FROM {Quote(table)}", ct))
            {
                var id = Text(values[Index(columns, "ocel_id")]);
                var time = timeColumn >= 0 && values[timeColumn] is { } t ? OcelTime.Parse(Text(t)) : DateTimeOffset.UnixEpoch;
                var field = changed >= 0 && values[changed] is string f ? f : null;
                if (!objectAttributes.TryGetValue(id, out var list))
                    objectAttributes[id] = list = [];
                for (var i = 0; i < columns.Count; i++)
                {
                    if (!columns[i].Name.StartsWith("ocel_", StringComparison.Ordinal) && values[i] is not null && (field is null || field == columns[i].Name))
                        list.Add(new OcelObjectAttribute(columns[i].Name, Text(values[i]), time));
                }
            }
        }

        var e2o = Grouped(await RowsAsync(connection, "SELECT ocel_event_id, ocel_object_id, ocel_qualifier FROM event_object ORDER BY rowid", ct));
        var o2o = Grouped(await RowsAsync(connection, "SELECT ocel_source_id, ocel_target_id, ocel_qualifier FROM object_object ORDER BY rowid", ct));
        var events = new List<OcelEvent>();
        foreach (var row in await RowsAsync(connection, "SELECT ocel_id, ocel_type FROM event ORDER BY rowid", ct))
        {
            var id = Text(row[0]);
            var (time, attributes) = eventDetails.TryGetValue(id, out var d) ? d : throw new OcelFormatException("event_" + Text(row[1]), $"Event '{id}' has no row (and so no time) in its type's table.");
            events.Add(new OcelEvent(id, Text(row[1]), time, attributes, e2o.GetValueOrDefault(id) ?? []));
        }

        var objects = (await RowsAsync(connection, "SELECT ocel_id, ocel_type FROM object ORDER BY rowid", ct))
            .Select(row => new OcelObject(Text(row[0]), Text(row[1]), objectAttributes.GetValueOrDefault(Text(row[0])) ?? [], o2o.GetValueOrDefault(Text(row[0])) ?? []))
            .ToList();
        return new OcelLog(eventTypes, objectTypes, events, objects);
    }

    private static Dictionary<string, List<OcelRelationship>> Grouped(List<object?[]> rows)
    {
        var grouped = new Dictionary<string, List<OcelRelationship>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var from = Text(row[0]);
            if (!grouped.TryGetValue(from, out var list))
                grouped[from] = list = [];
            list.Add(new OcelRelationship(Text(row[1]), row[2] is null ? "" : Text(row[2])));
        }

        return grouped;
    }

    private static int Index(List<(string Name, string Type)> columns, string name) => columns.FindIndex(c => c.Name == name);

    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static async Task<List<(string Name, string Type)>> ColumnsAsync(SqliteConnection connection, string table, CancellationToken ct) =>
        [.. (await RowsAsync(connection, $"SELECT name, type FROM pragma_table_info('{table.Replace("'", "''", StringComparison.Ordinal)}') ORDER BY cid", ct))
            .Select(r => ((string)r[0]!, AttributeType((string?)r[1])))];

    /// <summary>OCEL attribute types from SQLite column types (affinity names as pm4py and ocpa write them).</summary>
    private static string AttributeType(string? sqlType) => (sqlType ?? "").ToUpperInvariant() switch
    {
        var t when t.Contains("INT", StringComparison.Ordinal) => "integer",
        var t when t.Contains("REAL", StringComparison.Ordinal) || t.Contains("FLOA", StringComparison.Ordinal) || t.Contains("DOUB", StringComparison.Ordinal) => "float",
        var t when t.Contains("TIME", StringComparison.Ordinal) || t.Contains("DATE", StringComparison.Ordinal) => "time",
        var t when t.Contains("BOOL", StringComparison.Ordinal) => "boolean",
        _ => "string",
    };

    private static async Task<List<object?[]>> RowsAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(ct))
        {
            var values = new object?[reader.FieldCount];
            for (var i = 0; i < values.Length; i++)
                values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(values);
        }

        return rows;
    }

    internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static async Task WriteAsync(OcelLog log, string path, CancellationToken ct)
    {
        await using var writer = await OcelSqliteWriter.CreateAsync(path, ct);
        foreach (var type in log.EventTypes)
            writer.DeclareEventType(type);
        foreach (var type in log.ObjectTypes)
            writer.DeclareObjectType(type);
        foreach (var e in log.Events)
            writer.AddEvent(e.Id, e.Type, e.Time, e.Attributes.Select(a => (a.Name, a.Value)), e.Relationships);
        foreach (var o in log.Objects)
            writer.AddObject(o);
        await writer.CompleteAsync(ct);
    }
}

/// <summary>
/// Writes an OCEL 2.0 SQLite log in one transaction, a row at a time with reused prepared commands. A type's
/// table is created when the type is declared (or first used); an attribute first seen later adds its column.
/// </summary>
internal sealed class OcelSqliteWriter : IAsyncDisposable
{
    private readonly SqliteConnection connection;
    private readonly SqliteTransaction transaction;
    private readonly Dictionary<string, TypeTable> eventTables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TypeTable> objectTables = new(StringComparer.Ordinal);
    private readonly HashSet<string> maps = new(StringComparer.Ordinal);
    private readonly SqliteCommand insertEvent;
    private readonly SqliteCommand insertObject;
    private readonly SqliteCommand insertEventObject;
    private readonly SqliteCommand insertObjectObject;

    private sealed class TypeTable(string name, string table)
    {
        public string Name { get; } = name;

        public string Table { get; } = table;

        public List<string> Columns { get; } = [];

        public SqliteCommand? Insert { get; set; }
    }

    private OcelSqliteWriter(SqliteConnection connection, SqliteTransaction transaction)
    {
        this.connection = connection;
        this.transaction = transaction;
        insertEvent = Command("INSERT INTO event (ocel_id, ocel_type) VALUES ($1, $2)", 2);
        insertObject = Command("INSERT INTO object (ocel_id, ocel_type) VALUES ($1, $2)", 2);
        insertEventObject = Command("INSERT OR IGNORE INTO event_object (ocel_event_id, ocel_object_id, ocel_qualifier) VALUES ($1, $2, $3)", 3);
        insertObjectObject = Command("INSERT OR IGNORE INTO object_object (ocel_source_id, ocel_target_id, ocel_qualifier) VALUES ($1, $2, $3)", 3);
    }

    public static async Task<OcelSqliteWriter> CreateAsync(string path, CancellationToken ct)
    {
        if (File.Exists(path))
            File.Delete(path);
        var created = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ConnectionString);
        await created.OpenAsync(ct);
        await using (var schema = created.CreateCommand())
        {
            schema.CommandText = """
                PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
                CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);
                CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);
                CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT, PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier));
                CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, ocel_qualifier TEXT, PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier));
                CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
                CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
                """;
            await schema.ExecuteNonQueryAsync(ct);
        }

        return new OcelSqliteWriter(created, (SqliteTransaction)await created.BeginTransactionAsync(ct));
    }

    private SqliteCommand Command(string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 1; i <= parameters; i++)
            command.Parameters.Add(new SqliteParameter("$" + i.ToString(CultureInfo.InvariantCulture), null));
        return command;
    }

    private void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Run(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        command.ExecuteNonQuery();
    }

    public void DeclareEventType(OcelType type) => Declare(eventTables, "event", type);

    public void DeclareObjectType(OcelType type) => Declare(objectTables, "object", type);

    private TypeTable Declare(Dictionary<string, TypeTable> tables, string kind, OcelType type)
    {
        if (!tables.TryGetValue(type.Name, out var table))
        {
            // The table suffix keeps letters and digits only (as pm4py writes it), made unique if two names collapse.
            var map = new string([.. type.Name.Where(char.IsAsciiLetterOrDigit)]);
            if (map.Length == 0)
                map = "type";
            var unique = map;
            for (var n = 2; !maps.Add(kind + "_" + unique); n++)
                unique = map + n.ToString(CultureInfo.InvariantCulture);
            table = new TypeTable(type.Name, $"{kind}_{unique}");
            Execute(kind == "event"
                ? $"CREATE TABLE {OcelSqlite.Quote(table.Table)} (ocel_id TEXT PRIMARY KEY, ocel_time TIMESTAMP)"
                : $"CREATE TABLE {OcelSqlite.Quote(table.Table)} (ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT)");
            using (var map2 = Command($"INSERT INTO {kind}_map_type (ocel_type, ocel_type_map) VALUES ($1, $2)", 2))
                Run(map2, type.Name, unique);
            tables[type.Name] = table;
        }

        foreach (var attribute in type.Attributes)
            AddColumn(table, attribute.Name, attribute.Type);
        return table;
    }

    private void AddColumn(TypeTable table, string name, string type)
    {
        if (table.Columns.Contains(name))
            return;
        var sqlType = type switch { "integer" => "INTEGER", "float" => "REAL", "time" => "TIMESTAMP", "boolean" => "BOOLEAN", _ => "TEXT" };
        Execute($"ALTER TABLE {OcelSqlite.Quote(table.Table)} ADD COLUMN {OcelSqlite.Quote(name)} {sqlType}");
        table.Columns.Add(name);
        table.Insert?.Dispose();
        table.Insert = null;
    }

    public void AddEvent(string id, string type, DateTimeOffset time, IEnumerable<(string Name, string Value)> attributes, IEnumerable<OcelRelationship> relationships)
    {
        var table = eventTables.GetValueOrDefault(type) ?? Declare(eventTables, "event", new OcelType(type, []));
        var values = new object?[table.Columns.Count + 2];
        values[0] = id;
        values[1] = OcelTime.Format(time);
        foreach (var (name, value) in attributes)
        {
            var index = table.Columns.IndexOf(name);
            if (index < 0)
            {
                AddColumn(table, name, "string");
                Array.Resize(ref values, table.Columns.Count + 2);
                index = table.Columns.Count - 1;
            }

            values[index + 2] = value;
        }

        Run(insertEvent, id, type);
        Run(table.Insert ??= InsertInto(table, "ocel_id", "ocel_time"), values);
        foreach (var r in relationships)
            Run(insertEventObject, id, r.ObjectId, r.Qualifier);
    }

    public void AddObject(OcelObject o)
    {
        var table = objectTables.GetValueOrDefault(o.Type) ?? Declare(objectTables, "object", new OcelType(o.Type, []));
        foreach (var a in o.Attributes)
            AddColumn(table, a.Name, "string");
        Run(insertObject, o.Id, o.Type);
        var insert = table.Insert ??= InsertInto(table, "ocel_id", "ocel_time", "ocel_changed_field");
        if (o.Attributes.Count == 0)
        {
            Run(insert, [o.Id, OcelTime.Format(DateTimeOffset.UnixEpoch), null, .. new object?[table.Columns.Count]]);
        }
        else
        {
            // The initial values (the earliest time of each attribute) share one row; every later value is a change.
            var first = o.Attributes.GroupBy(a => a.Name, StringComparer.Ordinal).Select(g => g.MinBy(a => a.Time)!).ToHashSet();
            var initialTime = first.Min(a => a.Time);
            var initial = new object?[table.Columns.Count + 3];
            (initial[0], initial[1]) = (o.Id, OcelTime.Format(initialTime));
            foreach (var a in first)
                initial[table.Columns.IndexOf(a.Name) + 3] = a.Value;
            Run(insert, initial);
            foreach (var a in o.Attributes.Where(a => !first.Contains(a)))
            {
                var change = new object?[table.Columns.Count + 3];
                (change[0], change[1], change[2]) = (o.Id, OcelTime.Format(a.Time), a.Name);
                change[table.Columns.IndexOf(a.Name) + 3] = a.Value;
                Run(insert, change);
            }
        }

        foreach (var r in o.Relationships)
            Run(insertObjectObject, o.Id, r.ObjectId, r.Qualifier);
    }

    private SqliteCommand InsertInto(TypeTable table, params string[] fixedColumns)
    {
        var columns = fixedColumns.Concat(table.Columns).ToList();
        var sql = new StringBuilder($"INSERT INTO {OcelSqlite.Quote(table.Table)} (")
            .AppendJoin(", ", columns.Select(OcelSqlite.Quote))
            .Append(") VALUES (")
            .AppendJoin(", ", columns.Select((_, i) => "$" + (i + 1).ToString(CultureInfo.InvariantCulture)))
            .Append(')');
        return Command(sql.ToString(), columns.Count);
    }

    public async Task CompleteAsync(CancellationToken ct) => await transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        foreach (var table in eventTables.Values.Concat(objectTables.Values))
            table.Insert?.Dispose();
        await insertEvent.DisposeAsync();
        await insertObject.DisposeAsync();
        await insertEventObject.DisposeAsync();
        await insertObjectObject.DisposeAsync();
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
