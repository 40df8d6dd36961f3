using System.Text.RegularExpressions;

namespace Takt.Orchestration.Standards;

/// <summary>ISO 8601 durations as standards write them: days, hours, minutes, seconds (PT8H, P2D, PT30M).</summary>
internal static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (text is null)
            return false;
        var match = Iso().Match(text);
        if (!match.Success || text == "P" || text.EndsWith('T'))
            return false;
        static long Part(Match m, string name) => m.Groups[name].Success ? long.Parse(m.Groups[name].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        try
        {
            duration = TimeSpan.FromDays(Part(match, "d")) + TimeSpan.FromHours(Part(match, "h")) + TimeSpan.FromMinutes(Part(match, "m")) + TimeSpan.FromSeconds(Part(match, "s"));
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
            return "PT0S";
        var text = "P" + (duration.Days > 0 ? $"{duration.Days}D" : "");
        var time = (duration.Hours > 0 ? $"{duration.Hours}H" : "") + (duration.Minutes > 0 ? $"{duration.Minutes}M" : "") + (duration.Seconds > 0 ? $"{duration.Seconds}S" : "");
        return time.Length > 0 ? text + "T" + time : text;
    }

    [GeneratedRegex(@"^P(?:(?<d>[0-9]{1,5})D)?(?:T(?:(?<h>[0-9]{1,6})H)?(?:(?<m>[0-9]{1,7})M)?(?:(?<s>[0-9]{1,9})S)?)?$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Iso();
}
