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
        var command = new Command("run", "Run the Takt server (REST API, event gateway, workers) on a database; a new one gets demo data.")
        {
            db, urls, noDemo,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new ServerSettings
            {
                Database = parse.GetValue(db)!,
                Urls = parse.GetValue(urls),
                SeedDemo = !parse.GetValue(noDemo),
            };
            var app = TaktServer.Build(settings);
            var admin = await TaktServer.PrepareDatabaseAsync(app.Services, settings, ct);
            await app.StartAsync(ct);
            var store = app.Services.GetRequiredService<Takt.Store.TaktStore>();
            foreach (var url in app.Urls)
                AnsiConsole.MarkupLineInterpolated($"[green]Takt is running[/] at [link]{url}[/]  (API: {url}/api, store: {store.Display})");
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
