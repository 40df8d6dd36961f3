using System.Collections.Frozen;

namespace Takt.Integration.Adapters;

/// <summary>
/// Plant systems write units as they please (B2MML's UnitOfMeasure is free text: the published COURBON messages
/// say <c>KG</c>); canonical events carry UN/ECE Recommendation 20 codes. Known spellings are translated; anything
/// else passes through upper-cased, and the gateway rejects it if it is not a unit Takt knows (<c>unit.unknown</c>).
/// </summary>
internal static class UnitCodes
{
    private static readonly FrozenDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["KG"] = "KGM", ["KGS"] = "KGM", ["G"] = "GRM", ["GR"] = "GRM", ["T"] = "TNE", ["TO"] = "TNE",
        ["M"] = "MTR", ["CM"] = "CMT", ["MM"] = "MMT", ["L"] = "LTR", ["ML"] = "MLT",
        ["H"] = "HUR", ["HR"] = "HUR", ["HRS"] = "HUR", ["HOUR"] = "HUR", ["HOURS"] = "HUR",
        ["MINUTE"] = "MIN", ["MINUTES"] = "MIN", ["S"] = "SEC", ["SECOND"] = "SEC", ["SECONDS"] = "SEC",
        ["EA"] = "H87", ["EACH"] = "H87", ["PC"] = "H87", ["PCS"] = "H87", ["PCE"] = "H87", ["ST"] = "H87", ["STK"] = "H87", ["PIECE"] = "H87", ["PIECES"] = "H87",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The Rec 20 code for a plant's spelling of a unit.</summary>
    public static string ToRec20(string unit)
    {
        var code = unit.Trim().ToUpperInvariant();
        return Aliases.GetValueOrDefault(code, code);
    }

    /// <summary>Rec 20 time units and their length in seconds (machine and labour time).</summary>
    public static decimal? Seconds(string rec20) => rec20 switch
    {
        "HUR" => 3600m,
        "MIN" => 60m,
        "SEC" => 1m,
        _ => null,
    };
}
