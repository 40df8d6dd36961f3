using System.CommandLine;
using System.Net.Http.Json;
using Spectre.Console;
using Takt.Intelligence;
using Takt.Server;
using Takt.Store;

namespace Takt.Cli;

internal static class KpiCommand
{
    public static Command Create()
    {
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var db = new Option<string?>("--db") { Description = "Read the KPI straight from a database instead of a running server." };
        var latency = new Command("latency", "Production-to-posting latency (event time → journal commit), p50/p95/p99 by plant.") { url, apiKey, db };
        latency.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(db) is { } database)
            {
                var services = new ServiceCollection().AddSingleton(TimeProvider.System);
                Takt.Intelligence.IntelligenceModule.AddIntelligence(services);
                await using var provider = services.BuildServiceProvider();
                var rows = await provider.GetRequiredService<IIntelligence>().ProductionToPostingLatencyAsync(TaktStore.Open(database), null, null, ct);
                Print(rows);
                return 0;
            }

            var key = parse.GetValue(apiKey);
            if (!DemoCommand.HasKey(key))
                return 1;
            using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
            await PrintLatencyAsync(http, ct);
            return 0;
        });
        return new Command("kpi", "Key performance indicators (DESIGN §5).") { latency };
    }

    public static async Task PrintLatencyAsync(HttpClient http, CancellationToken ct)
    {
        var report = await http.GetFromJsonAsync<IntelligenceModule.LatencyReport>("/api/v1/kpis/production-to-posting-latency", DemoCommand.Web, ct);
        Print(report?.Plants ?? []);
    }

    private static void Print(IReadOnlyList<LatencyPercentiles> rows)
    {
        var table = new Table().Title("production-to-posting latency (ms)").AddColumns("plant", "events", "p50", "p95", "p99", "max");
        foreach (var r in rows)
            table.AddRow(r.Plant, $"{r.Count}", $"{r.P50:F1}", $"{r.P95:F1}", $"{r.P99:F1}", $"{r.Max:F1}");
        AnsiConsole.Write(table);
    }
}
