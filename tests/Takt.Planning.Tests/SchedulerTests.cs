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
}
