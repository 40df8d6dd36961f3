using Takt.Server;
using Xunit;

namespace Takt.Contracts.Tests;

/// <summary>
/// The checked-in contracts (contracts/) are what the code generates. When this fails, the code changed a
/// contract: review the difference, and if it is intended run <c>dotnet run --project src/Takt.Cli -- contracts write</c>.
/// </summary>
public sealed class ContractDriftTests
{
    [Fact]
    public async Task checked_in_contracts_match_what_the_code_generates()
    {
        var generated = await ContractFiles.GenerateAsync(TestContext.Current.CancellationToken);
        var root = System.IO.Path.Combine(RepositoryRoot.Path, "contracts");
        var drifted = new List<string>();
        foreach (var (path, content) in generated)
        {
            var file = System.IO.Path.Combine(root, path);
            var checkedIn = File.Exists(file) ? await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken) : null;
            if (checkedIn != content)
            {
                // Written beside the build output for review; never over the checked-in file.
                var mismatch = System.IO.Path.Combine(RepositoryRoot.Path, "artifacts", "contracts-mismatch", path);
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(mismatch)!);
                await File.WriteAllTextAsync(mismatch, content, TestContext.Current.CancellationToken);
                drifted.Add(path + (checkedIn is null ? " (missing)" : " (differs; generated copy in artifacts/contracts-mismatch)"));
            }
        }

        var stale = Directory.EnumerateFiles(System.IO.Path.Combine(root, "events"))
            .Select(f => "events/" + System.IO.Path.GetFileName(f))
            .Where(f => !generated.ContainsKey(f))
            .Select(f => f + " (no such event type)");
        Assert.Empty(drifted.Concat(stale));
    }

    [Fact]
    public async Task the_openapi_document_describes_every_api_operation()
    {
        var generated = await ContractFiles.GenerateAsync(TestContext.Current.CancellationToken);
        var openApi = System.Text.Json.JsonDocument.Parse(generated["openapi.v1.json"]).RootElement;
        Assert.StartsWith("3.1", openApi.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var expected in new[] { "/api/v1/events", "/api/v1/kpis/production-to-posting-latency", "/api/v1/dead-letters", "/api/v1/dead-letters/replay", "/api/v1/production-orders", "/api/v1/stock", "/api/v1/ledger/balances", "/api/v1/webhooks", "/api/v1/webhooks/{id}/replay", "/api/v1/clients", "/api/v1/clients/{clientId}", "/api/v1/clients/{clientId}/rotate", "/api/v1/clients/{clientId}/revoke", "/api/v1/audit", "/api/v1/oauth/token", "/api/v1/oauth/jwks" })
            Assert.Contains(expected, paths);
    }

    [Fact]
    public async Task the_asyncapi_document_names_every_event_type_on_its_channels_and_resolves_every_reference()
    {
        var generated = await ContractFiles.GenerateAsync(TestContext.Current.CancellationToken);
        var text = generated["asyncapi.v1.json"];
        var asyncApi = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.Equal("3.0.0", (string?)asyncApi["asyncapi"]);
        var channels = asyncApi["channels"]!.AsObject();
        string[] Names(string channel) => [.. (channels[channel]!["messages"]?.AsObject() ?? []).Select(m => (string)asyncApi["components"]!["messages"]![m.Key]!["name"]!)];
        Assert.Equal(Takt.Contracts.Events.EventTypes.All.Values.Where(t => t.Inbound).Select(t => t.Name).Order(StringComparer.Ordinal), Names("httpIntake").Order(StringComparer.Ordinal));
        Assert.Equal(Names("httpIntake").Order(StringComparer.Ordinal), Names("mqttIntake").Order(StringComparer.Ordinal));
        Assert.Equal(Takt.Contracts.Events.EventTypes.All.Values.Where(t => !t.Inbound).Select(t => t.Name).Order(StringComparer.Ordinal), Names("webhook").Order(StringComparer.Ordinal));

        // Every local $ref points at something in the document.
        foreach (System.Text.RegularExpressions.Match reference in System.Text.RegularExpressions.Regex.Matches(text, "\"\\$ref\": \"#/(?<path>[^\"]+)\"", System.Text.RegularExpressions.RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(5)))
        {
            System.Text.Json.Nodes.JsonNode? node = asyncApi;
            foreach (var segment in reference.Groups["path"].Value.Split('/'))
                node = node?[segment];
            Assert.True(node is not null, $"Unresolved reference #/{reference.Groups["path"].Value}");
        }
    }
}
