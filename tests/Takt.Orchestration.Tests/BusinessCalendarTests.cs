using Takt.Orchestration.Calendar;
using Takt.Server;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>SLA timers count working time of the plant's calendar, in its time zone, across weekends, holidays and clock changes.</summary>
public sealed class BusinessCalendarTests
{
    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void eight_business_hours_from_friday_evening_end_on_monday_morning()
    {
        // Plant A works 06:00–22:00 Monday to Friday (Europe/Berlin, CET = UTC+1 in November).
        var due = DemoFlows.PlantACalendar.Add(Utc("2026-11-27T17:00:00Z"), TimeSpan.FromHours(8));
        Assert.Equal(Utc("2026-11-30T09:00:00Z"), due); // Fri 18:00–22:00 = 4 h, Mon 06:00–10:00 CET = 4 h
    }

    [Fact]
    public void a_start_outside_working_time_counts_from_the_next_shift()
    {
        var due = DemoFlows.PlantACalendar.Add(Utc("2026-11-28T10:00:00Z"), TimeSpan.FromHours(1)); // Saturday
        Assert.Equal(Utc("2026-11-30T06:00:00Z"), due); // Monday 07:00 CET
    }

    [Fact]
    public void holidays_do_not_count()
    {
        // Thursday 24 December 20:00 CET; 25 and 26 December are holidays, then the weekend.
        var due = DemoFlows.PlantACalendar.Add(Utc("2026-12-24T19:00:00Z"), TimeSpan.FromHours(8));
        Assert.Equal(Utc("2026-12-28T11:00:00Z"), due); // Thu 20–22 = 2 h; Mon 28 Dec 06:00 + 6 h = 12:00 CET
    }

    [Fact]
    public void plant_b_works_saturday_mornings_in_its_own_time_zone()
    {
        var due = DemoFlows.PlantBCalendar.Add(Utc("2026-11-27T20:00:00Z"), TimeSpan.FromHours(3)); // Fri 21:00 Prague
        Assert.Equal(Utc("2026-11-28T07:00:00Z"), due); // Fri 21–22 = 1 h; Sat 06:00 + 2 h = 08:00 CET
    }

    private static readonly BusinessCalendar NightShift = new("Europe/Berlin",
        new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" }.ToDictionary(d => d, _ => (IReadOnlyList<string>)["00:00-06:00"], StringComparer.Ordinal), []);

    [Fact]
    public void the_night_the_clocks_go_forward_has_an_hour_less_to_work()
    {
        // 28 March 2027: 02:00 CET becomes 03:00 CEST; the 00:00–06:00 shift lasts 5 real hours.
        var due = NightShift.Add(Utc("2027-03-27T05:00:00Z"), TimeSpan.FromHours(6)); // Sat 06:00 CET, after Saturday's shift
        Assert.Equal(Utc("2027-03-28T23:00:00Z"), due); // Sun 00:00 CET–06:00 CEST = 5 h; Mon 00:00 CEST + 1 h
    }

    [Fact]
    public void the_night_the_clocks_go_back_has_an_hour_more_to_work()
    {
        // 25 October 2026: 03:00 CEST becomes 02:00 CET; the 00:00–06:00 shift lasts 7 real hours.
        var due = NightShift.Add(Utc("2026-10-24T04:00:00Z"), TimeSpan.FromHours(6)); // Sat 06:00 CEST
        Assert.Equal(Utc("2026-10-25T04:00:00Z"), due); // Sun 00:00 CEST (Sat 22:00Z) + 6 h = 05:00 CET, still in the shift
    }

    [Fact]
    public void a_calendar_with_an_unknown_zone_or_a_bad_shift_is_refused_with_the_rule()
    {
        var bad = new BusinessCalendar("Mars/Olympus", new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["monday"] = ["22:00-06:00"], ["caturday"] = ["08:00-12:00"] }, []);
        var rules = bad.Check().Select(v => (v.Field, v.Rule)).ToList();
        Assert.Contains(("/timeZone", "calendar.time-zone-unknown"), rules);
        Assert.Contains(("/shifts/monday/0", "calendar.shift-invalid"), rules);
        Assert.Contains(("/shifts/caturday", "calendar.weekday-unknown"), rules);
    }
}
