using System.Globalization;
using Takt.Contracts;

namespace Takt.Orchestration.Calendar;

/// <summary>
/// A plant's working time: its time zone, shifts per weekday (local wall-clock times) and holidays. SLA timers
/// count business time on it: "8 business hours" from Friday 18:00 at a plant working 06:00–22:00 Monday to Friday
/// ends Monday 10:00. Shifts are wall-clock times, so a shift on the night clocks change is an hour shorter or
/// longer in real time, and business time counts real time worked.
/// </summary>
/// <param name="TimeZone">IANA time zone, e.g. <c>Europe/Berlin</c>.</param>
/// <param name="Shifts">Per weekday (monday … sunday), shifts as <c>HH:mm-HH:mm</c> (end may be 24:00).</param>
/// <param name="Holidays">Days without work.</param>
public sealed record BusinessCalendar(string TimeZone, IReadOnlyDictionary<string, IReadOnlyList<string>> Shifts, IReadOnlyList<DateOnly> Holidays)
{
    /// <summary>Every hour of every day in UTC: what a plant without a calendar gets (business time = elapsed time).</summary>
    public static BusinessCalendar AlwaysOpen { get; } = new("UTC", Enum.GetNames<DayOfWeek>().ToDictionary(d => d.ToLowerInvariant(), _ => (IReadOnlyList<string>)["00:00-24:00"], StringComparer.Ordinal), []);

    public IReadOnlyList<Violation> Check()
    {
        var errors = new List<Violation>();
        if (!TryZone(TimeZone, out _))
            errors.Add(new Violation("/timeZone", "calendar.time-zone-unknown", $"'{TimeZone}' is not an IANA time zone."));
        foreach (var (day, shifts) in Shifts)
        {
            if (!Enum.TryParse<DayOfWeek>(day, ignoreCase: true, out _))
                errors.Add(new Violation("/shifts/" + day, "calendar.weekday-unknown", $"'{day}' is not a weekday."));
            for (var i = 0; i < shifts.Count; i++)
            {
                if (!TryShift(shifts[i], out _, out _))
                    errors.Add(new Violation($"/shifts/{day}/{i}", "calendar.shift-invalid", $"'{shifts[i]}' is not a shift such as 06:00-14:00."));
            }
        }

        if (!Shifts.Values.Any(s => s.Count > 0))
            errors.Add(new Violation("/shifts", "calendar.no-working-time", "The calendar has no working time."));
        return errors;
    }

    /// <summary>The instant at which <paramref name="business"/> working time has passed since <paramref name="start"/>.</summary>
    public DateTimeOffset Add(DateTimeOffset start, TimeSpan business)
    {
        if (!TryZone(TimeZone, out var zone))
            throw new InvalidOperationException($"Unknown time zone '{TimeZone}'.");
        var remaining = business;
        var holidays = Holidays.ToHashSet();
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(start, zone).DateTime);
        for (var guard = 0; guard < 3700; guard++, day = day.AddDays(1))
        {
            if (holidays.Contains(day) || !Shifts.TryGetValue(day.DayOfWeek.ToString().ToLowerInvariant(), out var shifts))
                continue;
            foreach (var (from, to) in shifts.Select(s => TryShift(s, out var a, out var b) ? (a, b) : throw new InvalidOperationException($"Bad shift '{s}'.")).OrderBy(s => s.a))
            {
                var shiftStart = Utc(zone, day.ToDateTime(TimeOnly.MinValue) + from);
                var shiftEnd = Utc(zone, day.ToDateTime(TimeOnly.MinValue) + to);
                var begin = shiftStart > start ? shiftStart : start;
                if (begin >= shiftEnd)
                    continue;
                var available = shiftEnd - begin;
                if (remaining <= available)
                    return begin + remaining;
                remaining -= available;
            }
        }

        throw new InvalidOperationException("The calendar has no working time in the next ten years.");
    }

    /// <summary>
    /// A local wall-clock time as an instant: a time skipped by a clock change (02:30 on the spring night) counts as
    /// the moment the clocks jumped to; a repeated time (the autumn night) as its first occurrence. The one conversion
    /// of shift times for timers and for the scheduler's plant windows.
    /// </summary>
    public static DateTimeOffset Utc(TimeZoneInfo zone, DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            var probe = local;
            while (zone.IsInvalidTime(probe))
                probe = probe.AddMinutes(1);
            return new DateTimeOffset(probe, zone.GetUtcOffset(probe)).ToUniversalTime();
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>
    /// The calendar as a scheduler lays it out: its time zone and each weekday's shifts as local times of day.
    /// False when the zone or a shift does not parse (a stored calendar has passed <see cref="Check"/>).
    /// </summary>
    public bool TryLayout(out TimeZoneInfo zone, out IReadOnlyDictionary<DayOfWeek, IReadOnlyList<(TimeSpan From, TimeSpan To)>> shifts)
    {
        var byDay = new Dictionary<DayOfWeek, IReadOnlyList<(TimeSpan From, TimeSpan To)>>();
        shifts = byDay;
        if (!TryZone(TimeZone, out zone))
            return false;
        foreach (var (day, list) in Shifts)
        {
            if (!Enum.TryParse<DayOfWeek>(day, ignoreCase: true, out var weekday))
                return false;
            var times = new List<(TimeSpan, TimeSpan)>();
            foreach (var shift in list)
            {
                if (!TryShift(shift, out var from, out var to))
                    return false;
                times.Add((from, to));
            }

            byDay[weekday] = [.. times.OrderBy(t => t.Item1)];
        }

        return true;
    }

    private static bool TryZone(string id, out TimeZoneInfo zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            zone = TimeZoneInfo.Utc;
            return false;
        }
    }

    private static bool TryShift(string text, out TimeSpan from, out TimeSpan to)
    {
        from = to = default;
        var parts = text.Split('-', 2);
        return parts.Length == 2 && TryTime(parts[0], out from) && TryTime(parts[1], out to) && from < to;
    }

    private static bool TryTime(string text, out TimeSpan time)
    {
        time = default;
        if (text.Trim() == "24:00")
        {
            time = TimeSpan.FromHours(24);
            return true;
        }

        if (!TimeOnly.TryParseExact(text.Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
            return false;
        time = t.ToTimeSpan();
        return true;
    }
}
