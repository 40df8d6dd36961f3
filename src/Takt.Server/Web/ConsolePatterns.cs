using System.Text.RegularExpressions;

namespace Takt.Server.Web;

/// <summary>Regular expressions of the console (generated here: the Razor generator's output is not seen by the regex generator).</summary>
internal static partial class ConsolePatterns
{
    /// <summary>One activity of a rendered process map (ProcessMapSvg writes each on one line, its title first).</summary>
    [GeneratedRegex("""<g class="activity"><title>(?<activity>[^<:]+):[^\n]*</g>""", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    public static partial Regex MapActivity();
}
