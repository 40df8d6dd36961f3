using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takt.Testing;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>
/// The fault suite's fuzz run over HTTP (issue 14): 9,000 generated bad or hostile inputs to the event gateway
/// (structured, binary and batch mode), the B2MML adapters and the UBL invoice intake, from valid documents
/// mutated by <see cref="HostileInputs"/>. Every one must be refused with a 4xx RFC 9457 problem that names at
/// least one field and rule (a batch: a 207 whose every item is such a problem); none may answer 2xx or 5xx, and
/// the database must be exactly as before. Afterwards the unmutated originals are accepted, which proves the
/// refusals came from the mutations. <see cref="MqttFuzz"/> adds 1,000 over MQTT.
/// </summary>
public sealed class HostileInputFuzz(AdapterSqliteHost fixture) : IClassFixture<AdapterSqliteHost>
{
    private const int Seed = 20261126;
    private const string V0401 = "/api/v1/adapters/b2mml/v0401/production-performance";
    private const string V0701 = "/api/v1/adapters/b2mml/v0701/operations-performance";
    private const string Invoices = "/api/v1/payables/invoices";

    private sealed record Request(HostileInputs.Input Input, string Path, IReadOnlyDictionary<string, string>? Headers = null, bool Batch = false);

    [Fact]
    public async Task nine_thousand_generated_bad_inputs_over_http_are_each_refused_with_a_precise_problem_and_change_nothing()
    {
        var host = await fixture.SeededAsync();
        var fuzz = new HostileInputs(Seed);
        var events = await ValidEventsAsync(host);
        var b2mml = new[] { (V0401, Fixture.Text("takt-v0401-production-performance.xml")), (V0701, Fixture.Text("takt-v0701-operations-performance.xml")) };
        var invoices = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "ubl"), "*.xml", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (Name: Path.GetFileName(f), Xml: File.ReadAllText(f))).ToArray();
        Assert.True(invoices.Length >= 10, "The UBL examples are copied beside the tests.");

        var requests = new List<Request>();
        void Add(string what, byte[] body, string contentType, string path, IReadOnlyDictionary<string, string>? headers = null, bool batch = false) =>
            requests.Add(new Request(new HostileInputs.Input(requests.Count, what, body, contentType), path, headers, batch));

        for (var i = 0; i < 3_500; i++)
        {
            var (what, body) = fuzz.MutateEvent(fuzz.Pick(events));
            Add("structured: " + what, body, fuzz.Next(20) == 0 ? fuzz.Pick(["text/plain", "application/xml", "application/cloudevents+json; charset=latin1"]) : "application/cloudevents+json", "/api/v1/events");
        }

        for (var i = 0; i < 800; i++)
            AddBinary(fuzz, events, Add);
        for (var i = 0; i < 300; i++)
        {
            var size = 1 + fuzz.Next(5);
            var items = Enumerable.Range(0, size).Select(_ => fuzz.MutateEvent(fuzz.Pick(events))).ToArray();
            var json = "[" + string.Join(",", items.Select(item => JsonText(item.Body))) + "]";
            Add("batch: " + string.Join(" | ", items.Select(item => item.What)), Encoding.UTF8.GetBytes(json), "application/cloudevents-batch+json", "/api/v1/events", batch: true);
        }

        for (var i = 0; i < 2_400; i++)
        {
            var (path, xml) = fuzz.Pick(b2mml);
            var (what, body, contentType, plant) = MutateB2mml(fuzz, xml);
            Add("b2mml: " + what, body, contentType, $"{path}?plant={plant}");
        }

        for (var i = 0; i < 1_994; i++)
        {
            var (name, xml) = fuzz.Pick(invoices);
            var (what, body, contentType, query) = MutateInvoice(fuzz, xml);
            Add($"ubl {name}: {what}", body, contentType, Invoices + query);
        }

        // Oversized bodies: the gateway's 1 MiB, the adapters' 64 KiB, the invoice intake's limit.
        Add("structured: 1.5 MiB", Encoding.UTF8.GetBytes("{\"specversion\":\"1.0\",\"x\":\"" + new string('a', 3 << 19) + "\"}"), "application/cloudevents+json", "/api/v1/events");
        Add("batch: 1.5 MiB", Encoding.UTF8.GetBytes("[{\"x\":\"" + new string('a', 3 << 19) + "\"}]"), "application/cloudevents-batch+json", "/api/v1/events");
        Add("b2mml: 100 KiB", Encoding.UTF8.GetBytes(b2mml[0].Item2.Replace("<Sync />", "<Sync />" + new string(' ', 100 << 10), StringComparison.Ordinal)), "application/xml", V0401 + "?plant=PA01");
        var invoiceLimit = host.Settings.Payables.MaxDocumentBytes;
        Add("ubl: over the limit", Encoding.UTF8.GetBytes(invoices[0].Xml.Replace("</cbc:Note>", new string('x', invoiceLimit) + "</cbc:Note>", StringComparison.Ordinal)
            is var big && big.Length > invoiceLimit ? big : invoices[0].Xml + new string(' ', invoiceLimit)), "application/xml", Invoices + "?plant=PA01");
        Add("batch: more events than allowed", Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("{}", host.Settings.Ingest.MaxBatchEvents + 1)) + "]"), "application/cloudevents-batch+json", "/api/v1/events", batch: true);
        Add("batch: empty", "[]"u8.ToArray(), "application/cloudevents-batch+json", "/api/v1/events", batch: true);
        Assert.Equal(9_000, requests.Count);

        var before = await host.SettledSnapshotAsync();
        var defects = new ConcurrentBag<string>();
        var rules = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.Current.CancellationToken }, async (request, ct) =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, request.Path) { Content = new ByteArrayContent(request.Input.Body) };
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.Input.ContentType);
            foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
                message.Headers.TryAddWithoutValidation(name, value);
            using var response = await host.Http.SendAsync(message, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            var verdict = Judge(response, body, request.Batch, rules);
            if (verdict is not null)
                defects.Add($"#{request.Input.Number} {request.Input.What} → {verdict}: {body[..Math.Min(body.Length, 300)]}");
        });

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{requests.Count} inputs (seed {Seed}); answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}; " +
            $"{rules.Count} distinct rules: {string.Join(", ", rules.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value}"))}");
        if (!defects.IsEmpty)
        {
            var kinds = defects.GroupBy(d => d.Split(" → ")[0].Split(':')[0][(d.IndexOf(' ', StringComparison.Ordinal) + 1)..]).Select(g => $"{g.Key} ×{g.Count()}");
            Assert.Fail($"{defects.Count} of {requests.Count} inputs were not refused properly ({string.Join(", ", kinds)}):\n" +
                string.Join("\n", defects.OrderBy(d => d, StringComparer.Ordinal).Take(400)));
        }
        before.AssertUnchanged(await host.SettledSnapshotAsync());

        // The originals are valid: each mutation, not its starting point, made an input bad.
        foreach (var (path, xml) in b2mml)
        {
            using var accepted = await Documents.PostAsync(host, path + "?plant=PA01", xml, "application/xml");
            Assert.True(accepted.IsSuccessStatusCode, $"{path}: {await accepted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        }

        foreach (var (name, xml) in invoices)
        {
            using var accepted = await Documents.PostAsync(host, Invoices + "?plant=PA01", xml, "application/xml");
            Assert.True(accepted.IsSuccessStatusCode, $"{name}: {await accepted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        }

        foreach (var valid in events.Take(20))
        {
            var copy = (JsonObject)valid.DeepClone();
            copy["id"] = "valid-" + Guid.NewGuid().ToString("N");
            using var accepted = await host.PostStructuredAsync(copy);
            Assert.True(accepted.StatusCode == HttpStatusCode.OK, $"{copy}: {await accepted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        }
    }

    /// <summary>Null when the answer is a proper refusal; otherwise what is wrong with it.</summary>
    internal static string? Judge(HttpResponseMessage response, string body, bool batch, ConcurrentDictionary<string, int> rules)
    {
        var status = (int)response.StatusCode;
        if (batch && status == 207)
        {
            using var result = JsonDocument.Parse(body);
            if (result.RootElement.GetProperty("accepted").GetInt32() != 0)
                return "a batch of bad events had accepted items";
            foreach (var item in result.RootElement.GetProperty("results").EnumerateArray())
            {
                if (item.GetProperty("status").GetInt32() is < 400 or >= 500 || item.GetProperty("problem").ValueKind != JsonValueKind.Object)
                    return $"batch item {item.GetProperty("index")} answered {item.GetProperty("status")}";
                if (ProblemDefect(item.GetProperty("problem"), rules) is { } itemDefect)
                    return $"batch item {item.GetProperty("index")}: {itemDefect}";
            }

            return null;
        }

        if (status is < 400 or >= 500 or 401 or 403 or 429)
            return $"answered {status}";
        if (response.Content.Headers.ContentType?.MediaType != Problems.ContentType)
            return $"content type {response.Content.Headers.ContentType}";
        using var problem = JsonDocument.Parse(body);
        return problem.RootElement.GetProperty("status").GetInt32() != status ? "problem status differs from the HTTP status" : ProblemDefect(problem.RootElement, rules);
    }

    private static string? ProblemDefect(JsonElement problem, ConcurrentDictionary<string, int> rules)
    {
        if (problem.GetProperty("type").GetString()?.StartsWith("urn:takt:problem:", StringComparison.Ordinal) != true || problem.GetProperty("type").GetString() == "urn:takt:problem:internal")
            return "not a Takt client problem";
        if (!problem.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array || errors.GetArrayLength() == 0)
            return "a problem without errors";
        foreach (var error in errors.EnumerateArray())
        {
            var field = error.GetProperty("field").GetString();
            var rule = error.GetProperty("rule").GetString();
            if (field is null || (field.Length > 0 && field[0] != '/') || string.IsNullOrWhiteSpace(rule) || string.IsNullOrWhiteSpace(error.GetProperty("detail").GetString()))
                return $"an imprecise error {error}";
            rules.AddOrUpdate(rule, 1, (_, n) => n + 1);
        }

        return null;
    }

    /// <summary>Demo orders in count units as valid confirmations and yields (5 minutes ago, one piece).</summary>
    internal static async Task<IReadOnlyList<JsonObject>> ValidEventsAsync(TaktHost host)
    {
        var time = TimeProvider.System.GetUtcNow().AddMinutes(-5);
        var events = new List<JsonObject>();
        foreach (var order in (await host.OrdersAsync()).Where(o => o.Unit is "H87" or "EA" or "C62" or "PCE" && o.Status == "released").Take(30))
        {
            events.Add(Events.YieldReported(order.Plant, order.Number, order.Item, 1m, order.Unit, time));
            var operation = order.Operations[0];
            events.Add(Events.OperationConfirmed(order.Plant, order.Number, operation.Operation, operation.WorkCenter, 1m, order.Unit, time: time));
        }

        Assert.True(events.Count >= 20, "The demo data has released orders to confirm.");
        return events;
    }

    private static void AddBinary(HostileInputs fuzz, IReadOnlyList<JsonObject> events, Action<string, byte[], string, string, IReadOnlyDictionary<string, string>?, bool> add)
    {
        var valid = fuzz.Pick(events);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ce-specversion"] = "1.0",
            ["ce-id"] = "fuzz-" + Guid.NewGuid().ToString("N"),
            ["ce-source"] = valid["source"]!.GetValue<string>(),
            ["ce-type"] = valid["type"]!.GetValue<string>(),
            ["ce-time"] = valid["time"]!.GetValue<string>(),
        };
        var data = valid["data"]!.ToJsonString();
        string what;
        if (fuzz.Next(2) == 0)
        {
            var header = fuzz.Pick(headers.Keys.ToArray());
            if (fuzz.Next(2) == 0)
            {
                headers.Remove(header);
                what = $"without {header}";
            }
            else
            {
                headers[header] = header switch
                {
                    "ce-specversion" => fuzz.Pick(["0.3", "2", ""]),
                    "ce-type" => fuzz.Pick(["takt.production.nope.v1", ""]),
                    "ce-time" => fuzz.Pick(["soon", "2025-02-30T00:00:00Z"]),
                    _ => "",
                };
                what = $"{header} '{headers[header]}'";
            }
        }
        else
        {
            var envelope = new JsonObject { ["specversion"] = "1.0", ["id"] = "x", ["source"] = "/x", ["type"] = valid["type"]!.GetValue<string>(), ["time"] = valid["time"]!.GetValue<string>(), ["data"] = JsonNode.Parse(data) };
            var (mutation, body) = fuzz.MutateEvent(envelope);
            // Only the data's mutations count here: the envelope lives in the headers.
            if (TryParse(body) is JsonObject mutated && mutated["data"] is JsonObject mutatedData && mutated["specversion"]?.ToString() == "1.0"
                && mutated["type"]?.ToString() == valid["type"]!.GetValue<string>() && mutated["time"]?.ToString() == valid["time"]!.GetValue<string>()
                && !JsonNode.DeepEquals(mutatedData, JsonNode.Parse(data)))
            {
                data = mutatedData.ToJsonString();
                what = "data: " + mutation;
            }
            else
            {
                (what, var broken) = fuzz.MutateSyntax(data);
                data = Encoding.UTF8.GetString(broken);
                what = "data: " + what;
            }
        }

        add("binary: " + what, Encoding.UTF8.GetBytes(data), "application/json", "/api/v1/events", headers, false);
    }

    private static JsonNode? TryParse(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string JsonText(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        // Bad UTF-8 cannot be carried inside a batch that is itself valid UTF-8: send the text as a string item.
        if (!System.Text.Unicode.Utf8.IsValid(body))
            return JsonSerializer.Serialize(text);
        try
        {
            using var _ = JsonDocument.Parse(text);
            return text;
        }
        catch (JsonException)
        {
            // A syntax mutation inside a batch breaks the whole array: put it in as a string item instead.
            return JsonSerializer.Serialize(text);
        }
    }

    private static (string What, byte[] Body, string ContentType, string Plant) MutateB2mml(HostileInputs fuzz, string xml)
    {
        var v0401 = xml.Contains("B2MML-V0401", StringComparison.Ordinal);
        string? mutated = null;
        string what;
        switch (fuzz.Next(12))
        {
            case 0:
                var (xmlWhat, body) = fuzz.MutateXml(xml);
                return (xmlWhat, body, "application/xml", "PA01");
            case 1:
                return ("content type text/plain", Encoding.UTF8.GetBytes(xml), fuzz.Pick(["text/plain", "application/json"]), "PA01");
            case 2:
                return ("for plant PB01", Encoding.UTF8.GetBytes(xml), "application/xml", "PB01");
            case 3:
                mutated = xml.Replace(v0401 ? "http://www.wbf.org/xml/B2MML-V0401" : "http://www.mesa.org/xml/B2MML", fuzz.Pick(["http://example.com/b2mml", "", "http://www.mesa.org/xml/B2MML-V0600"]), StringComparison.Ordinal);
                what = "namespace replaced";
                break;
            case 4:
                var order = fuzz.Pick(["PA01-999999", "", "PB01-100001"]);
                mutated = HostileInputs.ReplaceElementText(xml, v0401 ? "ProductionRequestID" : "OperationsRequestID", order);
                what = $"order '{order}'";
                break;
            case 5:
                var quantityElement = fuzz.Pick(["QuantityString", "ValueString"]);
                var value = fuzz.Pick(["abc", "-5", "", "1e400", "NaN", "1,5", "79228162514264337593543950336"]);
                mutated = HostileInputs.ReplaceElementText(xml, quantityElement, value, fuzz.Pick(HostileInputs.Read(xml, quantityElement)));
                what = $"{quantityElement} '{value}'";
                break;
            case 6:
                var unit = fuzz.Pick(["XYZ", "", "KGM"]);
                var which = fuzz.Pick(HostileInputs.Read(xml, "UnitOfMeasure"));
                // KGM is only wrong where the quantity is not a mass already.
                mutated = unit == "KGM" && HostileInputs.ElementValue(xml, "UnitOfMeasure", which) is "KGM" or "GRM" or "kg" or "g"
                    ? null
                    : HostileInputs.ReplaceElementText(xml, "UnitOfMeasure", unit, which);
                what = $"unit '{unit}' at {which}";
                break;
            case 7:
                var materials = Enumerable.Range(0, HostileInputs.Count(xml, "MaterialDefinitionID"))
                    .Where(i => HostileInputs.ElementValue(xml, "MaterialUse", i) is "Consumed" or "Produced").ToArray();
                var material = materials.Length == 0 ? -1 : fuzz.Pick(materials);
                mutated = material < 0 ? null : HostileInputs.ReplaceElementText(xml, "MaterialDefinitionID", fuzz.Pick(["NOPE-1", ""]), material);
                what = $"material {material} unknown";
                break;
            case 8:
                var time = fuzz.Pick(["not-a-time", "2025-02-30T00:00:00Z", "", "12:00"]);
                mutated = HostileInputs.ReplaceElementText(xml, "ActualEndTime", time, fuzz.Next(HostileInputs.Count(xml, "ActualEndTime")));
                what = $"end time '{time}'";
                break;
            case 9:
                mutated = v0401
                    ? xml.Replace("<ID>0010</ID>", "<ID>" + fuzz.Pick(["9999", ""]) + "</ID>", StringComparison.Ordinal)
                    : HostileInputs.ReplaceElementText(xml, "SegmentRequirementID", fuzz.Pick(["9999", ""]));
                what = "operation unknown";
                break;
            case 10:
                var root = v0401 ? "SyncProductionPerformance" : "SyncOperationsPerformance";
                var other = fuzz.Pick(["SyncProductionSchedule", "GetProductionPerformance", "GetOperationsPerformance", "Invoice"]);
                mutated = xml.Replace("<" + root, "<" + other, StringComparison.Ordinal).Replace("</" + root, "</" + other, StringComparison.Ordinal);
                what = $"root {other}";
                break;
            default:
                var equipment = Enumerable.Range(0, HostileInputs.Count(xml, "EquipmentID")).Where(i => HostileInputs.ElementValue(xml, "EquipmentID", i)!.StartsWith("PA01-", StringComparison.Ordinal)).ToArray();
                mutated = HostileInputs.ReplaceElementText(xml, "EquipmentID", fuzz.Pick(["PA01-NOPE", "PB01-ASM1"]), fuzz.Pick(equipment));
                what = "work center unknown";
                break;
        }

        if (mutated is null || mutated == xml)
        {
            var (xmlWhat, body) = fuzz.MutateXml(xml);
            return (xmlWhat, body, "application/xml", "PA01");
        }

        return (what, Encoding.UTF8.GetBytes(mutated), "application/xml", "PA01");
    }

    private static (string What, byte[] Body, string ContentType, string Query) MutateInvoice(HostileInputs fuzz, string xml)
    {
        string? mutated = null;
        string what;
        switch (fuzz.Next(11))
        {
            case 0:
            case 1:
                var (xmlWhat, body) = fuzz.MutateXml(xml);
                return (xmlWhat, body, "application/xml", "?plant=PA01");
            case 2:
                return ("without plant", Encoding.UTF8.GetBytes(xml), "application/xml", fuzz.Pick(["", "?plant="]));
            case 3:
                return ("content type", Encoding.UTF8.GetBytes(xml), fuzz.Pick(["text/plain", "application/octet-stream"]), "?plant=PA01");
            case 4:
                var total = fuzz.Pick(["PayableAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "LineExtensionAmount"]);
                var amount = HostileInputs.ElementValue(xml, total);
                var delta = (1 + fuzz.Next(99_999)) / 100m;
                mutated = amount is null ? null : HostileInputs.ReplaceElementText(xml, total, (decimal.Parse(amount, CultureInfo.InvariantCulture) + delta).ToString(CultureInfo.InvariantCulture));
                what = $"{total} off by {delta}";
                break;
            case 5:
                var mandatory = fuzz.Pick(["IssueDate", "DocumentCurrencyCode", "PayableAmount"]);
                mutated = HostileInputs.RemoveElement(xml, mandatory);
                what = $"without {mandatory}";
                break;
            case 6:
                var currency = fuzz.Pick(["ZZZ", "", "eur", "EURO"]);
                mutated = HostileInputs.ReplaceElementText(xml, "DocumentCurrencyCode", currency);
                what = $"currency '{currency}'";
                break;
            case 7:
                var quantity = xml.Contains("CreditedQuantity", StringComparison.Ordinal) ? "CreditedQuantity" : "InvoicedQuantity";
                var bad = fuzz.Pick(["abc", "", "1,5", "NaN"]);
                mutated = HostileInputs.ReplaceElementText(xml, quantity, bad, fuzz.Next(Math.Max(1, HostileInputs.Count(xml, quantity))));
                what = $"{quantity} '{bad}'";
                break;
            case 8:
                var date = fuzz.Pick(["2025-02-30", "yesterday", "", "20250101"]);
                mutated = HostileInputs.ReplaceElementText(xml, "IssueDate", date);
                what = $"issue date '{date}'";
                break;
            case 9:
                var root = xml.Contains("<CreditNote", StringComparison.Ordinal) ? "CreditNote" : "Invoice";
                var other = fuzz.Pick(["Order", "DespatchAdvice", "ApplicationResponse"]);
                mutated = xml.Replace("<" + root, "<" + other, StringComparison.Ordinal).Replace("</" + root, "</" + other, StringComparison.Ordinal);
                what = $"root {other}";
                break;
            default:
                var amountElement = fuzz.Pick(["PayableAmount", "TaxAmount", "LineExtensionAmount"]);
                var text = HostileInputs.ElementValue(xml, amountElement);
                var broken = fuzz.Pick(["abc", "", "1.2.3", "12,50"]);
                mutated = text is null ? null : HostileInputs.ReplaceElementText(xml, amountElement, broken);
                what = $"{amountElement} '{broken}'";
                break;
        }

        if (mutated is null || mutated == xml)
        {
            var (xmlWhat, body) = fuzz.MutateXml(xml);
            return (xmlWhat, body, "application/xml", "?plant=PA01");
        }

        return (what, Encoding.UTF8.GetBytes(mutated), "application/xml", "?plant=PA01");
    }
}
