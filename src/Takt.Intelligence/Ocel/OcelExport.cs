using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>
/// Takt's process log as an OCEL 2.0 log, for events that occurred in [from, to) (and at one plant): each event
/// with its CloudEvents type as the event type, the fields of its data as attributes (nested fields joined with
/// dots, all values as strings as OCEL 2.0 JSON has them) and its object links as event-to-object relations.
/// Objects are those the events link (orders, items, plants, work centers, journal entries, stock movements),
/// with the OCEL id <c>type:id</c> (ids are unique per type only); the plant of plant-bound objects as an
/// attribute from their first event; object-to-object relations from the links of one event (an order and a work
/// center belong to the plant, a journal entry was posted for the order, a stock movement moved for it). Event and
/// object types are declared with every attribute seen. The log is read in one pass in commit order and written as
/// it is read: the events stream out, the objects and type declarations follow them.
/// </summary>
internal static class OcelExport
{
    private sealed class ObjectEntry(string type, string id, long firstUs, string? plant)
    {
        public string Type { get; } = type;

        public string Id { get; } = id;

        public long FirstUs { get; } = firstUs;

        public string? Plant { get; } = plant;

        public List<OcelRelationship>? Relations { get; set; }
    }

    /// <summary>Receives the log as it is read: the JSON and SQLite forms.</summary>
    internal interface ISink
    {
        void Declare(string eventType, IReadOnlyList<OcelAttributeDeclaration> newAttributes);

        ValueTask EventAsync(string id, string type, DateTimeOffset time, List<(string Name, string Value)> attributes, List<OcelRelationship> relationships, CancellationToken ct);

        ValueTask ObjectAsync(OcelObject o, CancellationToken ct);

        ValueTask CompleteAsync(IReadOnlyList<OcelType> eventTypes, IReadOnlyList<OcelType> objectTypes, CancellationToken ct);
    }

    private static readonly HashSet<string> PlantBound = new(["production-order", "work-center", "journal-entry", "stock-movement"], StringComparer.Ordinal);

    public static async Task<OcelStats> ExportAsync(TaktStore store, ProcessLogRange range, ISink sink, CancellationToken ct)
    {
        var eventTypes = new Dictionary<string, List<OcelAttributeDeclaration>>(StringComparer.Ordinal);
        var declaredNames = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        // Objects by type, then id: a known object is found from the id's characters, without building its OCEL id.
        var objects = new Dictionary<string, Dictionary<string, ObjectEntry>>(StringComparer.Ordinal);
        long objectCount = 0;
        var links = new List<(string Type, string Id, string Qualifier)>();
        var cache = new NameCache();
        var attributes = new List<(string Name, string Value)>();
        var relationships = new List<OcelRelationship>();
        var newAttributes = new List<OcelAttributeDeclaration>();
        long events = 0, e2o = 0;
        await using (var connection = await store.OpenConnectionAsync(ct))
        {
            // In time order (ties in commit order): the order of the time index, which the range reads anyway, so
            // the database streams rows instead of sorting the whole range first.
            await using var command = LogQuery.Command(connection, store.Engine,
                $"SELECT id, type, source, source_id, plant, occurred_at_us, recorded_at_us, journal_entries, data, objects, actor_kind, actor_id FROM intel_event e WHERE {LogQuery.Range(range, out var args)} ORDER BY occurred_at_us, seq",
                args);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var (id, type, plant, occurredUs) = (reader.GetString(0), reader.GetString(1), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5));
                attributes.Clear();
                relationships.Clear();
                Flatten(reader.GetString(8), attributes, cache);
                attributes.Add(("source", reader.GetString(2)));
                attributes.Add(("sourceId", reader.GetString(3)));
                attributes.Add(("journalEntries", reader.GetInt64(7).ToString(CultureInfo.InvariantCulture)));
                attributes.Add(("recordedAt", OcelTime.Format(Instants.FromUnixMicroseconds(reader.GetInt64(6)))));
                if (!reader.IsDBNull(10))
                {
                    attributes.Add(("actorKind", cache.Intern(reader.GetString(10))));
                    attributes.Add(("actor", reader.GetString(11)));
                }

                if (!eventTypes.TryGetValue(type, out var declared))
                {
                    eventTypes[type] = declared = [];
                    declaredNames[type] = new HashSet<string>(StringComparer.Ordinal);
                }

                var names = declaredNames[type];
                newAttributes.Clear();
                foreach (var (name, _) in attributes)
                {
                    if (names.Add(name))
                    {
                        var declaration = new OcelAttributeDeclaration(name, AttributeType(name));
                        declared.Add(declaration);
                        newAttributes.Add(declaration);
                    }
                }

                if (newAttributes.Count > 0 || declared.Count == 0)
                    sink.Declare(type, newAttributes);

                ParseLinks(reader.GetString(9), links, cache);
                string? order = null;
                foreach (var link in links)
                {
                    if (link.Type == "production-order")
                    {
                        order = link.Id;
                        break;
                    }
                }

                foreach (var (linkType, linkId, qualifier) in links)
                {
                    if (!objects.TryGetValue(linkType, out var ofType))
                        objects[linkType] = ofType = new Dictionary<string, ObjectEntry>(StringComparer.Ordinal);
                    if (!ofType.TryGetValue(linkId, out var entry))
                    {
                        ofType[linkId] = entry = new ObjectEntry(linkType, linkType + ":" + linkId, occurredUs, PlantBound.Contains(linkType) ? plant : null);
                        objectCount++;
                    }

                    relationships.Add(new OcelRelationship(entry.Id, qualifier));
                    var related = linkType switch
                    {
                        "production-order" or "work-center" when plant is not null => ("plant:" + plant, "belongs-to"),
                        "journal-entry" when order is not null => ("production-order:" + order, "posted-for"),
                        "stock-movement" when order is not null => ("production-order:" + order, "moved-for"),
                        _ => default((string, string)?),
                    };
                    if (related is { } r && !Has(entry.Relations, r.Item1, r.Item2))
                        (entry.Relations ??= []).Add(new OcelRelationship(r.Item1, r.Item2));
                }

                e2o += relationships.Count;
                events++;
                await sink.EventAsync(id, type, Instants.FromUnixMicroseconds(occurredUs), attributes, relationships, ct);
            }
        }

        long o2o = 0;
        var objectTypes = new SortedDictionary<string, List<OcelAttributeDeclaration>>(StringComparer.Ordinal);
        foreach (var entry in objects.Values.SelectMany(o => o.Values))
        {
            if (!objectTypes.ContainsKey(entry.Type))
                objectTypes[entry.Type] = PlantBound.Contains(entry.Type) ? [new OcelAttributeDeclaration("plant", "string")] : [];
            o2o += entry.Relations?.Count ?? 0;
            await sink.ObjectAsync(new OcelObject(
                entry.Id,
                entry.Type,
                entry.Plant is null ? [] : [new OcelObjectAttribute("plant", entry.Plant, Instants.FromUnixMicroseconds(entry.FirstUs))],
                (IReadOnlyList<OcelRelationship>?)entry.Relations ?? []), ct);
        }

        await sink.CompleteAsync(
            [.. eventTypes.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new OcelType(t.Key, t.Value))],
            [.. objectTypes.Select(t => new OcelType(t.Key, t.Value))],
            ct);
        return new OcelStats(events, objectCount, eventTypes.Count, objectTypes.Count, e2o, o2o);
    }

    private static bool Has(List<OcelRelationship>? relations, string objectId, string qualifier)
    {
        if (relations is null)
            return false;
        foreach (var r in relations)
        {
            if (r.ObjectId == objectId && r.Qualifier == qualifier)
                return true;
        }

        return false;
    }

    /// <summary>Strings that recur from event to event (attribute names, object types, qualifiers), made once.</summary>
    internal sealed class NameCache
    {
        private readonly Dictionary<string, string> strings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> lookup;

        public NameCache() => lookup = strings.GetAlternateLookup<ReadOnlySpan<char>>();

        public string Intern(ReadOnlySpan<char> text)
        {
            if (lookup.TryGetValue(text, out var found))
                return found;
            if (strings.Count >= 4096)
                return text.ToString(); // not a name that recurs (e.g. ids in keys): do not grow without bound
            var made = text.ToString();
            strings[made] = made;
            return made;
        }

        public string Intern(string text) => Intern(text.AsSpan());

        /// <summary>The string of a JSON string token, interned (names) or not (values).</summary>
        public string Read(ref Utf8JsonReader reader, bool intern)
        {
            if (!intern || reader.HasValueSequence || reader.ValueIsEscaped || reader.ValueSpan.Length > 128)
                return reader.GetString()!;
            Span<char> chars = stackalloc char[128];
            var length = System.Text.Encoding.UTF8.GetChars(reader.ValueSpan, chars);
            return Intern(chars[..length]);
        }

        /// <summary><c>prefix.name</c>, interned.</summary>
        public string Joined(string prefix, string name)
        {
            var length = prefix.Length + 1 + name.Length;
            if (length > 256)
                return prefix + "." + name;
            Span<char> chars = stackalloc char[length];
            prefix.AsSpan().CopyTo(chars);
            chars[prefix.Length] = '.';
            name.AsSpan().CopyTo(chars[(prefix.Length + 1)..]);
            return Intern(chars);
        }
    }

    /// <summary>The object links of an event (its <c>objects</c> column: [{type, id, qualifier}]), read without a serializer.</summary>
    internal static void ParseLinks(string json, List<(string Type, string Id, string Qualifier)> into, NameCache names)
    {
        into.Clear();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var length = System.Text.Encoding.UTF8.GetBytes(json, buffer);
            var reader = new Utf8JsonReader(buffer.AsSpan(0, length));
            string? type = null, id = null, qualifier = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        type = id = qualifier = null;
                        break;
                    case JsonTokenType.EndObject:
                        if (type is not null && id is not null)
                            into.Add((type, id, qualifier ?? ""));
                        break;
                    case JsonTokenType.PropertyName:
                        var field = reader.ValueTextEquals("type"u8) ? 0 : reader.ValueTextEquals("id"u8) ? 1 : reader.ValueTextEquals("qualifier"u8) ? 2 : -1;
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            reader.Skip();
                            break;
                        }

                        if (field == 0)
                            type = names.Read(ref reader, intern: true);
                        else if (field == 1)
                            id = reader.GetString();
                        else if (field == 2)
                            qualifier = names.Read(ref reader, intern: true);
                        break;
                    default:
                        break;
                }
            }

            // Distinct, as the log stores them (an event links an object once per qualifier).
            for (var i = into.Count - 1; i > 0; i--)
            {
                for (var j = 0; j < i; j++)
                {
                    if (into[j] == into[i])
                    {
                        into.RemoveAt(i);
                        break;
                    }
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string AttributeType(string name) => name switch
    {
        "journalEntries" => "integer",
        "recordedAt" => "time",
        _ when name.EndsWith(".value", StringComparison.Ordinal) => "float", // quantities and times: { value, unit }
        _ => "string",
    };

    /// <summary>The event's data as attributes: nested objects' fields joined with dots, arrays as their JSON.</summary>
    internal static void Flatten(string json, List<(string Name, string Value)> into, NameCache names)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var length = System.Text.Encoding.UTF8.GetBytes(json, buffer);
            var reader = new Utf8JsonReader(buffer.AsSpan(0, length));
            var path = new List<string>();
            var prefixes = new List<string>();
            string? name = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        name = names.Read(ref reader, intern: true);
                        break;
                    case JsonTokenType.StartObject:
                        if (name is not null)
                        {
                            path.Add(name);
                            prefixes.Add(prefixes.Count == 0 ? name : names.Joined(prefixes[^1], name));
                        }

                        name = null;
                        break;
                    case JsonTokenType.EndObject:
                        if (path.Count > 0)
                        {
                            path.RemoveAt(path.Count - 1);
                            prefixes.RemoveAt(prefixes.Count - 1);
                        }

                        break;
                    case JsonTokenType.StartArray:
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        into.Add((Joined(prefixes, name!, names), System.Text.Encoding.UTF8.GetString(buffer, start, (int)(reader.TokenStartIndex + 1 - start))));
                        break;
                    case JsonTokenType.String:
                        into.Add((Joined(prefixes, name!, names), reader.GetString()!));
                        break;
                    case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                        into.Add((Joined(prefixes, name!, names), System.Text.Encoding.UTF8.GetString(reader.ValueSpan)));
                        break;
                    default:
                        break;
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Joined(List<string> prefixes, string name, NameCache names) => prefixes.Count == 0 ? name : names.Joined(prefixes[^1], name);

    /// <summary>
    /// OCEL 2.0 JSON, streamed to the output as it is read. Formatting and writing the file run on a task of their
    /// own, fed in batches through a bounded queue, so reading and parsing the log (the caller) and writing the JSON
    /// use two cores: they cost about the same (a profile of the export on 200,000 events).
    /// </summary>
    internal sealed class JsonSink : ISink, IAsyncDisposable
    {
        private const int BatchSize = 256;

        /// <summary>An event (Object null) or an object, as the export handed it over (copied: the export reuses its lists).</summary>
        private readonly record struct Item(string? Id, string? Type, DateTimeOffset Time, (string Name, string Value)[]? Attributes, OcelRelationship[]? Relationships, OcelObject? Object);

        private readonly Utf8JsonWriter json;
        private readonly Channel<List<Item>> batches = Channel.CreateBounded<List<Item>>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        private readonly CancellationTokenSource writerFailed = new();
        private readonly Task writer;
        private List<Item> batch = new(BatchSize);
        private bool objectsStarted;

        public JsonSink(Stream output)
        {
            // Values are written as they are (no escaping of HTML-sensitive characters: the file is not embedded in HTML).
            json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            json.WriteStartObject();
            json.WriteStartArray("events");
            writer = Task.Run(WriteAsync);
        }

        public void Declare(string eventType, IReadOnlyList<OcelAttributeDeclaration> newAttributes)
        {
        }

        public ValueTask EventAsync(string id, string type, DateTimeOffset time, List<(string Name, string Value)> attributes, List<OcelRelationship> relationships, CancellationToken ct) =>
            AddAsync(new Item(id, type, time, [.. attributes], [.. relationships], null), ct);

        public ValueTask ObjectAsync(OcelObject o, CancellationToken ct) => AddAsync(new Item(null, null, default, null, null, o), ct);

        public async ValueTask CompleteAsync(IReadOnlyList<OcelType> eventTypes, IReadOnlyList<OcelType> objectTypes, CancellationToken ct)
        {
            if (batch.Count > 0)
                await SendAsync(batch, ct);
            batch = [];
            batches.Writer.Complete();
            await writer; // the writer is done with the JSON writer from here on
            if (!objectsStarted)
            {
                json.WriteEndArray();
                json.WriteStartArray("objects");
            }

            json.WriteEndArray();
            OcelJson.WriteTypes(json, "eventTypes", eventTypes);
            OcelJson.WriteTypes(json, "objectTypes", objectTypes);
            json.WriteEndObject();
            await json.FlushAsync(ct);
        }

        private async ValueTask AddAsync(Item item, CancellationToken ct)
        {
            batch.Add(item);
            if (batch.Count < BatchSize)
                return;
            var full = batch;
            batch = new List<Item>(BatchSize);
            await SendAsync(full, ct);
        }

        private async ValueTask SendAsync(List<Item> items, CancellationToken ct)
        {
            if (batches.Writer.TryWrite(items))
                return;
            using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, writerFailed.Token);
            try
            {
                await batches.Writer.WriteAsync(items, either.Token);
            }
            catch (OperationCanceledException) when (writerFailed.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                await writer; // throws the writer's failure (a full disk, a closed stream)
                throw;
            }
        }

        private async Task WriteAsync()
        {
            try
            {
                await foreach (var items in batches.Reader.ReadAllAsync())
                {
                    foreach (var item in items)
                    {
                        if (item.Object is { } o)
                        {
                            if (!objectsStarted)
                            {
                                json.WriteEndArray();
                                json.WriteStartArray("objects");
                                objectsStarted = true;
                            }

                            OcelJson.WriteObject(json, o);
                        }
                        else
                        {
                            OcelJson.WriteEvent(json, item.Id!, item.Type!, item.Time, item.Attributes, item.Relationships);
                        }
                    }

                    if (json.BytesPending > 1 << 20)
                        await json.FlushAsync();
                }
            }
            catch
            {
                await writerFailed.CancelAsync(); // the export stops waiting for room in the queue
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            batches.Writer.TryComplete();
            try
            {
                await writer;
            }
            catch (Exception) when (writer.IsFaulted)
            {
                // Already surfaced to the export, or the export failed first and its own error is the one to report.
            }

            writerFailed.Dispose();
            await json.DisposeAsync();
        }
    }

    /// <summary>The OCEL 2.0 SQLite form, written to a new file.</summary>
    internal sealed class SqliteSink(OcelSqliteWriter writer) : ISink
    {
        public void Declare(string eventType, IReadOnlyList<OcelAttributeDeclaration> newAttributes) =>
            writer.DeclareEventType(new OcelType(eventType, newAttributes));

        public ValueTask EventAsync(string id, string type, DateTimeOffset time, List<(string Name, string Value)> attributes, List<OcelRelationship> relationships, CancellationToken ct)
        {
            writer.AddEvent(id, type, time, attributes, relationships);
            return ValueTask.CompletedTask;
        }

        public ValueTask ObjectAsync(OcelObject o, CancellationToken ct)
        {
            writer.AddObject(o);
            return ValueTask.CompletedTask;
        }

        public async ValueTask CompleteAsync(IReadOnlyList<OcelType> eventTypes, IReadOnlyList<OcelType> objectTypes, CancellationToken ct)
        {
            foreach (var type in objectTypes)
                writer.DeclareObjectType(type);
            await writer.CompleteAsync(ct);
        }
    }
}
