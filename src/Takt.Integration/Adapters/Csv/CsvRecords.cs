using Takt.Contracts;

namespace Takt.Integration.Adapters.Csv;

/// <summary>One record of a CSV file and the physical line it starts on (1 is the header).</summary>
internal sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>
/// RFC 4180 records: fields separated by the delimiter, optionally in double quotes (a quote inside doubled,
/// line breaks allowed inside), records ended by CRLF or LF. Blank lines are skipped. The delimiter is the header's:
/// a comma, or a semicolon as spreadsheets write in locales whose decimal separator is the comma.
/// </summary>
internal static class CsvRecords
{
    public static char Delimiter(string text)
    {
        var header = text.AsSpan(0, text.IndexOfAny(['\r', '\n']) is var end and >= 0 ? end : text.Length);
        return header.Count(';') > header.Count(',') ? ';' : ',';
    }

    public static Outcome<List<CsvRecord>> Parse(string text, char delimiter)
    {
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var line = 1;
        var start = 1;
        var quoted = false;
        var wasQuoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    if (c == '\n')
                        line++;
                    field.Append(c);
                }

                continue;
            }

            if (c == '"')
            {
                if (field.Length > 0 || wasQuoted)
                    return new Violation($"/lines/{line}", "csv.quote-invalid", $"Line {line}: a quote inside an unquoted field; quote the whole field and double the quote.");
                quoted = wasQuoted = true;
            }
            else if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
                wasQuoted = false;
            }
            else if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                    i++;
                End();
                line++;
                start = line;
            }
            else if (wasQuoted)
            {
                return new Violation($"/lines/{line}", "csv.quote-invalid", $"Line {line}: text after a closing quote; a quoted field ends at the delimiter.");
            }
            else
            {
                field.Append(c);
            }
        }

        if (quoted)
            return new Violation($"/lines/{start}", "csv.quote-unterminated", $"The quoted field that starts on line {start} never ends.");
        End();
        return records;

        void End()
        {
            fields.Add(field.ToString());
            field.Clear();
            wasQuoted = false;
            if (fields.Count > 1 || fields[0].Length > 0)
                records.Add(new CsvRecord(start, [.. fields]));
            fields.Clear();
        }
    }
}
