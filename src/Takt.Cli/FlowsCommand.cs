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
        return new Command("flows", "Flow standards and plant variants.") { diff };
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
