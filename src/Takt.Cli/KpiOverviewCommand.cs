using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Takt.Server;

namespace Takt.Cli;

/// <summary><c>takt kpi</c> (no subcommand): all eight KPIs of DESIGN §5 from <c>GET /api/v1/kpis</c>, by plant, with trends.</summary>
internal static class KpiOverviewCommand
{
    public static void Attach(Command kpi)
    {
        var url = DemoCommand.UrlOption();
        var apiKey = DemoCommand.ApiKeyOption();
        var plant = new Option<string?>("--plant") { Description = "One plant." };
        var from = new Option<string?>("--from") { Description = "Start of the period (RFC 3339 or yyyy-MM-dd)." };
        var to = new Option<string?>("--to") { Description = "End of the period, exclusive." };
        var period = new Option<string?>("--period") { Description = "Trend periods: day, week or month (default)." };
        var periods = new Option<int?>("--periods") { Description = "How many trend periods (1 to 24, default 6)." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        foreach (var option in new Option[] { url, apiKey, plant, from, to, period, periods, json })
            kpi.Options.Add(option);
        kpi.SetAction(async (parse, ct) =>
        {
            var key = parse.GetValue(apiKey);
            if (!DemoCommand.HasKey(key))
                return 1;
            using var http = DemoCommand.Connect(parse.GetValue(url)!, key);
            var query = new List<string>();
            void Add(string name, string? value)
            {
                if (!string.IsNullOrEmpty(value))
                    query.Add(name + "=" + Uri.EscapeDataString(value));
            }

            Add("plant", parse.GetValue(plant));
            Add("from", parse.GetValue(from));
            Add("to", parse.GetValue(to));
            Add("period", parse.GetValue(period));
            Add("periods", parse.GetValue(periods)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var response = await http.GetAsync("/api/v1/kpis" + (query.Count == 0 ? "" : "?" + string.Join('&', query)), ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync(text);
                return 1;
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(text);
                return 0;
            }

            var report = JsonSerializer.Deserialize<KpiReport>(text, DemoCommand.Web)!;
            var table = new Table().Title($"KPIs (DESIGN §5){(report.Plant is null ? "" : ", plant " + report.Plant)}, trend per {report.Period}").AddColumns("KPI", "by", "key", "measure", "value", "cases", "trend (oldest → newest)");
            foreach (var f in report.Figures)
            {
                table.AddRow(
                    Markup.Escape(f.Kpi), f.By, Markup.Escape(f.Key), f.Measure,
                    f.Value is { } v ? (f.Unit == "ratio" ? $"{v:P1}" : $"{v:F1} {f.Unit}") : "–",
                    $"{f.Cases}" + (f.PeriodApplied ? "" : " (all time)"),
                    string.Join(" ", f.Trend.Select(t => t.Value is { } x ? (f.Unit == "ratio" ? $"{x:P0}" : $"{x:F0}") : "·")));
            }

            AnsiConsole.Write(table);
            return 0;
        });
    }
}
