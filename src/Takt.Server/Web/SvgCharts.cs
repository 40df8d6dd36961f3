using System.Globalization;
using System.Net;
using System.Text;

namespace Takt.Server.Web;

/// <summary>One line of a chart: a value per day (null where there is no data that day).</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<(DateOnly Day, double? Value)> Points);

/// <summary>A bar of a grouped bar chart: its group label and a value per series (null: none).</summary>
public sealed record ChartBar(string Group, IReadOnlyList<double?> Values);

/// <summary>Charts drawn on the server as SVG (no script): accessible names, a title per mark for the exact figure.</summary>
public static class SvgCharts
{
    /// <summary>Colors distinguishable with common color blindness (Okabe–Ito), dark enough on white.</summary>
    public static readonly string[] Palette = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];

    private const double Width = 720, Height = 270, Left = 56, Right = 16, Top = 28, Bottom = 40;

    public static string Line(string label, string unit, IReadOnlyList<ChartSeries> series)
    {
        var days = series.SelectMany(s => s.Points.Select(p => p.Day)).Distinct().Order().ToArray();
        var max = Nice(series.SelectMany(s => s.Points).Select(p => p.Value ?? 0).DefaultIfEmpty(0).Max());
        var svg = Open(label);
        Axes(svg, max, unit);
        double X(int i) => Left + (days.Length <= 1 ? (Width - Left - Right) / 2 : i * (Width - Left - Right) / (days.Length - 1));
        double Y(double v) => Height - Bottom - (v / max * (Height - Top - Bottom));
        for (var i = 0; i < days.Length; i++)
        {
            if (days.Length <= 10 || i % 2 == 0 || i == days.Length - 1)
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(X(i))}" y="{F(Height - Bottom + 16)}" text-anchor="middle" font-size="11" fill="#4f5b67">{days[i]:MM-dd}</text>""");
        }

        for (var s = 0; s < series.Count; s++)
        {
            var color = Palette[s % Palette.Length];
            var points = series[s].Points.Where(p => p.Value is not null).Select(p => (X: X(Array.IndexOf(days, p.Day)), Y: Y(p.Value!.Value), p.Day, p.Value)).ToArray();
            if (points.Length > 1)
                svg.Append(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{color}" stroke-width="2" points="{string.Join(' ', points.Select(p => $"{F(p.X)},{F(p.Y)}"))}"/>""");
            foreach (var p in points)
                svg.Append(CultureInfo.InvariantCulture, $"""<circle class="mark" cx="{F(p.X)}" cy="{F(p.Y)}" r="3.5" fill="{color}"><title>{E(series[s].Name)} {p.Day:yyyy-MM-dd}: {p.Value!.Value.ToString("0.##", CultureInfo.InvariantCulture)} {E(unit)}</title></circle>""");
        }

        return svg.Append("</svg>").ToString();
    }

    public static string Bars(string label, string unit, IReadOnlyList<string> seriesNames, IReadOnlyList<ChartBar> bars)
    {
        var max = Nice(bars.SelectMany(b => b.Values).Select(v => v ?? 0).DefaultIfEmpty(0).Max());
        var svg = Open(label);
        Axes(svg, max, unit);
        var groupWidth = (Width - Left - Right) / Math.Max(1, bars.Count);
        var barWidth = Math.Min(28, (groupWidth - 8) / Math.Max(1, seriesNames.Count));
        for (var g = 0; g < bars.Count; g++)
        {
            var x0 = Left + (g * groupWidth) + ((groupWidth - (barWidth * seriesNames.Count)) / 2);
            for (var s = 0; s < seriesNames.Count && s < bars[g].Values.Count; s++)
            {
                if (bars[g].Values[s] is not { } v)
                    continue;
                var h = v / max * (Height - Top - Bottom);
                svg.Append(CultureInfo.InvariantCulture, $"""<rect class="mark" x="{F(x0 + (s * barWidth))}" y="{F(Height - Bottom - h)}" width="{F(barWidth - 2)}" height="{F(Math.Max(h, 0.5))}" fill="{Palette[s % Palette.Length]}"><title>{E(bars[g].Group)} {E(seriesNames[s])}: {v.ToString("0.##", CultureInfo.InvariantCulture)} {E(unit)}</title></rect>""");
            }

            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(Left + (g * groupWidth) + (groupWidth / 2))}" y="{F(Height - Bottom + 16)}" text-anchor="middle" font-size="11" fill="#4f5b67">{E(bars[g].Group)}</text>""");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>The legend as HTML (screen readers read it; the chart's marks carry titles too).</summary>
    public static string Legend(IEnumerable<string> names) =>
        "<p class=\"legend\">" + string.Concat(names.Select((n, i) => $"<span><span class=\"swatch\" style=\"background:{Palette[i % Palette.Length]}\"></span>{E(n)}</span>")) + "</p>";

    private static StringBuilder Open(string label) => new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"""<svg class="chart" role="img" aria-label="{E(label)}" xmlns="http://www.w3.org/2000/svg" width="{F(Width)}" height="{F(Height)}" viewBox="0 0 {F(Width)} {F(Height)}" font-family="system-ui,Liberation Sans,sans-serif" font-size="12">""");

    private static void Axes(StringBuilder svg, double max, string unit)
    {
        for (var i = 0; i <= 4; i++)
        {
            var v = max * i / 4;
            var y = Height - Bottom - (v / max * (Height - Top - Bottom));
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{F(Left)}" x2="{F(Width - Right)}" y1="{F(y)}" y2="{F(y)}" stroke="#d3dae2"/><text x="{F(Left - 6)}" y="{F(y + 4)}" text-anchor="end" font-size="11" fill="#4f5b67">{v.ToString("0.##", CultureInfo.InvariantCulture)}</text>""");
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="4" y="12" font-size="11" fill="#4f5b67">{E(unit)}</text>""");
    }

    /// <summary>A round upper bound for the axis (1, 2 or 5 × a power of ten).</summary>
    private static double Nice(double max)
    {
        if (max <= 0)
            return 1;
        var power = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var step in new[] { 1.0, 2, 5, 10 })
        {
            if (step * power >= max)
                return step * power;
        }

        return 10 * power;
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
