using System.Net;
using System.Text;
using Takt.MasterData;
using Takt.Testing;
using Xunit;
using static Takt.Production.Tests.Bookings;

namespace Takt.Production.Tests;

/// <summary>Bulk import: everything or nothing, each broken rule reported at its line (CSV) or record (JSON).</summary>
public abstract class MasterDataImportContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ProductionHost
{
    private TaktHost Host => fixture.Host;

    private async Task<HttpResponseMessage> PostCsvAsync(string csv)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/masterdata/import") { Content = new StringContent(csv, Encoding.UTF8, "text/csv") };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await Host.Http.SendAsync(request, Ct);
    }

    [Fact]
    public async Task a_csv_file_with_one_bad_line_imports_nothing_and_names_the_line_and_rule()
    {
        const string csv = """
            # three items, a BOM and a routing; line 5 has a unit Takt does not know
            item,CSV-R1,Steel sheet,raw,KGM,RAW
            item,CSV-R2,Bolt M8,raw,H87,RAW
            item,CSV-S1,Bracket,semi-finished,H87,SEMI
            item,CSV-R3,Paint,raw,XYZ,RAW
            bom,PA01,CSV-S1,1,2026-01-01,,1,released
            bomline,PA01,CSV-S1,1,CSV-R1,0.8,KGM,0.05
            bomline,PA01,CSV-S1,1,CSV-R2,4,H87
            operation,PA01,CSV-S1,0010,PA01-CNC1,Cut and bend,0.5,0.1,0.1
            cost,PA01,CSV-R1,2.5
            """;
        var before = await Host.SettledSnapshotAsync();
        using var response = await PostCsvAsync(csv);
        var (status, field, rule, detail, problem) = await ProblemAsync(response);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("/lines/5/baseUnit", field);
        Assert.Equal("unit.unknown", rule);
        Assert.Contains("XYZ", detail, StringComparison.Ordinal);
        Assert.Equal(1, problem.GetProperty("errors").GetArrayLength());
        await Host.DrainOutboxAsync();
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
        Assert.Equal(0, await Tables.CountAsync(Host.Store, "SELECT COUNT(*) FROM masterdata_item WHERE number LIKE 'CSV-%'"));

        // Corrected, the same file imports whole, and an export round-trips it.
        using var fixedResponse = await PostCsvAsync(csv.Replace(",XYZ,", ",LTR,", StringComparison.Ordinal));
        var summary = await OkAsync(fixedResponse);
        Assert.Equal(4, summary.GetProperty("items").GetInt32());
        Assert.Equal(2, summary.GetProperty("bomLines").GetInt32());
        Assert.Equal(1, summary.GetProperty("operations").GetInt32());
        var export = await Host.Http.GetStringAsync("/api/v1/masterdata/export?format=csv", Ct);
        Assert.Contains("bomline,PA01,CSV-S1,1,CSV-R1,0.8,KGM,0.05,,0,false", export, StringComparison.Ordinal);
        var parsed = MasterDataCsv.Parse(export);
        Assert.False(parsed.IsRejected);
        var again = await Tables.RowCountsAsync(Host.Store);
        using var reimport = await PostCsvAsync(export);
        await OkAsync(reimport);
        var after = await Tables.RowCountsAsync(Host.Store);
        Assert.Equal(again.Where(t => t.Key.StartsWith("masterdata_", StringComparison.Ordinal)), after.Where(t => t.Key.StartsWith("masterdata_", StringComparison.Ordinal)));
        Assert.Equal(export, await Host.Http.GetStringAsync("/api/v1/masterdata/export?format=csv", Ct));
    }

    [Fact]
    public async Task a_csv_line_of_the_wrong_shape_is_reported_with_its_column()
    {
        using var response = await PostCsvAsync("item,CSV-X1,Thing,raw,H87,RAW\nworkcenter,PA01-X,PA01,Press,fast,10\n");
        var (status, field, rule, _, _) = await ProblemAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("/lines/2/machineRate", field);
        Assert.Equal("csv.number-invalid", rule);
    }

    private static MasterDataDocument Items(string p) => new(Items:
    [
        new ItemRecord($"{p}-R1", "Resin", "raw", "KGM", "RAW"),
        new ItemRecord($"{p}-R2", "Insert", "raw", "H87", "RAW"),
        new ItemRecord($"{p}-A", "Part A", "semi-finished", "H87", "SEMI"),
        new ItemRecord($"{p}-B", "Part B", "semi-finished", "H87", "SEMI"),
        new ItemRecord($"{p}-C", "Part C", "finished", "H87", "FIN"),
    ]);

    private static BomRecord Bom(string plant, string item, int version, DateOnly from, DateOnly? to, params BomLineRecord[] lines) =>
        new(plant, item, version, from, to, 1m, "released", lines);

    [Fact]
    public async Task a_bom_cycle_is_refused_at_the_line_that_closes_it_and_nothing_is_imported()
    {
        const string p = "CYC";
        await ImportAsync(Host, Items(p) with { Boms = [Bom("PA01", $"{p}-A", 1, new(2026, 1, 1), null, new BomLineRecord($"{p}-B", 1m, "H87"))] });
        var document = new MasterDataDocument(Boms:
        [
            Bom("PA01", $"{p}-B", 1, new(2026, 1, 1), null, new BomLineRecord($"{p}-C", 2m, "H87")),
            Bom("PA01", $"{p}-C", 1, new(2026, 1, 1), null, new BomLineRecord($"{p}-R1", 1m, "KGM"), new BomLineRecord($"{p}-A", 1m, "H87")),
        ]);
        var before = await Host.SettledSnapshotAsync();
        using var response = await Host.PostJsonAsync("/api/v1/masterdata/import", document);
        var (status, field, rule, detail, _) = await ProblemAsync(response);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("bom.cycle", rule);
        Assert.Equal("/boms/1/lines/1/component", field);
        Assert.Contains($"{p}-A → {p}-B → {p}-C → {p}-A", detail, StringComparison.Ordinal);
        await Host.DrainOutboxAsync();
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }

    [Fact]
    public async Task overlapping_bom_versions_units_that_do_not_convert_and_unknown_units_are_each_named()
    {
        const string p = "OVL";
        await ImportAsync(Host, Items(p) with { Boms = [Bom("PA01", $"{p}-A", 1, new(2026, 1, 1), new(2026, 7, 1), new BomLineRecord($"{p}-R1", 1m, "KGM"))] });
        var document = new MasterDataDocument(Boms:
        [
            Bom("PA01", $"{p}-A", 2, new(2026, 6, 1), null, new BomLineRecord($"{p}-R1", 1.2m, "GRM")),
            Bom("PA01", $"{p}-B", 1, new(2026, 1, 1), null, new BomLineRecord($"{p}-R1", 3m, "LTR"), new BomLineRecord($"{p}-R2", 2m, "QQQ")),
        ]);
        var before = await Host.SettledSnapshotAsync();
        using var response = await Host.PostJsonAsync("/api/v1/masterdata/import", document);
        var (status, _, _, _, problem) = await ProblemAsync(response);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("field").GetString(), e.GetProperty("rule").GetString())).ToList();
        Assert.Equal(
            [("/boms/1/lines/0/unit", "quantity.unit-not-convertible"), ("/boms/1/lines/1/unit", "unit.unknown"), ("/boms/0/validFrom", "bom.effective-overlap")],
            errors);
        await Host.DrainOutboxAsync();
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));

        // A conversion makes LTR of the resin usable; version 2 from July does not overlap.
        await ImportAsync(Host, new MasterDataDocument(
            Conversions: [new ConversionRecord($"{p}-R1", "LTR", 1.1m)],
            Boms:
            [
                Bom("PA01", $"{p}-A", 2, new(2026, 7, 1), null, new BomLineRecord($"{p}-R1", 1.2m, "GRM")),
                Bom("PA01", $"{p}-B", 1, new(2026, 1, 1), null, new BomLineRecord($"{p}-R1", 3m, "LTR")),
            ]));
    }

    [Fact]
    public async Task a_released_bom_version_never_changes_and_every_release_is_logged_with_who_and_why()
    {
        const string p = "REL";
        await ImportAsync(Host, Items(p) with { Boms = [Bom("PA01", $"{p}-A", 1, new(2026, 1, 1), null, new BomLineRecord($"{p}-R1", 1m, "KGM"))] });
        using var response = await Host.PostJsonAsync("/api/v1/masterdata/import",
            new MasterDataDocument(Boms: [Bom("PA01", $"{p}-A", 1, new(2026, 1, 1), null, new BomLineRecord($"{p}-R1", 2m, "KGM"))]));
        var (status, field, rule, _, _) = await ProblemAsync(response);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "/boms/0/version", "bom.version-released"), (status, field, rule));
        var changes = await Host.GetAsync<System.Text.Json.JsonElement[]>($"/api/v1/masterdata/changes?entity=bom&key=PA01/{p}-A/1");
        var change = Assert.Single(changes);
        Assert.Equal("released", change.GetProperty("newValue").GetString());
        Assert.Equal(TaktHost.SuiteClientId, change.GetProperty("changedBy").GetString());
    }
}

public sealed class MasterDataImportOnSqlite(ProductionSqliteHost fixture) : MasterDataImportContract<ProductionSqliteHost>(fixture);

public sealed class MasterDataImportOnPostgres(ProductionPostgresHost fixture) : MasterDataImportContract<ProductionPostgresHost>(fixture);
