using System.Text.Json;

namespace Takt.Wms;

/// <summary>A pick the WMS was told to do and has not finished.</summary>
public sealed class PickTask
{
    public required string Allocation { get; init; }

    public required string Plant { get; init; }

    public required string Item { get; init; }

    public required string Location { get; init; }

    public required string Lot { get; init; }

    public required string Destination { get; init; }

    public required decimal Quantity { get; set; }

    public required string Unit { get; init; }

    public decimal Picked { get; set; }

    public int Version { get; set; }

    public int NextSequence { get; set; } = 1;

    public bool Cancelled { get; set; }
}

/// <summary>A confirmation waiting to be accepted by Takt (sent again until it is).</summary>
/// <remarks>Id and Time: the same on every resend, so Takt recognizes the event and applies it once.</remarks>
public sealed record PendingConfirmation(string Id, string Type, string Plant, JsonElement Data, DateTimeOffset Time);

/// <summary>
/// What the simulated WMS knows: its stock per plant, item, location and lot; the picks it was told to do; the
/// confirmations Takt has not accepted yet; the webhook deliveries it took (by webhook-id). Saved to a file after
/// each change when a path is given, so a restarted process carries on where it stopped.
/// </summary>
public sealed class WmsState
{
    private readonly Lock gate = new();

    public IDictionary<string, decimal> Stock { get; init; } = new Dictionary<string, decimal>(StringComparer.Ordinal);

    public IDictionary<string, PickTask> Picks { get; init; } = new Dictionary<string, PickTask>(StringComparer.Ordinal);

    public IList<PendingConfirmation> Outgoing { get; init; } = new List<PendingConfirmation>();

    /// <summary>Webhook deliveries taken, by webhook-id, with how many times each arrived.</summary>
    public IDictionary<string, int> Deliveries { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal);

    public static string Key(string plant, string item, string location, string lot) => $"{plant}|{item}|{location}|{lot}";

    public T Locked<T>(Func<WmsState, T> action)
    {
        lock (gate)
            return action(this);
    }

    public void Locked(Action<WmsState> action)
    {
        lock (gate)
            action(this);
    }

    public void Save(string? path)
    {
        if (path is null)
            return;
        string json;
        lock (gate)
            json = JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
        File.WriteAllText(path + ".tmp", json);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static WmsState Load(string? path) =>
        path is not null && File.Exists(path) ? JsonSerializer.Deserialize<WmsState>(File.ReadAllText(path), JsonSerializerOptions.Web) ?? new WmsState() : new WmsState();
}
