using System.Globalization;
using System.Security;
using System.Text;

namespace Takt.Intelligence;

/// <summary>
/// Draws a process map as SVG, laid out here without external tools (a small Sugiyama-style layering): edges that
/// close a cycle (found by a depth-first search from the most frequent start) are set aside so the rest is acyclic;
/// each activity goes to the layer of its longest path from a start; activities in a layer are ordered by the mean
/// position of their neighbours in the layer above, then below (a few sweeps), which removes most crossings of a
/// process's mostly linear flow. Forward edges run down, edges back up curve along the right, repeats loop on the
/// node. Edge width follows frequency; the bottlenecks (slowest median transitions) are drawn red.
/// </summary>
internal static class ProcessMapSvg
{
    private const double LayerHeight = 120;
    private const double NodeHeight = 44;
    private const double Gap = 60;
    private const double Margin = 40;
    private const double SidePad = 100; // room left of the nodes for edges that skip layers

    private sealed class Node(ActivityNode activity)
    {
        public ActivityNode Activity { get; } = activity;

        public int Layer { get; set; }

        public double Order { get; set; }

        public double X { get; set; }

        public double Y { get; set; }

        public double Width { get; set; }
    }

    public static string Render(ProcessMap map)
    {
        var nodes = map.Activities.ToDictionary(a => a.Activity, a => new Node(a), StringComparer.Ordinal);
        var edges = map.Edges.Where(e => nodes.ContainsKey(e.From) && nodes.ContainsKey(e.To)).ToList();
        var back = BackEdges(map, nodes, edges);
        var forward = edges.Where(e => e.From != e.To && !back.Contains(e)).ToList();

        // Layers: longest path from a start over the acyclic forward edges (repeated relaxation; graphs are small).
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var e in forward)
            {
                if (nodes[e.To].Layer < nodes[e.From].Layer + 1)
                {
                    nodes[e.To].Layer = nodes[e.From].Layer + 1;
                    changed = true;
                }
            }
        }

        var layers = nodes.Values.GroupBy(n => n.Layer).OrderBy(g => g.Key).Select(g => g.OrderByDescending(n => n.Activity.Events).ThenBy(n => n.Activity.Activity, StringComparer.Ordinal).ToList()).ToList();
        for (var i = 0; i < layers.Count; i++)
        {
            for (var j = 0; j < layers[i].Count; j++)
                layers[i][j].Order = j;
        }

        for (var sweep = 0; sweep < 4; sweep++)
        {
            var down = sweep % 2 == 0;
            foreach (var layer in down ? layers.Skip(1) : Enumerable.Reverse(layers).Skip(1))
            {
                foreach (var n in layer)
                {
                    var neighbours = forward.Where(e => down ? e.To == n.Activity.Activity : e.From == n.Activity.Activity)
                        .Select(e => nodes[down ? e.From : e.To].Order).ToList();
                    if (neighbours.Count > 0)
                        n.Order = neighbours.Average();
                }

                layer.Sort((a, b) => a.Order.CompareTo(b.Order));
                for (var j = 0; j < layer.Count; j++)
                    layer[j].Order = j;
            }
        }

        foreach (var n in nodes.Values)
            n.Width = Math.Max(120, (Label(n.Activity.Activity).Length * 7.5) + 24);
        var widest = layers.Count == 0 ? 0 : layers.Max(l => l.Sum(n => n.Width) + (Gap * (l.Count - 1)));
        for (var i = 0; i < layers.Count; i++)
        {
            var x = Margin + SidePad + ((widest - (layers[i].Sum(n => n.Width) + (Gap * (layers[i].Count - 1)))) / 2);
            foreach (var n in layers[i])
            {
                n.X = x;
                n.Y = Margin + 30 + (i * LayerHeight);
                x += n.Width + Gap;
            }
        }

        var width = widest + (2 * Margin) + SidePad + 160;
        var height = (Margin * 2) + 30 + (Math.Max(1, layers.Count) * LayerHeight);
        var bottlenecks = map.Bottlenecks.ToHashSet();
        var maxCount = Math.Max(1, edges.Count == 0 ? 1 : edges.Max(e => e.Count));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{F(width)}" height="{F(height)}" viewBox="0 0 {F(width)} {F(height)}" font-family="sans-serif" font-size="12">""").Append('\n');
        svg.Append("""<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker><marker id="arrow-red" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c62828"/></marker></defs>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(Margin)}" y="{F(Margin)}" font-size="14" font-weight="bold">{Escape($"{map.ObjectType}: {map.Objects} objects, {map.Events} events{(map.Plant is null ? "" : $", plant {map.Plant}")}")}</text>""").Append('\n');

        foreach (var e in edges)
        {
            var (from, to) = (nodes[e.From], nodes[e.To]);
            var red = bottlenecks.Contains(e);
            var stroke = red ? "#c62828" : "#555";
            var strokeWidth = 1 + (4.0 * Math.Log(1 + e.Count) / Math.Log(1 + maxCount));
            string path;
            double lx, ly;
            if (from == to)
            {
                var (x, y) = (from.X + from.Width, from.Y + (NodeHeight / 2));
                path = $"M{F(x)},{F(y - 8)} C{F(x + 40)},{F(y - 30)} {F(x + 40)},{F(y + 30)} {F(x)},{F(y + 8)}";
                (lx, ly) = (x + 36, y);
            }
            else if (back.Contains(e) || to.Layer <= from.Layer)
            {
                var (x1, y1, x2, y2) = (from.X + from.Width, from.Y + (NodeHeight / 2), to.X + to.Width, to.Y + (NodeHeight / 2));
                var bend = Math.Max(x1, x2) + 60 + (15 * Math.Abs(from.Layer - to.Layer));
                path = $"M{F(x1)},{F(y1)} C{F(bend)},{F(y1)} {F(bend)},{F(y2)} {F(x2)},{F(y2)}";
                (lx, ly) = (bend - 10, (y1 + y2) / 2);
            }
            else if (to.Layer - from.Layer > 1)
            {
                // Skipping layers: along the left, clear of the activities in between.
                var (x1, y1, x2, y2) = (from.X, from.Y + (NodeHeight / 2), to.X, to.Y + (NodeHeight / 2));
                var bend = Math.Max(8, Math.Min(x1, x2) - 50 - (10 * (to.Layer - from.Layer)));
                path = $"M{F(x1)},{F(y1)} C{F(bend)},{F(y1)} {F(bend)},{F(y2)} {F(x2)},{F(y2)}";
                (lx, ly) = (bend + 4, (y1 + y2) / 2);
            }
            else
            {
                var (x1, y1, x2, y2) = (from.X + (from.Width / 2), from.Y + NodeHeight, to.X + (to.Width / 2), to.Y);
                path = $"M{F(x1)},{F(y1)} C{F(x1)},{F(y1 + 50)} {F(x2)},{F(y2 - 50)} {F(x2)},{F(y2)}";
                (lx, ly) = (((x1 + x2) / 2) + 6, (y1 + y2) / 2);
            }

            svg.Append(CultureInfo.InvariantCulture, $"""<g class="edge"><title>{Escape($"{e.From} → {e.To}: {e.Count}, median {Duration(e.MedianSeconds)}, p90 {Duration(e.P90Seconds)}")}</title><path d="{path}" fill="none" stroke="{stroke}" stroke-width="{F(strokeWidth)}" marker-end="url(#{(red ? "arrow-red" : "arrow")})"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(lx)}" y="{F(ly)}" fill="{stroke}">{Escape($"{e.Count} · {Duration(e.MedianSeconds)}")}</text></g>""").Append('\n');
        }

        foreach (var n in nodes.Values)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<g class="activity"><title>{Escape($"{n.Activity.Activity}: {n.Activity.Events} passes, {n.Activity.Starts} starts, {n.Activity.Ends} ends")}</title><rect x="{F(n.X)}" y="{F(n.Y)}" width="{F(n.Width)}" height="{F(NodeHeight)}" rx="8" fill="#e3f2fd" stroke="#1565c0"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(n.X + (n.Width / 2))}" y="{F(n.Y + 18)}" text-anchor="middle" font-weight="bold">{Escape(Label(n.Activity.Activity))}</text><text x="{F(n.X + (n.Width / 2))}" y="{F(n.Y + 34)}" text-anchor="middle" fill="#555">{n.Activity.Events}</text></g>""").Append('\n');
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Edges that close a cycle, from a depth-first search starting at the most frequent starts.</summary>
    private static HashSet<DirectlyFollowsEdge> BackEdges(ProcessMap map, Dictionary<string, Node> nodes, List<DirectlyFollowsEdge> edges)
    {
        var back = new HashSet<DirectlyFollowsEdge>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the stack, 2 done
        var outgoing = edges.GroupBy(e => e.From, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderByDescending(e => e.Count).ToList(), StringComparer.Ordinal);
        void Visit(string activity)
        {
            state[activity] = 1;
            foreach (var e in outgoing.GetValueOrDefault(activity) ?? [])
            {
                switch (state.GetValueOrDefault(e.To))
                {
                    case 0:
                        Visit(e.To);
                        break;
                    case 1:
                        back.Add(e);
                        break;
                }
            }

            state[activity] = 2;
        }

        foreach (var start in map.Activities.OrderByDescending(a => a.Starts).ThenByDescending(a => a.Events).Select(a => a.Activity))
        {
            if (state.GetValueOrDefault(start) == 0 && nodes.ContainsKey(start))
                Visit(start);
        }

        return back;
    }

    /// <summary>A CloudEvents type without its namespace and version: <c>takt.production.material-issued.v1</c> → <c>material-issued</c>.</summary>
    internal static string Label(string activity)
    {
        var parts = activity.Split('.');
        return parts.Length >= 4 && parts[0] == "takt" && parts[^1].StartsWith('v') ? string.Join('.', parts[2..^1]) : activity;
    }

    internal static string Duration(double seconds) => seconds switch
    {
        < 1 => $"{seconds * 1000:0} ms",
        < 120 => $"{seconds:0.#} s",
        < 7200 => $"{seconds / 60:0.#} min",
        < 172800 => $"{seconds / 3600:0.#} h",
        _ => $"{seconds / 86400:0.#} d",
    };

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text);
}
