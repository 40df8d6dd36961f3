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
        var recompute = new Option<bool>("--recompute") { Description = "With --db: recompute from the whole process log instead of reading the maintained aggregates (the reference; both must agree)." };
        var latency = new Command("latency", "Production-to-posting latency (event time → journal commit), p50/p95/p99 by plant.") { url, apiKey, db, recompute };
        latency.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(db) is { } database)
            {
                var services = new ServiceCollection().AddSingleton(TimeProvider.System);
                Takt.Intelligence.IntelligenceModule.AddIntelligence(services);
                await using var provider = services.BuildServiceProvider();
                var intelligence = provider.GetRequiredService<IIntelligence>();
                var rows = parse.GetValue(recompute)
                    ? await intelligence.RecomputeProductionToPostingLatencyAsync(TaktStore.Open(database), null, null, ct)
                    : await intelligence.ProductionToPostingLatencyAsync(TaktStore.Open(database), null, null, ct);
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
        var integrationDb = new Option<string?>("--db") { Description = "Read the KPI straight from a database instead of a running server." };
        var integration = new Command("integration", "Integration failure frequency: rejected inbound events and failed webhook deliveries per 1,000, by client, with their health.") { url, apiKey, integrationDb };
        integration.SetAction(async (parse, ct) =>
        {
            IReadOnlyList<Takt.Integration.Health.ClientHealth> rows;
            if (parse.GetValue(integrationDb) is { } database)
            {
                rows = await Takt.Integration.Health.IntegrationHealth.ReadAsync(TaktStore.Open(database), null, null, ct);
            }
            else
            {
                var key = parse.GetValue(apiKey);
                if (!DemoCommand.HasKey(key))
                    return 1;
                using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
                rows = (await http.GetFromJsonAsync<Takt.Integration.Health.HealthReport<Takt.Integration.Health.ClientHealth>>("/api/v1/integration/health", DemoCommand.Web, ct))?.Clients ?? [];
            }

            var table = new Table().Title("integration failures per 1,000, by client").AddColumns("client", "per 1,000", "events ok", "rejected", "top rule", "webhook tries", "failed", "dead", "p95 ms", "objective");
            foreach (var r in rows)
            {
                table.AddRow(
                    r.ClientId, $"{r.FailuresPer1000:F1}", $"{r.EventsAccepted}", $"{r.EventsRejected}", r.RejectedByRule.OrderByDescending(p => p.Value).Select(p => $"{p.Key} ({p.Value})").FirstOrDefault() ?? "",
                    $"{r.WebhookAttempts}", $"{r.WebhookFailed}", $"{r.DeadLetters}", r.P95Ms is { } p95 ? $"{p95}" : "", r.WithinObjective switch { true => $"[green]≤ {r.LatencyObjectiveMs}[/]", false => $"[red]> {r.LatencyObjectiveMs}[/]", _ => "" });
            }

            AnsiConsole.Write(table);
            return 0;
        });
        var approvalsDb = new Option<string?>("--db") { Description = "Read the KPI straight from a database instead of a running server." };
        var approvalsPlant = new Option<string?>("--plant") { Description = "One plant." };
        var approvals = new Command("approvals", "Approval turnaround (task created → decided), p50/p90 hours by role and plant.") { url, apiKey, approvalsDb, approvalsPlant };
        approvals.SetAction(async (parse, ct) =>
        {
            IReadOnlyList<Takt.Orchestration.TurnaroundRow> rows;
            var plant = parse.GetValue(approvalsPlant);
            if (parse.GetValue(approvalsDb) is { } database)
            {
                await using var services = FlowsCommand.Services(database);
                rows = await services.GetRequiredService<Takt.Orchestration.IOrchestration>().ApprovalTurnaroundAsync(services.GetRequiredService<TaktStore>(), plant, ct);
            }
            else
            {
                var key = parse.GetValue(apiKey);
                if (!DemoCommand.HasKey(key))
                    return 1;
                using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
                rows = (await http.GetFromJsonAsync<Takt.Orchestration.OrchestrationModule.TurnaroundReport>($"/api/v1/kpis/approval-turnaround{(plant is null ? "" : "?plant=" + Uri.EscapeDataString(plant))}", DemoCommand.Web, ct))?.Rows ?? [];
            }

            var table = new Table().Title("approval turnaround (hours)").AddColumns("plant", "role", "decided", "p50", "p90");
            foreach (var r in rows)
                table.AddRow(r.Plant, r.Role, $"{r.Decided}", $"{r.P50Hours:F2}", $"{r.P90Hours:F2}");
            AnsiConsole.Write(table);
            return 0;
        });
        var resolutionDb = new Option<string?>("--db") { Description = "Read the KPI straight from a database instead of a running server." };
        var resolutionPlant = new Option<string?>("--plant") { Description = "One plant." };
        var resolution = new Command("resolution", "Standardized resolution rate: exceptions resolved through a standard flow ÷ all exceptions, by plant.") { url, apiKey, resolutionDb, resolutionPlant };
        resolution.SetAction(async (parse, ct) =>
        {
            IReadOnlyList<Takt.Orchestration.ResolutionRow> rows;
            var plant = parse.GetValue(resolutionPlant);
            if (parse.GetValue(resolutionDb) is { } database)
            {
                await using var services = FlowsCommand.Services(database);
                rows = await services.GetRequiredService<Takt.Orchestration.IOrchestration>().ResolutionRateAsync(services.GetRequiredService<TaktStore>(), plant, ct);
            }
            else
            {
                var key = parse.GetValue(apiKey);
                if (!DemoCommand.HasKey(key))
                    return 1;
                using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
                rows = (await http.GetFromJsonAsync<Takt.Orchestration.OrchestrationModule.ResolutionReport>($"/api/v1/kpis/standardized-resolution{(plant is null ? "" : "?plant=" + Uri.EscapeDataString(plant))}", DemoCommand.Web, ct))?.Plants ?? [];
            }

            var table = new Table().Title("standardized resolution rate").AddColumns("plant", "exceptions", "by standard flow", "otherwise", "open", "rate");
            foreach (var r in rows)
                table.AddRow(r.Plant, $"{r.Exceptions}", $"{r.ResolvedByStandardFlow}", $"{r.ResolvedOtherwise}", $"{r.Open}", $"{r.Rate:P1}");
            AnsiConsole.Write(table);
            return 0;
        });
        var kpi = new Command("kpi", "Key performance indicators (DESIGN §5); without a subcommand all eight, by plant, with trends.") { latency, integration, approvals, resolution, InventoryCommand.Kpi(), ProcurementCommand.Kpi(), PayablesCommand.Kpi() };
        KpiOverviewCommand.Attach(kpi);
        return kpi;
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
