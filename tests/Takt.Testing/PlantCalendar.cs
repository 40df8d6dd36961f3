namespace Takt.Testing;

/// <summary>The demo plants' time zones: an event's posting date is its date where the plant is.</summary>
public static class PlantCalendar
{
    public static DateOnly PostingDate(string plant, DateTimeOffset time) => DateOnly.FromDateTime(
        TimeZoneInfo.ConvertTime(time, TimeZoneInfo.FindSystemTimeZoneById(plant switch
        {
            "PA01" => "Europe/Berlin",
            "PB01" => "Europe/Prague",
            _ => throw new ArgumentOutOfRangeException(nameof(plant), plant, "PA01 or PB01"),
        })).DateTime);

    /// <summary>Now, from the real clock the server under test uses too.</summary>
    public static DateTimeOffset Now => TimeProvider.System.GetUtcNow();
}
