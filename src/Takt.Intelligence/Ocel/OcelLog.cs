namespace Takt.Intelligence;

/// <summary>The three forms of an OCEL 2.0 log (ocel-standard.org/2.0): JSON, XML and the relational SQLite form.</summary>
public enum OcelFormat
{
    Json,
    Xml,
    Sqlite,
}

/// <summary>An attribute declared by an event or object type; <c>Type</c> is string, time, integer, float or boolean.</summary>
public sealed record OcelAttributeDeclaration(string Name, string Type);

/// <summary>A declared event or object type with its attributes (declared even when no event or object has it).</summary>
public sealed record OcelType(string Name, IReadOnlyList<OcelAttributeDeclaration> Attributes);

/// <summary>An event-to-object or object-to-object relation.</summary>
public sealed record OcelRelationship(string ObjectId, string Qualifier);

public sealed record OcelEventAttribute(string Name, string Value);

/// <summary>An object attribute's value from <c>Time</c> on (OCEL 2.0 keeps object attributes over time).</summary>
public sealed record OcelObjectAttribute(string Name, string Value, DateTimeOffset Time);

public sealed record OcelEvent(string Id, string Type, DateTimeOffset Time, IReadOnlyList<OcelEventAttribute> Attributes, IReadOnlyList<OcelRelationship> Relationships);

public sealed record OcelObject(string Id, string Type, IReadOnlyList<OcelObjectAttribute> Attributes, IReadOnlyList<OcelRelationship> Relationships);

/// <summary>An OCEL 2.0 log in memory: what an imported file holds, for analysis (counts, process maps) and conversion.</summary>
public sealed record OcelLog(IReadOnlyList<OcelType> EventTypes, IReadOnlyList<OcelType> ObjectTypes, IReadOnlyList<OcelEvent> Events, IReadOnlyList<OcelObject> Objects)
{
    public OcelStats Stats() => new(
        Events.Count,
        Objects.Count,
        EventTypes.Count,
        ObjectTypes.Count,
        Events.Sum(e => (long)e.Relationships.Count),
        Objects.Sum(o => (long)o.Relationships.Count));
}

/// <summary>
/// The counts of an OCEL 2.0 log: events, objects, declared event and object types (including types without
/// events or objects), event-to-object and object-to-object relations (as stored: a relation to an object the
/// log does not list still counts).
/// </summary>
public sealed record OcelStats(long Events, long Objects, long EventTypes, long ObjectTypes, long EventToObjectRelations, long ObjectToObjectRelations);
