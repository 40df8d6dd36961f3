namespace Takt.Contracts;

/// <summary>A broken rule: where (a JSON Pointer into the request), which rule (a stable id), and why.</summary>
/// <param name="Field">JSON Pointer to the offending field, e.g. <c>/data/quantity/value</c>; empty for the whole request.</param>
/// <param name="Rule">Stable rule id listed in docs/rules.md, e.g. <c>quantity.positive</c>.</param>
/// <param name="Detail">A sentence for people.</param>
public sealed record Violation(string Field, string Rule, string Detail);

/// <summary>A value, or the violations that prevented it. Both convert implicitly.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public readonly struct Outcome<T>
{
    private readonly T? value;

    private Outcome(T value) => (this.value, Violations) = (value, []);

    private Outcome(IReadOnlyList<Violation> violations) =>
        (value, Violations) = (default, violations.Count > 0
            ? violations
            : throw new ArgumentException("A rejection needs at least one violation.", nameof(violations)));

    /// <summary>Why the value could not be produced; empty when it was.</summary>
    public IReadOnlyList<Violation> Violations { get; }

    /// <summary>True when there are violations.</summary>
    public bool IsRejected => Violations is { Count: > 0 };

    /// <summary>The value; throws when rejected.</summary>
    public T Value => IsRejected ? throw new InvalidOperationException("The outcome was rejected.") : value!;

    /// <summary>Wraps a value.</summary>
    public static implicit operator Outcome<T>(T value) => new(value);

    /// <summary>Wraps one violation.</summary>
    public static implicit operator Outcome<T>(Violation violation) => new([violation]);

    /// <summary>Wraps violations.</summary>
    public static implicit operator Outcome<T>(Violation[] violations) => new(violations);

    /// <summary>Wraps a value.</summary>
    public static Outcome<T> FromValue(T value) => new(value);

    /// <summary>Wraps violations.</summary>
    public static Outcome<T> FromViolations(IReadOnlyList<Violation> violations) => new(violations);
}
