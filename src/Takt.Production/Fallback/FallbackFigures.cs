using System.Text.Json.Serialization;

namespace Takt.Production.Fallback;

/// <summary>
/// The figures of a shop-floor fact that a fallback record and a plant system's event are compared on, in the units
/// Takt keeps them in: an issue or yield has only <see cref="Quantity"/> (the item's base unit); a confirmation has
/// good quantity (in <see cref="Quantity"/>) and scrap in the order's unit, machine and labour time in hours.
/// </summary>
public sealed record FallbackFigures(decimal Quantity, decimal Scrap = 0m, decimal MachineHours = 0m, decimal LabourHours = 0m)
{
    public static FallbackFigures Zero { get; } = new(0m);

    [JsonIgnore]
    public bool IsZero => Quantity == 0m && Scrap == 0m && MachineHours == 0m && LabourHours == 0m;

    public FallbackFigures Min(FallbackFigures other) =>
        new(Math.Min(Quantity, other.Quantity), Math.Min(Scrap, other.Scrap), Math.Min(MachineHours, other.MachineHours), Math.Min(LabourHours, other.LabourHours));

    public static FallbackFigures operator -(FallbackFigures a, FallbackFigures b) =>
        new(a.Quantity - b.Quantity, a.Scrap - b.Scrap, a.MachineHours - b.MachineHours, a.LabourHours - b.LabourHours);

    public static FallbackFigures operator +(FallbackFigures a, FallbackFigures b) =>
        new(a.Quantity + b.Quantity, a.Scrap + b.Scrap, a.MachineHours + b.MachineHours, a.LabourHours + b.LabourHours);
}
