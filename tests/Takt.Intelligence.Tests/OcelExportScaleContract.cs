using System.Globalization;
using System.Text.Json;
using Takt.Testing;
using Xunit;

namespace Takt.Intelligence.Tests;

/// <summary>
/// The OCEL 2.0 JSON export of a log larger than its write batches and flushes (the JSON is formatted and written on a
/// task of its own, fed in batches): every event once, in time order, with its objects, the same log as the SQLite form
/// (written without that queue); and an output that fails part-way fails the export instead of leaving it waiting.
/// </summary>
public abstract class OcelExportScaleContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const int Events = 3_000;

    private static readonly DateTimeOffset Start = new(2031, 3, 2, 6, 0, 0, TimeSpan.Zero);

    private static readonly ProcessLogRange Range = new(Start, Start.AddDays(30), "PX9");

    private async Task SeedAsync()
    {
        if (await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM intel_event WHERE plant = 'PX9'") > 0)
            return; // seeded by the other test of the class
        var intelligence = Host.Service<IIntelligence>();
        await using var session = await Host.Store.OpenSessionAsync(TimeProvider.System, Ct);
        await using var tx = await session.BeginAsync(Ct);
        for (var i = 0; i < Events; i++)
        {
            var order = string.Create(CultureInfo.InvariantCulture, $"PX9-{100000 + (i / 3)}");
            var data = string.Create(CultureInfo.InvariantCulture, $$"""{"order":"{{order}}","quantity":{"value":{{i % 17}},"unit":"H87"},"note":"line {{i}} \"quoted\" ✓"}""");
            // Out of time order on purpose: the export sorts by time.
            var time = Start.AddMinutes((i * 7919) % Events);
            intelligence.Append(tx, new ProcessEventDraft("takt.production.material-issued.v1", "/takt/test", $"scale-{i}", "PX9", time, data, i % 2,
                [new ObjectLink("production-order", order, "issued-to"), new ObjectLink("item", $"RM-{i % 50}", "consumed"), new ObjectLink("plant", "PX9", "at")]));
        }

        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task a_json_export_larger_than_its_batches_holds_every_event_once_in_time_order_and_equals_the_sqlite_form()
    {
        await SeedAsync();
        var intelligence = Host.Service<IIntelligence>();
        var dir = Directory.CreateTempSubdirectory("takt-ocel-scale-");
        try
        {
            var jsonFile = Path.Combine(dir.FullName, "export.jsonocel");
            OcelStats stats;
            await using (var output = File.Create(jsonFile))
                stats = await intelligence.ExportOcelJsonAsync(Host.Store, Range, output, Ct);
            var sqliteStats = await intelligence.ExportOcelSqliteAsync(Host.Store, Range, Path.Combine(dir.FullName, "export.sqlite"), Ct);

            // 1,000 orders, 50 items, 1 plant; each event links three objects.
            Assert.Equal(new OcelStats(Events, 1_051, 1, 3, 3 * Events, 1_000), stats);
            Assert.Equal(stats, sqliteStats);

            var json = JsonDocument.Parse(await File.ReadAllTextAsync(jsonFile, Ct)).RootElement;
            var times = json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("time").GetDateTimeOffset()).ToList();
            Assert.Equal(Events, times.Count);
            Assert.Equal(times.Order(), times);

            var fromJson = await intelligence.ReadOcelAsync(jsonFile, Ct);
            var fromSqlite = await intelligence.ReadOcelAsync(Path.Combine(dir.FullName, "export.sqlite"), Ct);
            Assert.Equal(Enumerable.Range(0, Events).Select(i => $"scale-{i}").Order(StringComparer.Ordinal),
                fromJson.Events.Select(e => e.Attributes.Single(a => a.Name == "sourceId").Value).Order(StringComparer.Ordinal));
            Assert.Equal(fromSqlite.Events.Select(OcelFormsTests.Describe).Order(StringComparer.Ordinal), fromJson.Events.Select(OcelFormsTests.Describe).Order(StringComparer.Ordinal));
            Assert.Equal(fromSqlite.Objects.Select(OcelFormsTests.DescribeObject).Order(StringComparer.Ordinal), fromJson.Objects.Select(OcelFormsTests.DescribeObject).Order(StringComparer.Ordinal));
            Assert.Contains(fromJson.Events, e => e.Attributes.Any(a => a.Name == "note" && a.Value == "line 7 \"quoted\" ✓"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task an_output_that_fails_part_way_fails_the_export_with_its_error()
    {
        await SeedAsync();
        await using var output = new FailingStream(failAfter: 100_000);
        var error = await Assert.ThrowsAsync<IOException>(() => Host.Service<IIntelligence>().ExportOcelJsonAsync(Host.Store, Range, output, TestContext.Current.CancellationToken));
        Assert.Equal("disk full (test)", error.Message);
    }

    /// <summary>A stream that accepts bytes up to a limit, then fails every write as a full disk would.</summary>
    private sealed class FailingStream(long failAfter) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Length + buffer.Length > failAfter)
                throw new IOException("disk full (test)");
            base.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class OcelExportScaleOnSqlite(SqliteHost fixture) : OcelExportScaleContract<SqliteHost>(fixture);

public sealed class OcelExportScaleOnPostgres(PostgresHost fixture) : OcelExportScaleContract<PostgresHost>(fixture);
