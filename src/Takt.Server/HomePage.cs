using System.Globalization;
using System.Net;
using System.Text;
using Takt.Intelligence;
using Takt.MasterData;
using Takt.Production;
using Takt.Store;

namespace Takt.Server;

/// <summary>
/// The landing page: what is running, on which store, and the first KPI. The web console (/console) needs a
/// sign-in; this page is anonymous (a read-only demo overview, like /health); the REST API behind it needs a client's credential.
/// </summary>
internal static class HomePage
{
    public static void Map(WebApplication app) => app.MapGet("/", async (TaktStore store, IMasterData masterData, IProduction production, IIntelligence intelligence, TimeProvider clock, CancellationToken ct) =>
    {
        var plants = await masterData.PlantsAsync(store, ct);
        var orders = await production.OrdersAsync(store, null, 50, ct);
        // The last 24 hours: the page stays cheap however long the log grows.
        var latency = await intelligence.ProductionToPostingLatencyAsync(store, clock.GetUtcNow().AddDays(-1), null, ct);
        var html = new StringBuilder();
        html.Append("""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Takt</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#1d2733}
            h1{margin-bottom:0}table{border-collapse:collapse;margin:1rem 0}td,th{padding:.3rem .8rem;border-bottom:1px solid #dde3ea;text-align:left}
            th{background:#f3f6f9}.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#667}
            .bar{background:#2f6fb3;height:.8rem;display:inline-block;vertical-align:middle}
            </style></head><body>
            <h1>Takt</h1><p class="muted">Production and finance as one process state.</p>
            <p><a href="/console">Open the web console</a> (sign in: tasks, KPIs, process map, flow standards, integration health)</p>
            """);
        html.Append(CultureInfo.InvariantCulture, $"<p>Store: <code>{WebUtility.HtmlEncode(store.Display)}</code> ({(store.Engine == StoreEngine.Sqlite ? "SQLite" : "PostgreSQL")}) · <a href=\"/api\">API reference</a> · <a href=\"/openapi/v1.json\">OpenAPI</a> · the API needs a registered client's key (<code>X-Api-Key</code>)</p>");
        html.Append("<h2>Production-to-posting latency, last 24 hours</h2>");
        if (latency.Count == 0)
        {
            html.Append("<p class=\"muted\">No postings yet. Send shop-floor events: <code>dotnet run --project src/Takt.Cli -- demo shopfloor --events 1000</code></p>");
        }
        else
        {
            var max = Math.Max(1, latency.Max(l => l.P99));
            html.Append("<table><tr><th>Plant</th><th class=num>Events</th><th class=num>p50 ms</th><th class=num>p95 ms</th><th class=num>p99 ms</th><th>p99</th></tr>");
            foreach (var l in latency)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{WebUtility.HtmlEncode(l.Plant)}</td><td class=num>{l.Count}</td><td class=num>{l.P50:F1}</td><td class=num>{l.P95:F1}</td><td class=num>{l.P99:F1}</td><td><span class=bar style=\"width:{l.P99 / max * 12:F2}rem\"></span></td></tr>");
            }

            html.Append("</table>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<h2>Plants</h2><table><tr><th>Plant</th><th>Name</th><th>Company</th><th>Time zone</th></tr>");
        foreach (var p in plants)
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{p.Code}</td><td>{WebUtility.HtmlEncode(p.Name)}</td><td>{p.Company.Code} ({p.Company.Currency})</td><td>{p.TimeZone.Id}</td></tr>");
        html.Append("</table><h2>Production orders</h2><table><tr><th>Order</th><th>Plant</th><th>Item</th><th class=num>Quantity</th><th class=num>Yield</th><th class=num>Scrap</th><th class=num>WIP (EUR)</th><th>Status</th></tr>");
        foreach (var o in orders)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{o.Number}</td><td>{o.Plant}</td><td>{o.Item}</td><td class=num>{o.Quantity:0.###} {o.Unit}</td><td class=num>{o.Yield:0.###}</td><td class=num>{o.Scrap:0.###}</td><td class=num>{o.Wip:N2}</td><td>{o.Status}</td></tr>");
        }

        html.Append("</table></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }).ExcludeFromDescription();
}
