using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Wms;

namespace Takt.Server;

/// <summary>One step of the outage scenario's timeline: seconds since the start, the time, the step, the objects it touched, details.</summary>
public sealed record OutageStep(double Seconds, DateTimeOffset At, string Step, string Objects, string Details);

/// <summary>An expedite requisition the scenario's re-plan raised, and whom its approval waits for.</summary>
public sealed record OutageExpedite(string Requisition, string Plant, string Item, decimal Quantity, decimal Value, decimal PremiumFreight, string Status, string WaitingFor);

/// <summary>
/// The reference scenario (DESIGN §4) against a running server, over its public API as any client would: connects a
/// WMS simulator, instructs the gear-pump parts' picks, sends PA01-CNC1 machine-down through the gateway and reports
/// each step as it completes: re-schedule, net change MRP, expedites and who they wait for, WMS updates, expected cost
/// variance and accruals, process log and KPIs; then machine-up, and the plan again. <c>takt demo outage</c> prints it;
/// the console's live outage page shows it as it happens.
/// </summary>
public static class OutageScenario
{
    private static readonly string[] PickEvents = ["takt.inventory.pick-instructed.v1", "takt.inventory.pick-changed.v1", "takt.inventory.pick-cancelled.v1"];

    private static readonly string[] Approvers = ["pavel.controller", "bernd.controller", "emil.risk", "carla.manager", "dieter.cfo"];

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private sealed class Timeline(Stopwatch watch, Action<OutageStep> sink)
    {
        public void Add(string step, string objects, string details) =>
            sink(new OutageStep(watch.Elapsed.TotalSeconds, TimeProvider.System.GetUtcNow(), step, objects, details));
    }

    /// <summary>
    /// Runs the scenario against the server <paramref name="http"/> talks to (authorized by <paramref name="key"/>, all
    /// scopes); each step goes to <paramref name="step"/> as it completes. The answer: the expedite requisitions made.
    /// Throws when the server refuses a request or does not get somewhere in time.
    /// </summary>
    public static async Task<IReadOnlyList<OutageExpedite>> RunAsync(HttpClient http, string key, string workCenter, decimal hours, Action<OutageStep> step, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var timeline = new Timeline(watch, step);
        var web = Web;

        // The WMS: a simulator on this machine, subscribed to pick instructions; slow to pick so the changes show.
        await using var wms = new WmsSimulator(new WmsOptions
        {
            Takt = http.BaseAddress!, ApiKey = key, Urls = "http://127.0.0.1:0", MinDelay = TimeSpan.FromMinutes(30), MaxDelay = TimeSpan.FromMinutes(60), FailureRate = 0.1, SplitRate = 0, DuplicateRate = 0,
        });
        await wms.SeedFromTaktAsync("PA01", ct);
        await wms.StartAsync(ct);
        var subscription = await PostAsync(http, "/api/v1/webhooks", new { url = new Uri(wms.Address!, "webhook"), eventTypes = PickEvents, ordered = true, maxAttempts = 50 }, ct);
        timeline.Add("WMS connected", subscription.TryGetProperty("id", out var sid) ? $"webhook {sid}" : "webhook subscription", $"simulator at {wms.Address} (answers 10 % of deliveries 503: Takt retries)");

        // Material for the gear-pump parts, instructed to the WMS.
        var orders = (await http.GetFromJsonAsync<List<JsonElement>>("/api/v1/production-orders?plant=PA01&limit=1000", web, ct))!
            .Where(o => o.GetProperty("item").GetString()!.StartsWith("SF-6", StringComparison.Ordinal) && o.GetProperty("status").GetString() == "released").ToList();
        var open = (await http.GetFromJsonAsync<List<JsonElement>>("/api/v1/reservations?plant=PA01", web, ct))!.Where(r => r.GetProperty("status").GetString() == "open").Select(r => r.GetProperty("reference").GetString()).ToHashSet(StringComparer.Ordinal);
        var date = TimeProvider.System.GetUtcNow().AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var picks = 0;
        foreach (var order in orders.Where(o => !open.Contains(o.GetProperty("number").GetString())))
        {
            foreach (var component in order.GetProperty("components").EnumerateArray())
            {
                var reservation = await PostAsync(http, "/api/v1/reservations", new { plant = "PA01", item = component.GetProperty("item").GetString(), quantity = new { value = component.GetProperty("required").GetDecimal(), unit = "H87" }, kind = "production-order", reference = order.GetProperty("number").GetString(), requirementDate = date }, ct);
                await PostAsync(http, $"/api/v1/reservations/{reservation.GetProperty("id").GetString()}/allocations", new { }, ct);
                picks++;
            }
        }

        await WaitAsync(() => Task.FromResult(wms.State.Locked(s => s.Picks.Count) >= picks), TimeSpan.FromSeconds(60), ct);
        timeline.Add("Material instructed", $"{orders.Count} production orders, {picks} allocations", "pick instructions acknowledged by the WMS");

        var kpisBefore = await KpisAsync(http, ct);
        var scheduleBefore = (await http.GetFromJsonAsync<List<JsonElement>>($"/api/v1/planning/schedule?workCenter={workCenter}", web, ct))!;
        timeline.Add("KPIs before", "", kpisBefore.Text);

        // 1. The MES: machine down.
        var since = TimeProvider.System.GetUtcNow();
        var cloudEvent = new JsonObject
        {
            ["specversion"] = "1.0", ["id"] = Guid.NewGuid().ToString(), ["source"] = "/mes/pa01", ["type"] = "takt.production.machine-down.v1",
            ["time"] = since.ToString("O", CultureInfo.InvariantCulture), ["datacontenttype"] = "application/json",
            ["data"] = new JsonObject { ["plant"] = workCenter[..4], ["workCenter"] = workCenter, ["since"] = since.ToString("O", CultureInfo.InvariantCulture), ["expectedDurationHours"] = hours, ["reason"] = "Spindle bearing failure" },
        };
        using (var response = await http.PostAsync("/api/v1/events", new StringContent(cloudEvent.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), ct))
        {
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException("The gateway refused machine-down: " + await response.Content.ReadAsStringAsync(ct));
        }

        timeline.Add("1 MES: machine down", $"work center {workCenter}", $"CloudEvent {cloudEvent["id"]} over HTTP, expected {hours} h");

        JsonElement disruption = default;
        await WaitAsync(async () =>
        {
            var list = (await http.GetFromJsonAsync<List<JsonElement>>($"/api/v1/planning/disruptions?plant={workCenter[..4]}", web, ct))!;
            disruption = list.FirstOrDefault(d => d.GetProperty("workCenter").GetString() == workCenter && d.GetProperty("status").GetString() == "open");
            return disruption.ValueKind == JsonValueKind.Object && Has(disruption, "committedAt");
        }, TimeSpan.FromSeconds(120), ct);
        var id = disruption.GetProperty("id").GetString()!;
        var schedule = (await http.GetFromJsonAsync<List<JsonElement>>($"/api/v1/planning/schedule?workCenter={workCenter}", web, ct))!;
        var moved = schedule.Where(s => s.GetProperty("workCenter").GetString() != workCenter).ToList();
        timeline.Add("2 Re-scheduled", $"disruption {id}, {disruption.GetProperty("affectedOrders")} orders",
            $"{moved.Count} operations moved ({string.Join(", ", moved.GroupBy(m => m.GetProperty("workCenter").GetString()).Select(g => $"{g.Count()} to {g.Key}"))}); " +
            $"{disruption.GetProperty("lateOrders")} late, longest delay {disruption.GetProperty("maxDelayHours")} h; cycle time {disruption.GetProperty("cycleTimeSeconds").GetDouble():0.000} s");
        // The process log files events under their objects a moment after the commit: wait for the plan's.
        JsonElement history = default;
        await WaitAsync(async () =>
        {
            history = await http.GetFromJsonAsync<JsonElement>($"/api/v1/process-log/objects/disruption/{id}?limit=1000", web, ct);
            return history.GetProperty("events").EnumerateArray().Any(e => e.GetProperty("type").GetString() == "takt.planning.plan-committed.v1");
        }, TimeSpan.FromSeconds(30), ct);
        var plan = history.GetProperty("events").EnumerateArray().FirstOrDefault(e => e.GetProperty("type").GetString() == "takt.planning.plan-committed.v1");
        if (plan.ValueKind == JsonValueKind.Object)
        {
            var data = plan.GetProperty("data");
            timeline.Add("2 Net change MRP", $"run {data.GetProperty("run")}", $"{data.GetProperty("itemsPlanned")} plant items re-netted, {data.GetProperty("plannedOrders")} planned orders changed");
        }

        // 3. Expedites and who they wait for.
        var waiting = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var person in Approvers)
        {
            foreach (var task in (await http.GetFromJsonAsync<List<JsonElement>>($"/api/v1/tasks?user={person}", web, ct))!)
            {
                var instance = task.GetProperty("instanceId").GetString()!;
                if (!waiting.TryGetValue(instance, out var list))
                    waiting[instance] = list = [];
                list.Add($"{person} ({task.GetProperty("role").GetString()})");
            }
        }

        var expedites = new List<OutageExpedite>();
        foreach (var e in disruption.GetProperty("expedites").EnumerateArray())
        {
            var r = await http.GetFromJsonAsync<JsonElement>($"/api/v1/procurement/requisitions/{e.GetProperty("requisition").GetString()}", web, ct);
            var instance = r.TryGetProperty("approvalInstance", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "";
            expedites.Add(new OutageExpedite(r.GetProperty("number").GetString()!, r.GetProperty("plant").GetString()!, r.GetProperty("item").GetString()!, r.GetProperty("quantity").GetDecimal(),
                r.GetProperty("estimatedValue").GetDecimal(), e.GetProperty("premiumFreight").GetDecimal(), r.GetProperty("status").GetString()!,
                waiting.TryGetValue(instance, out var who) ? string.Join(", ", who.Distinct()) : r.GetProperty("status").GetString() == "approved" ? "— (within the plant threshold)" : "—"));
        }

        timeline.Add("3 Expedites requisitioned", $"{disruption.GetProperty("requisitions")} requisitions at the sister plant",
            "one approval route each: above the threshold the DOA matrix (requisition-approval) with SLA escalation to plant manager / CFO; within it approved by policy and carried by expedite-procurement-approval");

        // 4. The WMS.
        var cancelled = 0;
        await WaitAsync(async () =>
        {
            var pickList = (await http.GetFromJsonAsync<List<JsonElement>>("/api/v1/reservations?plant=PA01", web, ct))!.Count(r => r.GetProperty("status").GetString() == "cancelled");
            cancelled = wms.State.Locked(s => s.Picks.Values.Count(p => p.Cancelled));
            return cancelled > 0 || pickList == 0;
        }, TimeSpan.FromSeconds(60), ct);
        timeline.Add("4 WMS instructions updated", $"{cancelled} picks withdrawn", "orders moved to the sister plant: their picks at PA01 cancelled (linked to the disruption and the re-plan), delivered by webhook and acknowledged");

        // 5. Finance.
        var accruals = (await http.GetFromJsonAsync<List<JsonElement>>("/api/v1/ledger/accruals?company=TK01", web, ct))!.Where(a => a.TryGetProperty("source", out var source) && source.GetString() == $"disruption:{id}").ToList();
        timeline.Add("5 Expected cost variance", string.Join(", ", accruals.Select(a => $"accrual {a.GetProperty("id")}")),
            $"efficiency {Format(disruption.GetProperty("efficiencyVariance").GetDecimal())} EUR, premium freight {Format(disruption.GetProperty("premiumFreight").GetDecimal())} EUR; proposed: " +
            string.Join(", ", accruals.Select(a => $"{a.GetProperty("category")} {Format(a.GetProperty("amount").GetDecimal())} ({a.GetProperty("status")})")));

        // 6. Process log and KPIs.
        // Until the object index has filed everything the steps above committed (two equal reads 300 ms apart).
        var filed = -1;
        await WaitAsync(async () =>
        {
            await Task.Delay(300, ct);
            history = await http.GetFromJsonAsync<JsonElement>($"/api/v1/process-log/objects/disruption/{id}?limit=1000", web, ct);
            var count = history.GetProperty("events").GetArrayLength();
            var settled = count == filed;
            filed = count;
            return settled;
        }, TimeSpan.FromSeconds(30), ct);
        var byType = history.GetProperty("events").EnumerateArray().GroupBy(e => e.GetProperty("type").GetString()!).Select(g => $"{Short(g.Key)} ×{g.Count()}");
        timeline.Add("6 Process log", $"disruption {id}", string.Join(", ", byType));
        var map = await http.GetFromJsonAsync<JsonElement>("/api/v1/process-log/map?objectType=disruption", web, ct);
        var slowest = map.GetProperty("bottlenecks").EnumerateArray().Take(2)
            .Select(e => $"{Short(e.GetProperty("from").GetString()!)} → {Short(e.GetProperty("to").GetString()!)} median {e.GetProperty("medianSeconds").GetDouble():0.###} s");
        var picture = Path.Combine(Path.GetTempPath(), $"takt-outage-map-{id}.svg");
        await File.WriteAllTextAsync(picture, await http.GetStringAsync("/api/v1/process-log/map?objectType=disruption&format=svg", ct), ct);
        timeline.Add("6 Process map", $"{map.GetProperty("activities").GetArrayLength()} activities, {map.GetProperty("edges").GetArrayLength()} transitions",
            $"slowest: {string.Join("; ", slowest)}; picture: {picture}");
        var kpisAfter = await KpisAsync(http, ct);
        timeline.Add("6 KPIs after", "", kpisAfter.Text);

        // Machine up: plan again.
        var up = new JsonObject
        {
            ["specversion"] = "1.0", ["id"] = Guid.NewGuid().ToString(), ["source"] = "/mes/pa01", ["type"] = "takt.production.machine-up.v1",
            ["time"] = TimeProvider.System.GetUtcNow().ToString("O", CultureInfo.InvariantCulture), ["datacontenttype"] = "application/json",
            ["data"] = new JsonObject { ["plant"] = workCenter[..4], ["workCenter"] = workCenter, ["since"] = TimeProvider.System.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) },
        };
        using (var response = await http.PostAsync("/api/v1/events", new StringContent(up.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"), ct))
            response.EnsureSuccessStatusCode();
        await WaitAsync(async () => (await http.GetFromJsonAsync<List<JsonElement>>($"/api/v1/planning/disruptions?plant={workCenter[..4]}", web, ct))!.Any(d => d.GetProperty("id").GetString() == id && Has(d, "replannedUpAt")), TimeSpan.FromSeconds(120), ct);
        var back = (await http.GetFromJsonAsync<List<JsonElement>>($"/api/v1/planning/schedule?workCenter={workCenter}", web, ct))!;
        timeline.Add("Machine up: planned again", $"work center {workCenter}",
            $"{back.Count(s => s.GetProperty("workCenter").GetString() == workCenter)} operations back on {workCenter} (before the outage: {scheduleBefore.Count(s => s.GetProperty("workCenter").GetString() == workCenter)}); KPIs: {(await KpisAsync(http, ct)).Text}");

        return expedites;
    }

    private sealed record Kpis(string Text);

    private static async Task<Kpis> KpisAsync(HttpClient http, CancellationToken ct)
    {
        var planning = await http.GetFromJsonAsync<JsonElement>("/api/v1/planning/kpis?plant=PA01", Web, ct);
        var turnaround = await http.GetFromJsonAsync<JsonElement>("/api/v1/kpis/approval-turnaround", Web, ct);
        var cycle = planning.TryGetProperty("cycleTimeP50Seconds", out var c) && c.ValueKind == JsonValueKind.Number ? $"{c.GetDouble():0.000} s" : "—";
        var approvals = turnaround.TryGetProperty("rows", out var rows) ? rows.GetArrayLength() : turnaround.ValueKind == JsonValueKind.Object ? turnaround.EnumerateObject().Count() : 0;
        return new Kpis($"schedule change cycle time p50 {cycle} ({planning.GetProperty("disruptions")} disruptions); late orders {planning.GetProperty("lateOrders")}; " +
            $"orders on alternates {planning.GetProperty("ordersOnAlternates")}; approval turnaround groups {approvals}");
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request, ct);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return response.IsSuccessStatusCode ? json : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {json}");
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
                throw new TimeoutException("The server did not get there in time.");
            await Task.Delay(100, ct);
        }
    }

    private static bool Has(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    private static string Short(string activity) => activity.Replace("takt.", "", StringComparison.Ordinal).Replace(".v1", "", StringComparison.Ordinal);

    private static string Format(decimal value) => value.ToString("#,##0.##", CultureInfo.InvariantCulture);
}
