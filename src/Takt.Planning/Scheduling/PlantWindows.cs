using Takt.Orchestration.Calendar;

namespace Takt.Planning.Scheduling;

/// <summary>
/// A plant's working time as the scheduler counts it: for each schedule day (UTC days from the schedule's origin),
/// the windows in which the plant works, in minutes from the origin. Built from the plant's business calendar: its
/// shifts are local wall-clock times in its time zone (a Berlin shift 06:00–14:00 is 05:00–13:00 UTC in winter and
/// 04:00–12:00 in summer), and its holidays have no windows.
/// </summary>
public sealed class PlantWindows
{
    private readonly List<(long From, long To)>[] days;

    private PlantWindows(int horizonDays) => days = [.. Enumerable.Range(0, horizonDays).Select(_ => new List<(long, long)>())];

    /// <summary>The working windows of schedule day <paramref name="day"/>, in order (none outside the horizon).</summary>
    public IReadOnlyList<(long From, long To)> On(int day) => day >= 0 && day < days.Length ? days[day] : [];

    /// <param name="origin">Minute 0 of the schedule (midnight UTC of day 0).</param>
    /// <param name="zone">The plant's time zone.</param>
    /// <param name="shifts">Shifts per weekday, local times; an end at or before its start runs past midnight.</param>
    /// <param name="holidays">Local dates without work.</param>
    /// <param name="horizonDays">How many schedule days to lay out.</param>
    public static PlantWindows Build(
        DateTimeOffset origin, TimeZoneInfo zone, IReadOnlyDictionary<DayOfWeek, IReadOnlyList<(TimeSpan From, TimeSpan To)>> shifts,
        IReadOnlySet<DateOnly> holidays, int horizonDays)
    {
        var windows = new PlantWindows(horizonDays);
        var first = DateOnly.FromDateTime(origin.UtcDateTime).AddDays(-1);
        for (var date = first; date <= first.AddDays(horizonDays + 1); date = date.AddDays(1))
        {
            if (holidays.Contains(date) || !shifts.TryGetValue(date.DayOfWeek, out var day))
                continue;
            foreach (var (from, to) in day)
            {
                var start = Minutes(origin, BusinessCalendar.Utc(zone, date.ToDateTime(TimeOnly.MinValue) + from));
                var end = Minutes(origin, BusinessCalendar.Utc(zone, date.ToDateTime(TimeOnly.MinValue) + (to > from ? to : to + TimeSpan.FromDays(1))));
                windows.Add(start, end);
            }
        }

        foreach (var list in windows.days)
            list.Sort();
        return windows;
    }

    /// <summary>A window, split at the UTC midnights it crosses, each part filed under its day.</summary>
    private void Add(long from, long to)
    {
        while (from < to)
        {
            var day = (int)Math.Floor(from / 1440.0);
            var dayEnd = (day + 1) * 1440L;
            var end = Math.Min(to, dayEnd);
            if (day >= 0 && day < days.Length)
                days[day].Add((from, end));
            from = end;
        }
    }

    private static long Minutes(DateTimeOffset origin, DateTimeOffset instant) => (long)Math.Round((instant - origin).TotalMinutes);
}
