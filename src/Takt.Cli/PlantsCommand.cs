using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Takt.Server;
using Takt.Server.Onboarding;
using Takt.Store;

namespace Takt.Cli;

/// <summary>
/// <c>takt plants onboard|approve|show</c>: a new plant from a template plant, proposed by one person and approved by
/// another, on the database the servers share (docs/operations.md, "Onboarding a plant").
/// </summary>
internal static class PlantsCommand
{

    public static Command Create()
    {
        var db = RunCommand.DbOption();
        var by = new Option<string>("--by") { Description = "Who proposes or approves.", DefaultValueFactory = _ => $"cli:{Environment.UserName}" };
        var from = new Option<string>("--from") { Description = "The template plant.", Required = true };
        var code = new Option<string>("--code") { Description = "The new plant's code (2–10 upper-case letters or digits).", Required = true };
        var name = new Option<string>("--name") { Description = "The new plant's name.", Required = true };
        var zone = new Option<string?>("--time-zone") { Description = "IANA time zone (default: the template's)." };
        var wms = new Option<Uri?>("--wms-url") { Description = "Where the plant's WMS receives pick instructions (a webhook subscription)." };
        var minutes = new Option<int?>("--freshness-minutes") { Description = "The MES must send an event at least every N minutes (default 10)." };
        var reason = new Option<string>("--reason") { Description = "Why (the acquisition, the project).", Required = true };
        var onboard = new Command("onboard", "Propose a new plant from a template: prints the plan (master data skeleton, determination rules, flow variants, MES/WMS clients, freshness, webhook) for review.")
        {
            from, code, name, zone, wms, minutes, reason, by, db,
        };
        onboard.SetAction(async (parse, ct) => await WithAsync(parse.GetValue(db)!, async onboarding =>
        {
            var proposed = await onboarding.Service.ProposeAsync(onboarding.Store, new OnboardingRequest(parse.GetValue(from), parse.GetValue(code), parse.GetValue(name), parse.GetValue(zone),
                parse.GetValue(wms), parse.GetValue(minutes), parse.GetValue(reason)), parse.GetValue(by)!, ct);
            if (proposed.IsRejected)
                return Fail(proposed.Violations);
            Print(proposed.Value.View);
            AnsiConsole.MarkupLineInterpolated($"{(proposed.Value.Created ? "Proposed" : "Already proposed")}: another person approves with [bold]takt plants approve {proposed.Value.View.Code} --by …[/].");
            return 0;
        }));

        var approveCode = new Argument<string>("code") { Description = "The plant proposed." };
        var approve = new Command("approve", "Approve a proposed plant: everything in its plan is created in one transaction; API keys are shown this once.") { approveCode, by, db };
        approve.SetAction(async (parse, ct) => await WithAsync(parse.GetValue(db)!, async onboarding =>
        {
            var approved = await onboarding.Service.ApproveAsync(onboarding.Store, parse.GetValue(approveCode)!, parse.GetValue(by)!, ct);
            if (approved.IsRejected)
                return Fail(approved.Violations);
            Print(approved.Value);
            return approved.Value.Report!.FollowUps.Values.Any(v => v.StartsWith("failed", StringComparison.Ordinal)) ? 2 : 0;
        }));

        var showCode = new Argument<string>("code") { Description = "The plant." };
        var show = new Command("show", "An onboarding's plan, state and report.") { showCode, db };
        show.SetAction(async (parse, ct) => await WithAsync(parse.GetValue(db)!, async onboarding =>
        {
            if (await onboarding.Service.ReadAsync(onboarding.Store, parse.GetValue(showCode)!, ct) is not { } view)
                return Fail([new Contracts.Violation("/code", "onboarding.unknown", $"No onboarding of plant '{parse.GetValue(showCode)}'.")]);
            Print(view);
            return 0;
        }));

        return new Command("plants", "New plants and acquisitions from a template plant (docs/operations.md).") { onboard, approve, show };
    }

    private static void Print(OnboardingView view)
    {
        var plan = view.Plan;
        var table = new Table().Title($"plant {view.Code} from {view.From}: {view.Status}").AddColumns("part", "what");
        table.AddRow("plant", Markup.Escape($"{plan.Code} {plan.Name}, company {plan.Company}, {plan.TimeZone}"));
        table.AddRow("work centers", Markup.Escape(string.Join(' ', (plan.MasterData.WorkCenters ?? []).Select(w => w.Code))));
        table.AddRow("routings, BOMs, standard costs", $"{plan.MasterData.Routings?.Count ?? 0}, {plan.MasterData.Boms?.Count ?? 0}, {plan.MasterData.StandardCosts?.Count ?? 0}");
        table.AddRow("determination rules", plan.DeterminationRules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("flow variants (proposed for approval)", Markup.Escape(string.Join(' ', plan.FlowVariants)));
        table.AddRow("clients", Markup.Escape(string.Join("; ", plan.Clients.Select(c => $"{c.Id} ({string.Join(' ', c.Scopes)})"))));
        table.AddRow("freshness", $"{plan.Clients[0].Id} ≤ {plan.FreshnessMinutes} min");
        table.AddRow("WMS webhook", Markup.Escape(plan.WmsWebhookUrl?.ToString() ?? "none"));
        table.AddRow("proposed", Markup.Escape($"{view.ProposedBy} {view.ProposedAt:O}"));
        if (view.ApprovedBy is not null)
            table.AddRow("approved", Markup.Escape($"{view.ApprovedBy} {view.ApprovedAt:O}"));
        foreach (var (step, outcome) in view.Report?.FollowUps ?? new Dictionary<string, string>())
            table.AddRow(Markup.Escape(step), Markup.Escape(outcome));
        AnsiConsole.Write(table);
        foreach (var (client, key) in view.Report?.ApiKeys ?? new Dictionary<string, string>())
        {
            AnsiConsole.MarkupLineInterpolated($"API key of {client}, shown only now:");
            Console.WriteLine(key);
        }

        if (view.Report?.WebhookSecret is { } secret)
        {
            AnsiConsole.MarkupLineInterpolated($"Webhook secret of {view.Report.Webhook}, shown only now:");
            Console.WriteLine(secret);
        }
    }

    private static int Fail(IReadOnlyList<Contracts.Violation> violations)
    {
        foreach (var v in violations)
            AnsiConsole.MarkupLineInterpolated($"[red]{v.Rule}[/] {v.Field}: {v.Detail}");
        return 1;
    }

    private sealed record Onboarding(PlantOnboarding Service, TaktStore Store);

    private static async Task<int> WithAsync(string database, Func<Onboarding, Task<int>> work)
    {
        var settings = new ServerSettings { Database = database, Urls = "http://127.0.0.1:0", SeedDemo = false, BootstrapAdmin = false, RunDispatcher = false, MinimumLogLevel = LogLevel.Warning };
        settings.Orchestration.RunWorker = false;
        await using var app = TaktServer.Build(settings);
        var store = app.Services.GetRequiredService<TaktStore>();
        await Migrations.ApplyAsync(store, TaktServer.Schemas, CancellationToken.None);
        return await work(new Onboarding(app.Services.GetRequiredService<PlantOnboarding>(), store));
    }
}
