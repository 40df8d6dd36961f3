using Xunit;

namespace Takt.Intelligence.Tests;

/// <summary>
/// The directly-follows graph of one object type on a log small enough to check by hand:
/// <code>
/// o1: A 0 s → B 10 s → C 40 s
/// o2: A 0 s → B 20 s → B 25 s → C 85 s
/// o3: A 100 s → C 160 s
/// </code>
/// A→B twice (10 s, 20 s): median 10 s (nearest rank: the 1st of 2), p90 20 s (the 2nd); B→C twice (30 s, 60 s):
/// 30 s and 60 s; B→B once, 5 s; A→C once, 60 s. Every object starts at A and ends at C. The item shares events with
/// the orders but is not an order; the events are listed out of time order, which the graph must not depend on.
/// </summary>
public sealed class DirectlyFollowsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    private static OcelEvent Event(string id, string type, int seconds, params string[] objects) =>
        new(id, type, T0.AddSeconds(seconds), [], [.. objects.Select(o => new OcelRelationship(o, "q"))]);

    private static readonly OcelLog Log = new(
        [new("A", []), new("B", []), new("C", [])],
        [new("order", []), new("item", [])],
        [
            Event("e9", "C", 160, "o3"),
            Event("e1", "A", 0, "o1", "o2", "i1"),
            Event("e2", "B", 10, "o1", "i1"),
            Event("e3", "C", 40, "o1"),
            Event("e4", "B", 20, "o2"),
            Event("e5", "B", 25, "o2", "i1"),
            Event("e6", "C", 85, "o2"),
            Event("e8", "A", 100, "o3"),
        ],
        [new("o1", "order", [], []), new("o2", "order", [], []), new("o3", "order", [], []), new("i1", "item", [], [])]);

    [Fact]
    public void frequencies_and_median_and_p90_durations_match_the_hand_count()
    {
        var map = Module.Intelligence().ProcessMapOf(Log, new ProcessMapQuery("order", null, null, null));

        Assert.Equal((3, 9), (map.Objects, map.Events));
        Assert.Equal(
            ["A→B 2 10/20", "B→C 2 30/60", "A→C 1 60/60", "B→B 1 5/5"],
            map.Edges.Select(e => $"{e.From}→{e.To} {e.Count} {e.MedianSeconds}/{e.P90Seconds}"));
        Assert.Equal(["A 3 3 0", "B 3 0 0", "C 3 0 3"], map.Activities.Select(a => $"{a.Activity} {a.Events} {a.Starts} {a.Ends}").Order(StringComparer.Ordinal));
        // The slowest transitions by median: A→C (60 s), B→C (30 s), A→B (10 s), B→B (5 s).
        Assert.Equal(["A→C", "B→C", "A→B", "B→B"], map.Bottlenecks.Select(e => $"{e.From}→{e.To}"));
    }

    [Fact]
    public void a_period_keeps_only_the_events_that_occurred_in_it()
    {
        var map = Module.Intelligence().ProcessMapOf(Log, new ProcessMapQuery("order", T0.AddSeconds(20), T0.AddSeconds(100), null));

        // o1: C 40; o2: B 20 → B 25 → C 85; o3: nothing (A at 100 is outside [20, 100)).
        Assert.Equal((2, 4), (map.Objects, map.Events));
        Assert.Equal(["B→B 1 5/5", "B→C 1 60/60"], map.Edges.Select(e => $"{e.From}→{e.To} {e.Count} {e.MedianSeconds}/{e.P90Seconds}"));
    }

    [Fact]
    public void another_object_type_has_its_own_graph()
    {
        var map = Module.Intelligence().ProcessMapOf(Log, new ProcessMapQuery("item", null, null, null));

        Assert.Equal(["A→B 1 10/10", "B→B 1 15/15"], map.Edges.Select(e => $"{e.From}→{e.To} {e.Count} {e.MedianSeconds}/{e.P90Seconds}"));
    }

    [Fact]
    public void the_svg_draws_every_activity_and_edge_and_marks_the_bottlenecks()
    {
        var intelligence = Module.Intelligence();
        var svg = System.Xml.Linq.XDocument.Parse(intelligence.RenderSvg(intelligence.ProcessMapOf(Log, new ProcessMapQuery("order", null, null, null))));
        XNamespaceHelper.AssertSvg(svg);
        var ns = svg.Root!.Name.Namespace;

        Assert.Equal(3, svg.Descendants(ns + "g").Count(g => (string?)g.Attribute("class") == "activity"));
        var edges = svg.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "edge").ToList();
        Assert.Equal(4, edges.Count);
        Assert.Equal(4, edges.Count(e => e.Element(ns + "path")!.Attribute("stroke")!.Value == "#c62828")); // all four are among the five slowest
        Assert.Contains(edges, e => e.Element(ns + "title")!.Value == "A → C: 1, median 60 s, p90 60 s");
    }
}

internal static class XNamespaceHelper
{
    public static void AssertSvg(System.Xml.Linq.XDocument svg)
    {
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        Assert.Equal("http://www.w3.org/2000/svg", svg.Root.Name.NamespaceName);
    }
}
