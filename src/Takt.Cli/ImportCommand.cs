using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Takt.Contracts;
using Takt.MasterData;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt import masterdata FILE</c>: a JSON document or CSV file (by extension) checked whole and imported in one
/// transaction — or, with any broken rule, nothing, and a report of every line/field and rule (exit 2).
/// </summary>
internal static class ImportCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    public static Command MasterData()
    {
        var file = new Argument<FileInfo>("file") { Description = "A master-data file: .json (a document) or .csv (kind,columns… per line)." };
        var db = new Option<string>("--db") { Description = "The database: a SQLite file or a PostgreSQL connection string.", DefaultValueFactory = _ => "takt.db" };
        var reason = new Option<string>("--reason") { Description = "Why (kept with changes of governed fields).", DefaultValueFactory = _ => "import" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check only; write nothing." };
        var masterdata = new Command("masterdata", "Import master data (all or nothing, with a line-level error report).") { file, db, reason, dryRun };
        masterdata.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!.FullName;
            var text = await File.ReadAllTextAsync(path, ct);
            Outcome<MasterDataDocument> parsed;
            if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                parsed = MasterDataCsv.Parse(text);
            }
            else
            {
                try
                {
                    parsed = JsonSerializer.Deserialize<MasterDataDocument>(text, Json)
                        is { } document ? document : new Violation("", "json.malformed", "The file is not a master-data document.");
                }
                catch (JsonException e)
                {
                    parsed = new Violation(e.Path ?? "", "json.malformed", e.Message);
                }
            }

            if (parsed.IsRejected)
                return Fail(parsed.Violations);
            var store = TaktStore.Open(parse.GetValue(db)!);
            await Migrations.ApplyAsync(store, TaktServer.Schemas, ct);
            await using var services = new ServiceCollection().AddMasterData().BuildServiceProvider();
            await using var session = await store.OpenSessionAsync(TimeProvider.System, ct);
            await using var tx = await session.BeginAsync(ct);
            var imported = await services.GetRequiredService<IMasterData>().ImportAsync(tx, parsed.Value, new ChangeReason(Environment.UserName, parse.GetValue(reason)!), ct);
            if (imported.IsRejected)
                return Fail(imported.Violations);
            if (parse.GetValue(dryRun))
                await tx.RollbackAsync(ct);
            else
                await tx.CommitAsync(ct);
            var s = imported.Value;
            AnsiConsole.MarkupLineInterpolated($"[green]{(parse.GetValue(dryRun) ? "Checked" : "Imported")}[/] {s.Companies} companies, {s.Plants} plants, {s.Items} items, {s.Conversions} conversions, {s.WorkCenters} work centers, {s.Boms} BOM versions ({s.BomLines} lines), {s.Routings} routings ({s.Operations} operations), {s.StandardCosts} standard costs, {s.Overheads} overhead rates.");
            return 0;
        });
        return masterdata;
    }

    private static int Fail(IReadOnlyList<Violation> violations)
    {
        var table = new Table().AddColumns("field", "rule", "detail");
        foreach (var v in violations)
            table.AddRow(Markup.Escape(v.Field), Markup.Escape(v.Rule), Markup.Escape(v.Detail));
        AnsiConsole.MarkupLineInterpolated($"[red]Nothing imported[/]: {violations.Count} problem(s).");
        AnsiConsole.Write(table);
        return 2;
    }
}
