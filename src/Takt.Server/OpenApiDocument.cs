using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Takt.Server;

/// <summary>The OpenAPI document as the code generates it (checked in as contracts/openapi.v1.json).</summary>
public static class OpenApiDocument
{
    public static async Task<string> FetchAsync(CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("takt-openapi-");
        try
        {
            var settings = new ServerSettings
            {
                Database = Path.Combine(directory.FullName, "openapi.db"),
                Urls = "http://127.0.0.1:0",
                SeedDemo = false,
                BootstrapAdmin = false,
                RunDispatcher = false,
                MinimumLogLevel = LogLevel.Warning,
            };
            await using var app = await TaktServer.StartAsync(settings, ct);
            using var http = new HttpClient { BaseAddress = new Uri(Address(app)) };
            var json = await http.GetStringAsync("/openapi/v1.json", ct);
            await app.StopAsync(ct);
            return JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The first address a started app listens on (resolves port 0).</summary>
    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
