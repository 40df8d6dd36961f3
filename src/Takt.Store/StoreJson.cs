using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takt.Store;

/// <summary>Source-generated JSON for what the write path stores with every event: its effects (the inbox's stored answer).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EventEffects))]
public sealed partial class StoreJson : JsonSerializerContext;
