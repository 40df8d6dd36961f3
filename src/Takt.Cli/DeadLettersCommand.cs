using System.CommandLine;
using Spectre.Console;
using Takt.Store;

namespace Takt.Cli;

internal static class DeadLettersCommand
{
    public static Command Create()
    {
        var db = RunCommand.DbOption();
        var subscriber = new Option<string?>("--subscriber") { Description = "Only this subscriber's deliveries." };
        var list = new Command("list", "List dead-lettered outbox deliveries.") { db, subscriber };
        list.SetAction(async (parse, ct) =>
        {
            var rows = await DeadLetters.ListAsync(TaktStore.Open(parse.GetValue(db)!), parse.GetValue(subscriber), 1000, ct);
            var table = new Table().AddColumns("seq", "message", "type", "subscriber", "attempts", "last error");
            foreach (var r in rows)
                table.AddRow($"{r.Seq}", r.MessageId, r.Type, r.Subscriber, $"{r.Attempts}", Markup.Escape(r.LastError ?? ""));
            AnsiConsole.Write(table);
            return 0;
        });
        var seqs = new Option<long[]>("--seq") { Description = "Only these deliveries (repeatable).", AllowMultipleArgumentsPerToken = true };
        var replay = new Command("replay", "Queue dead-lettered deliveries again; the running server delivers them.") { db, subscriber, seqs };
        replay.SetAction(async (parse, ct) =>
        {
            var count = await DeadLetters.ReplayAsync(TaktStore.Open(parse.GetValue(db)!), TimeProvider.System, parse.GetValue(subscriber), parse.GetValue(seqs), ct);
            AnsiConsole.MarkupLineInterpolated($"[green]{count}[/] deliveries queued again.");
            return 0;
        });
        return new Command("deadletters", "Dead letters of the outbox: list and replay.") { list, replay };
    }
}
