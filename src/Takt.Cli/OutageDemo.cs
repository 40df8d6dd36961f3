using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Takt.Integration.Access;
using Takt.Server;
using Takt.Store;
using Takt.Integration.Webhooks;

namespace Takt.Cli;

/// <summary>
/// <c>takt demo outage</c>: the reference scenario (DESIGN §4) against a running server, or one it starts on a fresh
/// SQLite file with demo data. It connects a WMS simulator, instructs the gear-pump parts' picks, sends PA01-CNC1
/// machine-down through the gateway and prints a timeline: each step, its time, the objects it touched, the approvals
/// waiting and to whom they are routed, the variance and accrual amounts, and the KPIs before and after; then
/// machine-up, and the plan again.
/// </summary>
internal static class OutageDemo
{
    public static Command Create()
    {
        var url = new Option<string?>("--url") { Description = "A running Takt server; without it the demo starts one on a fresh SQLite file with demo data." };
        var apiKey = DemoCommand.ApiKeyOption();
        var hours = new Option<decimal>("--hours") { Description = "Expected duration of the outage, in hours.", DefaultValueFactory = _ => 36m };
        var workCenter = new Option<string>("--work-center") { Description = "The work center that goes down.", DefaultValueFactory = _ => "PA01-CNC1" };
        var command = new Command("outage", "The reference scenario: a machine outage at Plant A, end to end, printed as a timeline.") { url, apiKey, hours, workCenter };
        command.SetAction(async (parse, ct) =>
        {
            WebApplication? app = null;
            string? dir = null;
            var key = parse.GetValue(apiKey);
            var target = parse.GetValue(url);
            try
            {
                if (target is null)
                {
                    dir = Path.Combine(Path.GetTempPath(), "takt-outage-" + Guid.NewGuid().ToString("N")[..8]);
                    Directory.CreateDirectory(dir);
                    var settings = new ServerSettings
                    {
                        Database = Path.Combine(dir, "takt.db"), Urls = "http://127.0.0.1:0", MinimumLogLevel = LogLevel.Error, BootstrapAdmin = false,
                        // The simulator refuses 10 % of deliveries and the subscription is ordered, so each refusal holds the
                        // picks behind it until its retry: retries after 200 ms (not the 2 s default, doubling) keep the
                        // demo's set-up in seconds while still showing them.
                        ConfigureServices = services => services.AddSingleton(new WebhookOptions { BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2) }),
                    };
                    app = TaktServer.Build(settings);
                    await TaktServer.PrepareDatabaseAsync(app.Services, settings, ct);
                    await app.StartAsync(ct);
                    var registered = await ClientRegistry.RegisterAsync(app.Services.GetRequiredService<TaktStore>(), app.Services.GetRequiredService<AccessClock>().Time, settings.Access,
                        new NewClient("outage-demo", "takt demo outage", "demo", [.. Scopes.All], ["*"], RateLimitPerMinute: 1_000_000, RateLimitBurst: 100_000), ct);
                    key = registered.Value.Key.ApiKey;
                    target = OpenApiDocument.Address(app);
                    AnsiConsole.MarkupLineInterpolated($"[grey]Started Takt at {target} on {settings.Database} (demo data).[/]");
                }

                if (!DemoCommand.HasKey(key))
                    return 1;
                using var http = DemoCommand.Connect(target, key);
                return await RunAsync(http, key, parse.GetValue(workCenter)!, parse.GetValue(hours), ct);
            }
            finally
            {
                if (app is not null)
                {
                    await app.StopAsync(CancellationToken.None);
                    await app.DisposeAsync();
                }

                if (dir is not null)
                {
                    try
                    {
                        Directory.Delete(dir, recursive: true);
                    }
                    catch (IOException)
                    {
                        // The SQLite file may still be held for a moment; the temp folder is cleaned by the system.
                    }
                }
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(HttpClient http, string key, string workCenter, decimal hours, CancellationToken ct)
    {
        var timeline = new Table().Border(TableBorder.Rounded).AddColumns("t+", "time (UTC)", "step", "objects touched", "details");
        IReadOnlyList<OutageExpedite> made;
        try
        {
            made = await OutageScenario.RunAsync(http, key, workCenter, hours, s => timeline.AddRow(
                Markup.Escape($"{s.Seconds:0.00}s"), Markup.Escape(s.At.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)),
                $"[bold]{Markup.Escape(s.Step)}[/]", Markup.Escape(s.Objects), Markup.Escape(s.Details)), ct);
        }
        catch (InvalidOperationException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return 1;
        }

        var expedites = new Table().Border(TableBorder.Simple).AddColumns("requisition", "plant", "item", "quantity", "value EUR", "premium freight", "status", "waiting for");
        foreach (var e in made)
            expedites.AddRow(Markup.Escape(e.Requisition), e.Plant, e.Item, Format(e.Quantity), Format(e.Value), Format(e.PremiumFreight), e.Status, Markup.Escape(e.WaitingFor));
        AnsiConsole.Write(new Rule($"[bold]Machine outage at Plant A — {Markup.Escape(workCenter)} down {hours} h[/]"));
        AnsiConsole.Write(timeline);
        AnsiConsole.Write(new Rule("Expedite requisitions"));
        AnsiConsole.Write(expedites);
        return 0;
    }

    private static string Format(decimal value) => value.ToString("#,##0.##", CultureInfo.InvariantCulture);
}
