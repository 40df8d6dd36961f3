namespace Takt.Planning.Scheduling;

/// <summary>
/// A work center's capacity: at most <see cref="MinutesPerDay"/> a day. With its plant's <see cref="Windows"/> (the
/// business calendar: time zone, shifts, holidays) it works in those windows, the earliest first, up to that many
/// minutes a day; without, one shift a working day from <see cref="ShiftStartMinute"/> (UTC).
/// </summary>
/// <param name="WorkingDays">Monday..Sunday as seven 1/0 characters (the master data's calendar).</param>
/// <param name="Windows">The plant's working windows; when given, <paramref name="WorkingDays"/> still rules out a weekday.</param>
public sealed record WorkCenterCapacity(string Code, string Plant, int MinutesPerDay, string WorkingDays, int ShiftStartMinute = 360, PlantWindows? Windows = null);

/// <summary>A window in which a work center has no capacity, in minutes from the schedule's day 0 (end exclusive).</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
public readonly record struct DownWindow(int WorkCenter, long From, long To);

/// <summary>Where else an operation may run: another work center (possibly at the sister plant) at an efficiency.</summary>
/// <param name="EfficiencyPercent">Minutes there = minutes × 100 / efficiency.</param>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
public readonly record struct Alternative(int WorkCenter, int EfficiencyPercent);

/// <summary>An operation of an order: its minutes on its routing's work center and where else the routing allows it.</summary>
public sealed record ScheduleOperation(string Operation, int WorkCenter, long Minutes, IReadOnlyList<Alternative> Alternatives);

/// <summary>A production order to schedule: operations in sequence; lower priority numbers go first.</summary>
/// <param name="DueDay">Due date as a day of the schedule (day 0 = the origin's date); late when finishing after that day.</param>
public sealed record ScheduleOrder(string Number, int Priority, int DueDay, IReadOnlyList<ScheduleOperation> Operations);

/// <summary>Where and when an operation runs; <see cref="Minutes"/> is what it takes on that work center.</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
public readonly record struct ScheduledOperation(int WorkCenter, long Start, long Finish, long Minutes);

/// <summary>A scheduled order: its operations and how many minutes after the end of its due day it finishes (0 if on time).</summary>
public sealed record ScheduledOrder(ScheduledOperation[] Operations, long LateMinutes)
{
    public long Finish => Operations.Length == 0 ? 0 : Operations[^1].Finish;
}

/// <summary>
/// Finite capacity forward scheduling: orders by priority, due day and number; each operation on the earliest free
/// capacity of its work center after the previous operation, skipping non-working days and down windows. When a down
/// window delays an operation, the alternatives its routing allows are tried and the earliest finish wins. Time is in
/// whole minutes from midnight of day 0 (integers: no rounding drift), starting no earlier than <c>now</c>.
/// </summary>
public sealed class Scheduler(IReadOnlyList<WorkCenterCapacity> workCenters, DayOfWeek day0, long now)
{
    /// <summary>How many days ahead the scheduler looks for capacity.</summary>
    public const int HorizonDays = 400;
    private readonly List<DownWindow>[] downs = [.. workCenters.Select(_ => new List<DownWindow>())];

    public void AddDownWindow(DownWindow window) => downs[window.WorkCenter].Add(window);

    public ScheduledOrder[] Schedule(IReadOnlyList<ScheduleOrder> orders)
    {
        var free = new long[workCenters.Count];
        Array.Fill(free, now);
        var sequence = Enumerable.Range(0, orders.Count)
            .OrderBy(i => orders[i].Priority).ThenBy(i => orders[i].DueDay).ThenBy(i => orders[i].Number, StringComparer.Ordinal).ToArray();
        var result = new ScheduledOrder[orders.Count];
        foreach (var index in sequence)
        {
            var order = orders[index];
            var t = now;
            var ops = new ScheduledOperation[order.Operations.Count];
            for (var k = 0; k < ops.Length; k++)
            {
                var op = order.Operations[k];
                var best = Fit(op.WorkCenter, Math.Max(t, free[op.WorkCenter]), op.Minutes, withDowns: true);
                if (op.Alternatives.Count > 0 && downs[op.WorkCenter].Count > 0
                    && Fit(op.WorkCenter, Math.Max(t, free[op.WorkCenter]), op.Minutes, withDowns: false).Finish < best.Finish)
                {
                    foreach (var alt in op.Alternatives)
                    {
                        var minutes = (op.Minutes * 100 + alt.EfficiencyPercent - 1) / Math.Max(1, alt.EfficiencyPercent);
                        var candidate = Fit(alt.WorkCenter, Math.Max(t, free[alt.WorkCenter]), minutes, withDowns: true);
                        if (candidate.Finish < best.Finish)
                            best = candidate;
                    }
                }

                ops[k] = best;
                free[best.WorkCenter] = best.Finish;
                t = best.Finish;
            }

            var dueEnd = (order.DueDay + 1) * 1440L;
            result[index] = new ScheduledOrder(ops, Math.Max(0, t - dueEnd));
        }

        return result;
    }

    /// <summary>The earliest start and finish of <paramref name="minutes"/> of work on a work center from <paramref name="from"/>.</summary>
    public ScheduledOperation Fit(int workCenter, long from, long minutes, bool withDowns)
    {
        var wc = workCenters[workCenter];
        long start = -1;
        var left = minutes;
        var t = from;
        for (var day = (int)(from / 1440); day < HorizonDays; day++)
        {
            var weekday = ((int)day0 + day) % 7; // 0 = Sunday
            var index = (weekday + 6) % 7; // Monday = 0
            if (wc.MinutesPerDay <= 0 || wc.WorkingDays.Length != 7 || wc.WorkingDays[index] != '1')
                continue;
            foreach (var (shiftStart, shiftEnd) in Windows(wc, day))
            {
                var segmentStart = Math.Max(t, shiftStart);
                while (segmentStart < shiftEnd)
                {
                    var segmentEnd = shiftEnd;
                    if (withDowns)
                    {
                        bool moved;
                        do
                        {
                            moved = false;
                            foreach (var down in downs[workCenter])
                            {
                                if (down.From <= segmentStart && down.To > segmentStart)
                                {
                                    segmentStart = down.To;
                                    moved = true;
                                }
                            }
                        }
                        while (moved);

                        if (segmentStart >= shiftEnd)
                            break;
                        foreach (var down in downs[workCenter])
                        {
                            if (down.From > segmentStart && down.From < segmentEnd)
                                segmentEnd = down.From;
                        }
                    }

                    if (left == 0)
                        return new ScheduledOperation(workCenter, segmentStart, segmentStart, minutes);
                    if (start < 0)
                        start = segmentStart;
                    var take = Math.Min(left, segmentEnd - segmentStart);
                    left -= take;
                    if (left == 0)
                        return new ScheduledOperation(workCenter, start, segmentStart + take, minutes);
                    segmentStart = segmentEnd;
                }
            }

            t = (day + 1) * 1440L;
        }

        return new ScheduledOperation(workCenter, start < 0 ? from : start, HorizonDays * 1440L, minutes);
    }

    /// <summary>A work center's working windows on a day (a working weekday), capped at its minutes a day.</summary>
    private static IEnumerable<(long From, long To)> Windows(WorkCenterCapacity wc, int day)
    {
        if (wc.Windows is null)
        {
            var shiftStart = (day * 1440L) + wc.ShiftStartMinute;
            yield return (shiftStart, shiftStart + wc.MinutesPerDay);
            yield break;
        }

        long left = wc.MinutesPerDay;
        foreach (var (from, to) in wc.Windows.On(day))
        {
            if (left <= 0)
                yield break;
            var end = Math.Min(to, from + left);
            left -= end - from;
            yield return (from, end);
        }
    }
}
