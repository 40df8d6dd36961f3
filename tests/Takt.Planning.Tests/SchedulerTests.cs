using Takt.Planning.Scheduling;
using Xunit;

namespace Takt.Planning.Tests;

/// <summary>Finite capacity scheduling by hand: calendars, a down window and an alternate work center.</summary>
public sealed class SchedulerTests
{
    // Shift 06:00 for 8 hours: minutes 360–840 of each working day.
    private static readonly WorkCenterCapacity Mill = new("PA01-CNC1", "PA01", 480, "1111111");
    private static readonly WorkCenterCapacity Spare = new("PA01-CNC2", "PA01", 480, "1111111");

    private static ScheduleOrder Order(string number, int due, params Alternative[] alternatives) =>
        new(number, 1, due, [new ScheduleOperation("0010", 0, 240, alternatives)]);

    [Fact]
    public void without_a_disruption_orders_queue_on_their_work_center_in_priority_order()
    {
        var scheduler = new Scheduler([Mill, Spare], DayOfWeek.Monday, now: 0);
        var result = scheduler.Schedule([Order("O1", 0, new Alternative(1, 50)), Order("O2", 0, new Alternative(1, 50)), Order("O3", 1, new Alternative(1, 50))]);

        Assert.Equal(new ScheduledOperation(0, 360, 600, 240), result[0].Operations[0]);
        Assert.Equal(new ScheduledOperation(0, 600, 840, 240), result[1].Operations[0]);
        Assert.Equal(new ScheduledOperation(0, 1440 + 360, 1440 + 600, 240), result[2].Operations[0]); // next day: the alternate is not used
        Assert.All(result, r => Assert.Equal(0, r.LateMinutes));
    }

    [Fact]
    public void a_down_window_moves_operations_to_the_alternate_while_it_finishes_earlier_and_reports_the_late_order()
    {
        var scheduler = new Scheduler([Mill, Spare], DayOfWeek.Monday, now: 0);
        // Down from day 0 05:00 to the end of day 1's shift: back on day 2 at 06:00.
        scheduler.AddDownWindow(new DownWindow(0, 300, 1440 + 840));
        var result = scheduler.Schedule([Order("O1", 0, new Alternative(1, 50)), Order("O2", 1, new Alternative(1, 50)), Order("O3", 1, new Alternative(1, 50))]);

        // On the alternate at 50 % efficiency 240 minutes take 480: O1 fills day 0 there, O2 day 1.
        Assert.Equal(new ScheduledOperation(1, 360, 840, 480), result[0].Operations[0]);
        Assert.Equal(new ScheduledOperation(1, 1440 + 360, 1440 + 840, 480), result[1].Operations[0]);
        // O3: the alternate would finish on day 2 at 14:00, its own work center (back on day 2 at 06:00) at 10:00.
        Assert.Equal(new ScheduledOperation(0, 2880 + 360, 2880 + 600, 240), result[2].Operations[0]);
        // Due on day 1, it finishes 600 minutes into day 2.
        Assert.Equal(600, result[2].LateMinutes);
        Assert.Equal(0, result[1].LateMinutes);
    }

    [Fact]
    public void an_operation_does_not_run_in_a_down_window_when_no_alternate_is_allowed()
    {
        var scheduler = new Scheduler([Mill], DayOfWeek.Monday, now: 0);
        scheduler.AddDownWindow(new DownWindow(0, 480, 720));
        var result = scheduler.Schedule([new ScheduleOrder("O1", 1, 0, [new ScheduleOperation("0010", 0, 300, [])])]);

        // 06:00–08:00 (120 minutes), down 08:00–12:00, 12:00–14:00 (120 more), the last 60 minutes the next morning: 07:00.
        Assert.Equal(new ScheduledOperation(0, 360, 1440 + 420, 300), result[0].Operations[0]);
        Assert.Equal(420, result[0].LateMinutes);
    }

    [Fact]
    public void non_working_days_of_the_calendar_carry_no_capacity()
    {
        var weekdays = new WorkCenterCapacity("PA01-CNC1", "PA01", 480, "1111100");
        var scheduler = new Scheduler([weekdays], DayOfWeek.Friday, now: 0);

        // 600 minutes from Friday: 480 on Friday, Saturday and Sunday off, 120 on Monday (day 3).
        Assert.Equal(new ScheduledOperation(0, 360, (3 * 1440) + 360 + 120, 600), scheduler.Fit(0, 0, 600, withDowns: true));
    }

    private static readonly Dictionary<DayOfWeek, IReadOnlyList<(TimeSpan From, TimeSpan To)>> TwoShiftsWeekdays =
        new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .ToDictionary(d => d, _ => (IReadOnlyList<(TimeSpan, TimeSpan)>)[(TimeSpan.FromHours(6), TimeSpan.FromHours(14)), (TimeSpan.FromHours(14), TimeSpan.FromHours(22))]);

    [Fact]
    public void a_plant_calendar_counts_shifts_in_local_time_on_both_sides_of_the_clock_change()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        // Friday 2026-03-27; clocks go forward in Berlin on Sunday 03-29 (UTC+1 → UTC+2).
        var origin = new DateTimeOffset(2026, 3, 27, 0, 0, 0, TimeSpan.Zero);
        var windows = PlantWindows.Build(origin, berlin, TwoShiftsWeekdays, new HashSet<DateOnly>(), 10);

        // Friday 06:00–22:00 Berlin is 05:00–21:00 UTC (two shifts, back to back); Monday after the change 04:00–20:00 UTC.
        Assert.Equal([(300L, 780L), (780L, 1260L)], windows.On(0));
        Assert.Empty(windows.On(1));
        Assert.Empty(windows.On(2));
        Assert.Equal([((3 * 1440L) + 240, (3 * 1440L) + 720), ((3 * 1440L) + 720, (3 * 1440L) + 1200)], windows.On(3));

        // A work center with 16 h a day: 1,200 minutes from Friday midnight UTC are 960 on Friday and 240 on Monday.
        var scheduler = new Scheduler([new WorkCenterCapacity("PA01-CNC1", "PA01", 960, "1111111", Windows: windows)], DayOfWeek.Friday, now: 0);
        Assert.Equal(new ScheduledOperation(0, 300, (3 * 1440) + 240 + 240, 1200), scheduler.Fit(0, 0, 1200, withDowns: true));
    }

    [Fact]
    public void a_holiday_has_no_capacity_and_a_work_center_works_at_most_its_minutes_a_day()
    {
        var prague = TimeZoneInfo.FindSystemTimeZoneById("Europe/Prague");
        // Monday 2026-06-01 (UTC+2 in summer); Tuesday 06-02 a holiday.
        var origin = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var windows = PlantWindows.Build(origin, prague, TwoShiftsWeekdays, new HashSet<DateOnly> { new(2026, 6, 2) }, 10);
        Assert.Empty(windows.On(1));

        // One 8-hour shift a day on a two-shift calendar: the first 480 minutes (04:00–12:00 UTC), then Wednesday.
        var scheduler = new Scheduler([new WorkCenterCapacity("PB01-CNC1", "PB01", 480, "1111111", Windows: windows)], DayOfWeek.Monday, now: 0);
        Assert.Equal(new ScheduledOperation(0, 240, (2 * 1440) + 240 + 120, 600), scheduler.Fit(0, 0, 600, withDowns: true));
    }

    [Fact]
    public void a_night_shift_is_split_at_midnight_utc_and_both_parts_count()
    {
        var nights = new Dictionary<DayOfWeek, IReadOnlyList<(TimeSpan From, TimeSpan To)>> { [DayOfWeek.Monday] = [(TimeSpan.FromHours(22), TimeSpan.FromHours(6))] };
        var windows = PlantWindows.Build(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc, nights, new HashSet<DateOnly>(), 5);

        Assert.Equal([(1320L, 1440L)], windows.On(0));
        Assert.Equal([(1440L, 1440L + 360)], windows.On(1));
    }
}
