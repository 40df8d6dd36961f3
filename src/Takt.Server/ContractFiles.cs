using Takt.Contracts.Events;
using Takt.Integration.Gateway;

namespace Takt.Server;

/// <summary>
/// Every contract generated from the code, by its path under <c>contracts/</c>: one JSON Schema per event type
/// the OpenAPI document and the AsyncAPI document of the event channels. <c>takt contracts write</c> writes them; a test fails when the checked-in files differ.
/// </summary>
public static class ContractFiles
{
    public static async Task<SortedDictionary<string, string>> GenerateAsync(CancellationToken ct)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var type in EventTypes.All.Keys)
            files["events/" + EventSchemas.FileName(type)] = EventSchemas.Document(type);
        files["openapi.v1.json"] = await OpenApiDocument.FetchAsync(ct);
        files["asyncapi.v1.json"] = AsyncApiDocument.Generate();
        // For editors of flow standards (YAML language servers take a JSON Schema); the module validates with the same document.
        files["flows/flow-standard.schema.json"] = Takt.Orchestration.OrchestrationModule.FlowStandardSchema;
        return files;
    }
}
