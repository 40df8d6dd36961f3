using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Takt.Integration.Operations;
using Takt.Store;

namespace Takt.Cli;

/// <summary><c>takt ops</c>: queue management on the database the servers share (they pick a change up within a second).</summary>
internal static class OpsCommand
{
    public static Command Create()
    {
        var db = RunCommand.DbOption();
        var channels = new Command("channels", "Every inbound channel and webhook subscription: state, queue, oldest message, deliveries in the last minute.") { db };
        channels.SetAction(async (parse, ct) =>
        {
            var store = TaktStore.Open(parse.GetValue(db)!);
            Render(await ChannelStatuses.ReadAsync(store, TimeProvider.System, ct));
            return 0;
        });

        var history = new Command("history", "Who paused, drained or resumed which channel, when and why (newest first).") { db };
        var historyChannel = new Argument<string?>("channel") { Description = "Only this channel.", Arity = ArgumentArity.ZeroOrOne };
        history.Arguments.Add(historyChannel);
        history.SetAction(async (parse, ct) =>
        {
            var table = new Table().AddColumns("at (UTC)", "channel", "state", "by", "reason");
            foreach (var change in await ChannelStore.HistoryAsync(TaktStore.Open(parse.GetValue(db)!), parse.GetValue(historyChannel), 100, ct))
                table.AddRow(change.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Markup.Escape(change.Channel), change.State, Markup.Escape(change.Actor), Markup.Escape(change.Reason ?? ""));
            AnsiConsole.Write(table);
            return 0;
        });

        var freshness = new Command("freshness", "Which clients must send events how often, their last event and open silence alarms; --client … --minutes N sets an objective (--off removes it).") { db };
        var client = new Option<string?>("--client") { Description = "The client whose objective to set." };
        var minutes = new Option<int?>("--minutes") { Description = "Expect an accepted event at least every N minutes (1–10080)." };
        var off = new Option<bool>("--off") { Description = "Stop watching the client." };
        freshness.Options.Add(client);
        freshness.Options.Add(minutes);
        freshness.Options.Add(off);
        freshness.SetAction(async (parse, ct) =>
        {
            var store = TaktStore.Open(parse.GetValue(db)!);
            if (parse.GetValue(client) is { } id)
            {
                if (parse.GetValue(minutes) is null == !parse.GetValue(off))
                {
                    AnsiConsole.MarkupLine("[red]ops.freshness-arguments[/] With --client give either --minutes N or --off.");
                    return 1;
                }

                var set = await ClientFreshness.SetAsync(store, TimeProvider.System, id, parse.GetValue(off) ? null : parse.GetValue(minutes), ct);
                if (set.IsRejected)
                {
                    foreach (var v in set.Violations)
                        AnsiConsole.MarkupLineInterpolated($"[red]{v.Rule}[/] {v.Detail}");
                    return 1;
                }
            }

            var table = new Table().AddColumns("client", "plants", "objective", "last event (UTC)", "state", "silent since (UTC)");
            foreach (var f in await ClientFreshness.ReadAsync(store, ct))
            {
                table.AddRow(Markup.Escape(f.Client), string.Join(' ', f.Plants), f.ExpectEventsWithinMinutes is { } m ? $"≤ {m} min" : "",
                    f.LastEventAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "",
                    f.State switch { "silent" => "[red]silent[/]", "fresh" => "[green]fresh[/]", _ => "[grey]unwatched[/]" },
                    f.SilentSince?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "");
            }

            AnsiConsole.Write(table);
            return 0;
        });

        return new Command("ops", "Operations: pause, drain and resume channels for a controlled restart; client freshness (see docs/operations.md).")
        {
            channels,
            history,
            freshness,
            Action("pause", ChannelAction.Pause, "Stop a channel now: inbound answers 503 with Retry-After (MQTT leaves messages with the broker); outbound sends nothing."),
            Action("drain", ChannelAction.Drain, "Finish what waits in a channel, then pause it (--wait follows it until it has)."),
            Action("resume", ChannelAction.Resume, "Run a channel again."),
        };
    }

    private static Command Action(string name, ChannelAction action, string description)
    {
        var db = RunCommand.DbOption();
        var channel = new Argument<string>("channel") { Description = $"{string.Join(", ", Channels.Inbound)} or {Channels.WebhookPrefix}<subscription id>." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the history; required to pause or drain)." };
        var wait = new Option<bool>("--wait") { Description = "Drain only: follow the drain until the channel has paused." };
        var command = new Command(name, description) { db, channel, reason };
        if (action == ChannelAction.Drain)
            command.Options.Add(wait);
        command.SetAction(async (parse, ct) =>
        {
            var store = TaktStore.Open(parse.GetValue(db)!);
            var target = parse.GetValue(channel)!;
            var errors = await ChannelStore.CheckAsync(store, target, action, parse.GetValue(reason), ct);
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                    AnsiConsole.MarkupLineInterpolated($"[red]{error.Rule}[/]: {error.Detail}");
                return 2;
            }

            var state = await ChannelStore.ApplyAsync(store, TimeProvider.System, target, action, parse.GetValue(reason), $"cli:{Environment.UserName}", ct);
            AnsiConsole.MarkupLineInterpolated($"[green]{state.Channel}[/] is [bold]{state.State}[/]{(state.DrainTo is { } to ? $" (delivers up to outbox position {to})" : "")}; running servers follow within a second.");
            if (action == ChannelAction.Drain && parse.GetValue(wait))
                return await FollowDrainAsync(store, target, ct);
            return 0;
        });
        return command;
    }

    /// <summary>Shows the channel's queue until the drain has ended (paused), or someone changed the channel.</summary>
    private static async Task<int> FollowDrainAsync(TaktStore store, string channel, CancellationToken ct)
    {
        var outcome = 1;
        await AnsiConsole.Status().StartAsync($"Draining {channel}…", async context =>
        {
            while (!ct.IsCancellationRequested)
            {
                var status = (await ChannelStatuses.ReadAsync(store, TimeProvider.System, ct)).FirstOrDefault(s => s.Channel == channel);
                if (status is null || status.State != ChannelState.DrainingState)
                {
                    outcome = status?.State == ChannelState.PausedState ? 0 : 1;
                    AnsiConsole.MarkupLineInterpolated($"{channel} is {status?.State ?? "gone"}{(status?.Reason is { } why ? $": {why}" : "")}.");
                    return;
                }

                context.Status($"Draining {channel}: {(status.Depth is { } depth ? $"{depth} waiting" : "waiting for the servers to finish what they hold")}");
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            }
        });
        return outcome;
    }

    private static void Render(IReadOnlyList<ChannelStatus> statuses)
    {
        var table = new Table().AddColumns(
            new TableColumn("channel"), new TableColumn("direction"), new TableColumn("state"), new TableColumn("waiting").RightAligned(),
            new TableColumn("oldest (s)").RightAligned(), new TableColumn("last minute").RightAligned(), new TableColumn("changed"), new TableColumn("what"));
        foreach (var s in statuses)
        {
            var state = s.State switch
            {
                ChannelState.RunningState when s.Circuit == "open" => "[red]running, circuit open[/]",
                ChannelState.RunningState => "[green]running[/]",
                ChannelState.PausedState => "[yellow]paused[/]",
                _ => "[blue]draining[/]",
            };
            table.AddRow(
                Markup.Escape(s.Channel),
                s.Direction,
                state,
                s.Depth?.ToString(CultureInfo.InvariantCulture) ?? "–",
                s.OldestAgeSeconds is { } age ? age.ToString("0.0", CultureInfo.InvariantCulture) : "–",
                s.LastMinute?.ToString(CultureInfo.InvariantCulture) ?? "–",
                Markup.Escape(s.ChangedAt is { } at ? $"{at:yyyy-MM-dd HH:mm} by {s.Actor}: {s.Reason}" : ""),
                Markup.Escape(s.Description));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]Inbound queues and throughput live in the servers: GET /api/v1/ops/channels or the metrics export.[/]");
    }
}
