using Microsoft.AspNetCore.Authorization;
using Takt.Intelligence;
using Takt.Store;

namespace Takt.Server.Web;

/// <summary>The JSON the console's script refreshes (signed-in people only): production-to-posting latency of the last hour, the live outage run.</summary>
internal static class LiveEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet(ConsoleModule.Prefix + "/live/outage", (OutageRunner runner) => Results.Json(runner.View(), OutageJson))
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = ConsoleModule.Scheme })
            .ExcludeFromDescription();
        app.MapGet(ConsoleModule.Prefix + "/live/latency", async (HttpContext http, IIntelligence intelligence, TaktStore store, TimeProvider clock, CancellationToken ct) =>
            {
                var user = ConsoleUsers.Of(http.User);
                var rows = await intelligence.ProductionToPostingLatencyAsync(store, clock.GetUtcNow().AddHours(-1), null, ct);
                return Results.Json(rows.Where(r => user.MaySee(r.Plant)).Select(r => new { plant = r.Plant, count = r.Count, p50 = r.P50, p95 = r.P95, p99 = r.P99 }));
            })
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = ConsoleModule.Scheme })
            .ExcludeFromDescription();
    }

    private static readonly System.Text.Json.JsonSerializerOptions OutageJson = new(System.Text.Json.JsonSerializerDefaults.Web);
}
