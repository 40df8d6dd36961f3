using System.Globalization;

namespace Takt.Orchestration.Standards;

/// <summary>
/// A decision's condition: comparisons of names (inputs, variation points), numbers and 'text', joined by
/// <c>and</c> / <c>or</c> (and binds tighter). <c>value &gt; approvalThreshold and category == 'MRO'</c>.
/// Deliberately small: a standard is data an owner reads, not a program.
/// </summary>
internal sealed class Condition
{
    private readonly List<List<Comparison>> anyOf;

    private Condition(List<List<Comparison>> anyOf) => this.anyOf = anyOf;

    private sealed record Operand(string? Name, decimal? Number, string? Text);

    private sealed record Comparison(Operand Left, string Op, Operand Right);

    /// <summary>Names the condition reads.</summary>
    public IEnumerable<string> Names => anyOf.SelectMany(a => a).SelectMany(c => new[] { c.Left.Name, c.Right.Name }).OfType<string>().Distinct(StringComparer.Ordinal);

    public static bool TryParse(string text, out Condition condition, out string error)
    {
        condition = new Condition([]);
        error = "";
        var tokens = Tokenize(text, out error);
        if (tokens is null)
            return false;
        var alternatives = new List<List<Comparison>> { new() };
        var i = 0;
        while (true)
        {
            if (i + 3 > tokens.Count)
            {
                error = "Expected a comparison: <name|number|'text'> <op> <name|number|'text'>.";
                return false;
            }

            var left = OperandOf(tokens[i]);
            var op = tokens[i + 1];
            var right = OperandOf(tokens[i + 2]);
            if (left is null || right is null || op is not ("==" or "!=" or ">" or ">=" or "<" or "<="))
            {
                error = $"'{tokens[i]} {tokens[i + 1]} {tokens[i + 2]}' is not a comparison.";
                return false;
            }

            alternatives[^1].Add(new Comparison(left, op, right));
            i += 3;
            if (i == tokens.Count)
                break;
            if (tokens[i] == "and")
            {
                i++;
            }
            else if (tokens[i] == "or")
            {
                alternatives.Add([]);
                i++;
            }
            else
            {
                error = $"Expected 'and' or 'or', found '{tokens[i]}'.";
                return false;
            }
        }

        condition = new Condition(alternatives);
        return true;
    }

    /// <summary>Evaluates with names resolved to a number or text (null: unknown name, which makes a comparison false).</summary>
    public bool Evaluate(Func<string, object?> resolve) =>
        anyOf.Any(all => all.All(c => Compare(Value(c.Left, resolve), c.Op, Value(c.Right, resolve))));

    private static object? Value(Operand operand, Func<string, object?> resolve) =>
        operand.Name is { } name ? resolve(name) : operand.Number is { } number ? number : operand.Text;

    private static bool Compare(object? left, string op, object? right)
    {
        if (left is decimal a && right is decimal b)
        {
            return op switch
            {
                "==" => a == b,
                "!=" => a != b,
                ">" => a > b,
                ">=" => a >= b,
                "<" => a < b,
                _ => a <= b,
            };
        }

        if (left is string s && right is string t)
        {
            return op switch
            {
                "==" => string.Equals(s, t, StringComparison.Ordinal),
                "!=" => !string.Equals(s, t, StringComparison.Ordinal),
                _ => false,
            };
        }

        return op == "!=" && (left is null) != (right is null);
    }

    private static Operand? OperandOf(string token)
    {
        if (token.Length >= 2 && token[0] == '\'' && token[^1] == '\'')
            return new Operand(null, null, token[1..^1]);
        if (decimal.TryParse(token, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            return new Operand(null, number, null);
        return char.IsLetter(token[0]) && token.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.') && token is not ("and" or "or")
            ? new Operand(token.TrimStart('$'), null, null)
            : token[0] == '$' && token.Length > 1 ? new Operand(token[1..], null, null) : null;
    }

    private static List<string>? Tokenize(string text, out string error)
    {
        error = "";
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    error = "A quoted text is not closed.";
                    return null;
                }

                tokens.Add(text[i..(end + 1)]);
                i = end + 1;
            }
            else if (c is '=' or '!' or '<' or '>')
            {
                var two = i + 1 < text.Length && text[i + 1] == '=';
                tokens.Add(text.Substring(i, two ? 2 : 1));
                i += two ? 2 : 1;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('=' or '!' or '<' or '>' or '\''))
                    i++;
                tokens.Add(text[start..i]);
            }
        }

        if (tokens.Count == 0)
            error = "The condition is empty.";
        return tokens.Count == 0 ? null : tokens;
    }
}
