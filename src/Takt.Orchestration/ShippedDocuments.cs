namespace Takt.Orchestration;

/// <summary>The documents shipped with the module (embedded): the built-in flows, the standard flows, their demo variants and the demo approval matrix.</summary>
public static class ShippedDocuments
{
    public static IEnumerable<(string Name, string Document)> BuiltIn() => Read(".Shipped.builtin.");

    /// <summary>Expedite procurement approval, invoice exception resolution, stock adjustment approval, quality hold release, production schedule change.</summary>
    public static IEnumerable<(string Name, string Document)> Standards() => Read(".Shipped.standards.");

    /// <summary>One plant variant per standard (file name flow.PLANT).</summary>
    public static IEnumerable<(string Name, string Document)> Variants() => Read(".Shipped.variants.");

    public static string ProcurementMatrix => Read(".Shipped.procurement.doa").Single().Document;

    private static IEnumerable<(string Name, string Document)> Read(string marker)
    {
        var assembly = typeof(ShippedDocuments).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.Contains(marker, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var file = name[(name.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
            yield return (file.EndsWith(".yaml", StringComparison.Ordinal) ? file[..^5] : file, reader.ReadToEnd());
        }
    }
}
