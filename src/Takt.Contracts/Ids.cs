namespace Takt.Contracts;

/// <summary>A journal entry's id (UUID v7: time-ordered).</summary>
/// <param name="Value">The UUID.</param>
public readonly record struct JournalEntryId(Guid Value)
{
    /// <summary>A new time-ordered id.</summary>
    public static JournalEntryId New(TimeProvider clock) => new(Uuid7.New(clock.GetUtcNow()));

    /// <inheritdoc />
    public override string ToString() => Value.ToString();
}

/// <summary>A stock movement's id (UUID v7).</summary>
/// <param name="Value">The UUID.</param>
public readonly record struct StockMovementId(Guid Value)
{
    /// <summary>A new time-ordered id.</summary>
    public static StockMovementId New(TimeProvider clock) => new(Uuid7.New(clock.GetUtcNow()));

    /// <inheritdoc />
    public override string ToString() => Value.ToString();
}

/// <summary>A process-log event's id (UUID v7).</summary>
/// <param name="Value">The UUID.</param>
public readonly record struct ProcessEventId(Guid Value)
{
    /// <summary>A new time-ordered id.</summary>
    public static ProcessEventId New(TimeProvider clock) => new(Uuid7.New(clock.GetUtcNow()));

    /// <inheritdoc />
    public override string ToString() => Value.ToString();
}

/// <summary>A plant's code, e.g. <c>PA01</c>.</summary>
/// <param name="Value">The code.</param>
public readonly record struct PlantCode(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>An item (material) number, e.g. <c>RM-1001</c>.</summary>
/// <param name="Value">The number.</param>
public readonly record struct ItemNumber(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>A production order's number, e.g. <c>PA01-100001</c>.</summary>
/// <param name="Value">The number.</param>
public readonly record struct ProductionOrderNumber(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>A work center's code, e.g. <c>PA01-CNC1</c>.</summary>
/// <param name="Value">The code.</param>
public readonly record struct WorkCenterCode(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}
