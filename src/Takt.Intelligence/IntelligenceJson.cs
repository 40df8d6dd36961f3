using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takt.Intelligence;

/// <summary>Source-generated JSON for the objects of a process-log event: written at every posting, read by the object indexer.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ObjectLink[]))]
internal sealed partial class IntelligenceJson : JsonSerializerContext;
