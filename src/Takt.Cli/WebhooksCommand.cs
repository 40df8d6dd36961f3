using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Takt.Integration.Webhooks;
using Takt.Store;

namespace Takt.Cli;

internal static class WebhooksCommand
{
    public static Command Create()
    {
        var db = RunCommand.DbOption();
        var list = new Command("list", "List active webhook subscriptions.") { db };
        list.SetAction(async (parse, ct) =>
        {
            var store = TaktStore.Open(parse.GetValue(db)!);
            var table = new Table().AddColumns("id", "url", "event types", "plant", "ordered", "max attempts");
            foreach (var w in await WebhookSubscriptions.ListAsync(store, null, ct))
                table.AddRow(w.Id, Markup.Escape(w.Url.ToString()), w.EventTypes.Count == 0 ? "(all)" : string.Join(", ", w.EventTypes), w.Plant ?? "(all)", w.Ordered ? "yes" : "no", $"{w.MaxAttempts}");
            AnsiConsole.Write(table);
            return 0;
        });

        var id = new Argument<string>("id") { Description = "The subscription's id." };
        var from = new Option<string?>("--from") { Description = "Events with a time at or after this (ISO 8601)." };
        var to = new Option<string?>("--to") { Description = "Events with a time before this (ISO 8601)." };
        var messages = new Option<string[]>("--message") { Description = "These message ids (repeatable).", AllowMultipleArgumentsPerToken = true };
        var replay = new Command("replay", "Send published events again to one subscription; the running server delivers them.") { db, id, from, to, messages };
        replay.SetAction(async (parse, ct) =>
        {
            var start = Parse(parse.GetValue(from), "--from");
            var end = Parse(parse.GetValue(to), "--to");
            var ids = parse.GetValue(messages) ?? [];
            if (start is null && end is null && ids.Length == 0)
            {
                AnsiConsole.MarkupLine("[red]Name a time range (--from, --to) or --message ids.[/]");
                return 2;
            }

            var count = await WebhookSubscriptions.ReplayAsync(TaktStore.Open(parse.GetValue(db)!), TimeProvider.System, parse.GetValue(id)!, start, end, ids, ct);
            if (count < 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]No active webhook subscription '{parse.GetValue(id)}'.[/]");
                return 1;
            }

            AnsiConsole.MarkupLineInterpolated($"[green]{count}[/] deliveries queued again.");
            return 0;
        });
        return new Command("webhooks", "Webhook subscriptions: list and replay.") { list, replay };
    }

    private static DateTimeOffset? Parse(string? text, string option) =>
        text is null ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value
        : throw new ArgumentException($"{option}: '{text}' is not a date and time (ISO 8601).", option);
}
