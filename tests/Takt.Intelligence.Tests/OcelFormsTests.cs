using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Takt.Intelligence.Tests;

/// <summary>OCEL 2.0 in its three forms: counts of published logs, Takt's own log in every form, round trips, hostile XML.</summary>
public sealed class OcelFormsTests
{
    private static readonly IIntelligence Intelligence = Module.Intelligence();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("pm4py-ocel20_example.jsonocel")]
    [InlineData("pm4py-ocel20_example.xmlocel")]
    [InlineData("pm4py-ocel20_example.sqlite")]
    [InlineData("ocpa-container-logistics.sqlite")]
    public async Task published_logs_have_the_counts_computed_for_them(string file)
    {
        var expected = OcelData.Expected(file.EndsWith(".xmlocel", StringComparison.Ordinal) ? "pm4py-ocel20_example.jsonocel" : file);
        var log = await Intelligence.ReadOcelAsync(OcelData.Shared(file), Ct);
        var stats = log.Stats();

        Assert.Equal(
            (expected.GetProperty("events").GetInt64(), expected.GetProperty("objects").GetInt64(), expected.GetProperty("declared_event_types").GetArrayLength(), expected.GetProperty("declared_object_types").GetArrayLength(),
                expected.GetProperty("event_object_relations").GetInt64(), expected.GetProperty("object_object_relations").GetInt64()),
            (stats.Events, stats.Objects, stats.EventTypes, stats.ObjectTypes, stats.EventToObjectRelations, stats.ObjectToObjectRelations));
        Assert.Equal(expected.GetProperty("declared_event_types").EnumerateArray().Select(t => t.GetString()).Order(StringComparer.Ordinal), log.EventTypes.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal(
            expected.GetProperty("events_per_type").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()).OrderBy(p => p.Key, StringComparer.Ordinal),
            log.Events.GroupBy(e => e.Type).ToDictionary(g => g.Key, g => g.Count()).OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("tiny.jsonocel")]
    [InlineData("tiny.xmlocel")]
    [InlineData("tiny.sqlite")]
    public async Task each_form_of_one_log_reads_as_the_same_log(string file)
    {
        var log = await Intelligence.ReadOcelAsync(OcelData.Fixture(file), Ct);

        // Declared types count even without events or objects (cancel order, customer).
        Assert.Equal(new OcelStats(3, 3, 4, 3, 6, 2), log.Stats());
        Assert.Equal(["place order", "pick item", "ship order", "cancel order"], log.EventTypes.Select(t => t.Name));
        Assert.Equal(
            ["e1 place order 2026-11-02T08:00:00Z customer=ACME → o1 placed, i1 ordered, i2 ordered", "e2 pick item 2026-11-02T09:30:00Z → i1 picked, o1 for", "e3 ship order 2026-11-03T09:00:00Z → o1 shipped"],
            log.Events.Select(Describe));
        var order = log.Objects.Single(o => o.Id == "o1");
        Assert.Equal(["status=open@2026-11-02T08:00:00Z", "status=shipped@2026-11-03T09:00:00Z"], order.Attributes.Select(a => $"{a.Name}={a.Value}@{a.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}"));
        Assert.Equal(["i1 contains", "i2 contains"], order.Relationships.Select(r => $"{r.ObjectId} {r.Qualifier}"));
        Assert.Equal("1.5", Assert.Single(log.Objects.Single(o => o.Id == "i1").Attributes).Value);
    }

    [Fact]
    public async Task the_published_example_round_trips_through_json_and_sqlite_unchanged()
    {
        var original = await Intelligence.ReadOcelAsync(OcelData.Shared("pm4py-ocel20_example.jsonocel"), Ct);
        var dir = Directory.CreateTempSubdirectory("takt-ocel-");
        try
        {
            foreach (var format in new[] { OcelFormat.Json, OcelFormat.Sqlite })
            {
                var path = Path.Combine(dir.FullName, "example." + format);
                await Intelligence.WriteOcelAsync(original, path, format, Ct);
                var again = await Intelligence.ReadOcelAsync(path, Ct);

                Assert.Equal(original.Stats(), again.Stats());
                Assert.Equal(original.Events.Select(Describe), again.Events.Select(Describe));
                Assert.Equal(original.Objects.Select(DescribeObject), again.Objects.Select(DescribeObject));
                Assert.Equal(original.EventTypes.Select(DescribeType), again.EventTypes.Select(DescribeType));
                Assert.Equal(original.ObjectTypes.Select(t => t.Name), again.ObjectTypes.Select(t => t.Name));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task takt_ocel_stats_prints_the_counts_as_json()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "takt.dll"), "ocel", "stats", OcelData.Fixture("tiny.xmlocel"), "--json" })
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);

        Assert.Equal(0, process.ExitCode);
        var counts = JsonDocument.Parse(output).RootElement;
        Assert.Equal(
            ["events=3", "objects=3", "eventTypes=4", "objectTypes=3", "eventToObjectRelations=6", "objectToObjectRelations=2"],
            counts.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetInt64()}"));
    }

    [Theory]
    [InlineData("""<?xml version="1.0"?><!DOCTYPE log [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><log><object-types/><event-types/><objects/><events><event id="&b;" type="t" time="2026-01-01T00:00:00Z"><attributes/><objects/></event></events></log>""", "DTD")]
    [InlineData("""<?xml version="1.0"?><!DOCTYPE log SYSTEM "http://127.0.0.1:9/ocel.dtd"><log/>""", "DTD")]
    [InlineData("<log><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></log>", "deeper")]
    [InlineData("<log><events>", "well-formed")]
    public async Task hostile_or_broken_xml_is_refused_before_anything_is_read(string xml, string reason)
    {
        var path = Path.Combine(Path.GetTempPath(), $"takt-hostile-{Guid.NewGuid():N}.xmlocel");
        await File.WriteAllTextAsync(path, xml, Ct);
        try
        {
            var error = await Assert.ThrowsAnyAsync<FormatException>(() => Intelligence.ReadOcelAsync(path, Ct));
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static string Describe(OcelEvent e) =>
        $"{e.Id} {e.Type} {e.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}{string.Concat(e.Attributes.Select(a => $" {a.Name}={a.Value}"))} → {string.Join(", ", e.Relationships.Select(r => $"{r.ObjectId} {r.Qualifier}"))}";

    internal static string DescribeObject(OcelObject o) =>
        $"{o.Id} {o.Type} [{string.Join(", ", o.Attributes.Select(a => $"{a.Name}={a.Value}@{a.Time:O}"))}] → {string.Join(", ", o.Relationships.Select(r => $"{r.ObjectId} {r.Qualifier}"))}";

    private static string DescribeType(OcelType t) => $"{t.Name} ({string.Join(", ", t.Attributes.Select(a => $"{a.Name}:{a.Type}"))})";
}
