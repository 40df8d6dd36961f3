namespace Takt.Intelligence;

/// <summary>Reads and writes OCEL 2.0 files, telling the form by the content (SQLite header, <c>{</c> or <c>&lt;</c>).</summary>
internal static class OcelFile
{
    public static async Task<OcelFormat> FormatOfAsync(string path, CancellationToken ct)
    {
        var head = new byte[16];
        int read;
        await using (var file = File.OpenRead(path))
            read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        if (read >= 16 && head.AsSpan().SequenceEqual("SQLite format 3\0"u8))
            return OcelFormat.Sqlite;
        var first = head.AsSpan(0, read).TrimStart("\xEF\xBB\xBF"u8).TrimStart(" \t\r\n"u8);
        return first.Length > 0 && first[0] == (byte)'{' ? OcelFormat.Json
            : first.Length > 0 && first[0] == (byte)'<' ? OcelFormat.Xml
            : throw new OcelFormatException("", $"'{Path.GetFileName(path)}' is neither OCEL 2.0 JSON, XML nor SQLite.");
    }

    public static async Task<OcelLog> ReadAsync(string path, CancellationToken ct)
    {
        switch (await FormatOfAsync(path, ct))
        {
            case OcelFormat.Sqlite:
                return await OcelSqlite.ReadAsync(path, ct);
            case OcelFormat.Json:
                await using (var json = File.OpenRead(path))
                    return await OcelJson.ReadAsync(json, ct);
            default:
                await using (var xml = File.OpenRead(path))
                    return OcelXml.Read(xml);
        }
    }

    public static async Task WriteAsync(OcelLog log, string path, OcelFormat format, CancellationToken ct)
    {
        switch (format)
        {
            case OcelFormat.Sqlite:
                await OcelSqlite.WriteAsync(log, path, ct);
                break;
            case OcelFormat.Json:
                await using (var json = File.Create(path))
                    await OcelJson.WriteAsync(log, json, ct);
                break;
            default:
                throw new NotSupportedException("Takt writes OCEL 2.0 as JSON or SQLite.");
        }
    }
}
