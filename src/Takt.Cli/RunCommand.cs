using System.CommandLine;
using Spectre.Console;
using Takt.Server;

namespace Takt.Cli;

internal static class RunCommand
{
    public static Option<string> DbOption(string defaultValue = "takt.db") => new("--db")
    {
        Description = "A SQLite file path, or a PostgreSQL connection string (Host=…;Database=…) or postgres:// URI.",
        DefaultValueFactory = _ => defaultValue,
    };

    public static Command Create()
    {
        var db = DbOption();
        var urls = new Option<string?>("--urls") { Description = "Where to listen (default ASPNETCORE_URLS, else http://localhost:5080)." };
        var noDemo = new Option<bool>("--no-demo") { Description = "Do not load demo data into a new database." };
        var mqtt = new Option<string?>("--mqtt") { Description = "Subscribe to shop-floor events on this MQTT broker: host[:port] or mqtt://[user:password@]host[:port] (default: off)." };
        var mqttUser = new Option<string?>("--mqtt-user") { Description = "User name at the MQTT broker (the password comes from TAKT_MQTT_PASSWORD)." };
        var mqttClientId = new Option<string?>("--mqtt-client-id") { Description = "MQTT client id, which names the persistent session; one per server node (default: takt)." };
        var command = new Command("run", "Run the Takt server (REST API, event gateway, workers) on a database; a new one gets demo data.")
        {
            db, urls, noDemo, mqtt, mqttUser, mqttClientId,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new ServerSettings
            {
                Database = parse.GetValue(db)!,
                Urls = parse.GetValue(urls),
                SeedDemo = !parse.GetValue(noDemo),
                DemoOpenTasks = true,
                DemoInvoices = true,
                DemoAnomalies = true,
            };
            if (parse.GetValue(mqtt) is { } broker)
            {
                settings.Mqtt = Takt.Integration.Mqtt.MqttOptions.Parse(broker);
                settings.Mqtt.Username = parse.GetValue(mqttUser) ?? settings.Mqtt.Username;
                settings.Mqtt.Password = Environment.GetEnvironmentVariable("TAKT_MQTT_PASSWORD") ?? settings.Mqtt.Password;
                settings.Mqtt.ClientId = parse.GetValue(mqttClientId) ?? settings.Mqtt.ClientId;
            }

            var app = TaktServer.Build(settings);
            var admin = await TaktServer.PrepareDatabaseAsync(app.Services, settings, ct);
            await app.StartAsync(ct);
            var store = app.Services.GetRequiredService<Takt.Store.TaktStore>();
            foreach (var url in app.Urls)
                AnsiConsole.MarkupLineInterpolated($"[green]Takt is running[/] at [link]{url}[/]  (API: {url}/api, store: {store.Display})");
            if (app.Urls.FirstOrDefault() is { } first)
                AnsiConsole.MarkupLineInterpolated($"Web console: [link]{first}/console[/]  (demo users, e.g. {DemoConsole.Approver}, {DemoFlows.Owner}, {DemoConsole.IntegrationOwner}; password on a demo database: {DemoConsole.Password})");
            if (settings.Mqtt.Enabled)
                AnsiConsole.MarkupLineInterpolated($"MQTT: subscribing to {settings.Mqtt.TopicPrefix}/<plant>/<line>/<event> on {settings.Mqtt}");
            if (admin is not null)
            {
                // Shown once: only the key's hash is stored. Whoever holds it may register clients (takt clients add works too).
                AnsiConsole.MarkupLine("[yellow]New database: bootstrap credential of client 'admin' (every scope, every plant), shown only now:[/]");
                Console.WriteLine($"  X-Api-Key: {admin.ApiKey}");
                AnsiConsole.MarkupLine("[grey]  Keep it safe. Register a client per system with it (POST /api/v1/clients, or takt clients add), then rotate or revoke it.[/]");
            }
            Console.Out.Flush();
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
