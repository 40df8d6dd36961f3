using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;
using Takt.Contracts;
using Takt.Intelligence;
using Takt.Orchestration;
using Takt.Orchestration.Variants;
using Takt.Store;

namespace Takt.Cli;

/// <summary><c>takt flows diff</c>: what a plant variant changes against its standard, or the bounds it breaks.</summary>
internal static class FlowsCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("variant") { Description = "The variant document (YAML)." };
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var db = new Option<string?>("--db") { Description = "Read the standard straight from a database instead of a running server." };
        var diff = new Command("diff", "Diff a plant variant against its standard version: each variation point set, its standard value and bounds; a variant out of bounds prints the rules it breaks (exit 2).") { file, url, apiKey, db };
        diff.SetAction(async (parse, ct) =>
        {
            var document = await File.ReadAllTextAsync(parse.GetValue(file)!.FullName, ct);
            IReadOnlyList<VariantDifference>? lines;
            IReadOnlyList<Violation>? violations;
            if (parse.GetValue(db) is { } database)
            {
                await using var services = Services(database);
                var outcome = await services.GetRequiredService<IOrchestration>().DiffVariantAsync(services.GetRequiredService<TaktStore>(), document, ct);
                lines = outcome.IsRejected ? null : outcome.Value;
                violations = outcome.IsRejected ? outcome.Violations : null;
            }
            else
            {
                var key = parse.GetValue(apiKey);
                if (!DemoCommand.HasKey(key))
                    return 1;
                using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
                using var response = await http.PostAsJsonAsync("/api/v1/flows/variants/diff", new { document }, ct);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(DemoCommand.Web, ct);
                if (response.IsSuccessStatusCode)
                {
                    (lines, violations) = (body.Deserialize<List<VariantDifference>>(DemoCommand.Web), null);
                }
                else
                {
                    (lines, violations) = (null, body.TryGetProperty("errors", out var errors) ? errors.Deserialize<List<Violation>>(DemoCommand.Web) : [new Violation("", $"http.{(int)response.StatusCode}", body.ToString())]);
                }
            }

            if (violations is not null)
            {
                var refused = new Table().Title("variant refused").AddColumns("field", "rule", "detail");
                foreach (var v in violations)
                    refused.AddRow(Markup.Escape(v.Field), Markup.Escape(v.Rule), Markup.Escape(v.Detail));
                AnsiConsole.Write(refused);
                return 2;
            }

            var table = new Table().Title("variant vs standard").AddColumns("variation point", "kind", "standard", "variant", "allowed");
            foreach (var line in lines ?? [])
                table.AddRow(Markup.Escape(line.Point), line.Kind, Markup.Escape(line.Standard), Markup.Escape(line.Variant), Markup.Escape(line.Bounds));
            AnsiConsole.Write(table);
            return 0;
        });
        return new Command("flows", "Flow standards and plant variants.") { diff, Conformance() };
    }

    /// <summary><c>takt flows conformance</c>: per plant variant, or for one instance, how the paths taken fit the standard's graph.</summary>
    private static Command Conformance()
    {
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var db = new Option<string?>("--db") { Description = "Read straight from a database instead of a running server." };
        var plant = new Option<string?>("--plant") { Description = "One plant." };
        var instance = new Option<string?>("--instance") { Description = "One instance: its path, fitness and each deviation." };
        var command = new Command("conformance", "Path conformance: instances' paths replayed against their standard's graph (token replay): fitness and deviating moves per plant variant, or one instance's path.") { url, apiKey, db, plant, instance };
        command.SetAction(async (parse, ct) =>
        {
            IReadOnlyList<ConformanceRow>? rows = null;
            InstanceConformance? one = null;
            var id = parse.GetValue(instance);
            if (parse.GetValue(db) is { } database)
            {
                await using var services = Services(database);
                var flows = services.GetRequiredService<IOrchestration>();
                var store = services.GetRequiredService<TaktStore>();
                if (id is not null)
                    one = await flows.InstanceConformanceAsync(store, id, ct);
                else
                    rows = await flows.ConformanceAsync(store, parse.GetValue(plant), ct);
            }
            else
            {
                var key = parse.GetValue(apiKey);
                if (!DemoCommand.HasKey(key))
                    return 1;
                using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
                var path = id is not null ? $"/api/v1/flows/instances/{Uri.EscapeDataString(id)}/conformance"
                    : "/api/v1/kpis/flow-conformance" + (parse.GetValue(plant) is { } p ? $"?plant={Uri.EscapeDataString(p)}" : "");
                using var response = await http.GetAsync(path, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.NotFound)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]{(int)response.StatusCode}[/] {body}");
                    return 2;
                }

                if (response.IsSuccessStatusCode && id is not null)
                    one = JsonSerializer.Deserialize<InstanceConformance>(body, DemoCommand.Web);
                else if (response.IsSuccessStatusCode)
                    rows = JsonSerializer.Deserialize<List<ConformanceRow>>(body, DemoCommand.Web);
            }

            if (id is not null)
            {
                if (one is null)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]No flow instance '{id}'.[/]");
                    return 2;
                }

                AnsiConsole.MarkupLineInterpolated($"{one.Flow} v{one.Version}{(one.VariantId is null ? "" : " variant " + one.VariantId)} at {one.Plant}, {one.Status}: fitness [bold]{one.Fitness:0.####}[/] (produced {one.Produced}, consumed {one.Consumed}, missing {one.Missing}, remaining {one.Remaining})");
                AnsiConsole.MarkupLineInterpolated($"path: {string.Join(" → ", one.Path)}");
                foreach (var d in one.Deviations)
                    AnsiConsole.MarkupLineInterpolated($"[yellow]{d.Kind}[/] {d.From} → {d.To}: {d.Detail}");
                return 0;
            }

            var table = new Table().Title("path conformance").AddColumns("plant", "flow", "version", "variant", "instances", "fitting", "fitness", "deviating moves", "deviation events");
            foreach (var r in rows ?? [])
            {
                table.AddRow(Markup.Escape(r.Plant), Markup.Escape(r.Flow), r.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(r.VariantId ?? "standard"),
                    r.Instances.ToString(System.Globalization.CultureInfo.InvariantCulture), r.FittingInstances.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    r.Fitness.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join("; ", (r.DeviatingMoves ?? new Dictionary<string, long>()).Select(m => $"{m.Key} ×{m.Value}"))),
                    Markup.Escape(string.Join("; ", r.Deviations.Select(m => $"{m.Key} ×{m.Value}"))));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    /// <summary>The orchestration module over a database, without a server (its worker does not run).</summary>
    public static ServiceProvider Services(string database) =>
        new ServiceCollection()
            .AddLogging()
            .AddSingleton(TaktStore.Open(database))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(new OutboxOptions())
            .AddSingleton<OutboxSignal>()
            .AddSingleton<Outbox>()
            .AddIntelligence()
            .AddOrchestration(new Takt.Orchestration.Engine.OrchestrationOptions { RunWorker = false })
            .BuildServiceProvider();
}
