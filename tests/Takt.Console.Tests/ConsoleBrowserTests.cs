using Microsoft.Playwright;
using Takt.Integration.Webhooks;
using Takt.Orchestration;
using Takt.Server;
using Takt.Store;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Takt.Console.Tests;

/// <summary>
/// The web console in a real browser against a real server: sign-in, the inbox, KPIs, the process map, variants
/// and dead letters. Every page is saved as a screenshot; no page may log a browser console error.
/// </summary>
public sealed class ConsoleBrowserTests(ConsoleHost fixture) : IClassFixture<ConsoleHost>
{
    private TaktStore Store => fixture.Host.Store;

    private static System.Text.RegularExpressions.Regex Pattern(string pattern) =>
        new(pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

    private IOrchestration Flows => fixture.Host.Service<IOrchestration>();

    [Fact]
    public async Task a_person_signs_in_with_a_password_sees_only_what_their_roles_allow_and_signs_out()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await page.GotoAsync("/console/kpis");
        await Expect(page).ToHaveURLAsync(Pattern("/console/signin\\?ReturnUrl=%2Fconsole%2Fkpis$"));
        await ConsoleHost.ScreenshotAsync(page, "signin");

        await ConsoleHost.SignInAsync(page, DemoConsole.Approver, "not-the-password", here: true);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The name or the password is wrong.");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Console" })).ToHaveCountAsync(0);

        await ConsoleHost.SignInAsync(page, DemoConsole.Approver, here: true);
        await Expect(page).ToHaveURLAsync(Pattern("/console/kpis$")); // back where the person wanted to go
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "Integration health" })).ToHaveCountAsync(0);

        await page.GotoAsync("/console/integration"); // a plant controller is no integration owner
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to the Takt console" })).ToBeVisibleAsync();
        await page.GotoAsync("/console/inbox");
        await Expect(page).ToHaveURLAsync(Pattern("/console/signin"));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task a_controller_approves_a_task_from_the_inbox_and_a_rejection_without_comment_changes_nothing()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, DemoConsole.Approver);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My tasks" })).ToBeVisibleAsync();
        var task = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "REQ-7001" });
        await Expect(task).ToContainTextAsync("value 48,200 EUR > 10,000 for direct"); // the routing explanation
        await Expect(task.Locator("time[data-remaining-ms]")).ToContainTextAsync(Pattern("\\d+m \\d+s left$")); // the script counts down
        await ConsoleHost.ScreenshotAsync(page, "inbox");
        var taskId = (await task.Locator("input[type=checkbox]").GetAttributeAsync("value"))!;

        await task.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("task.comment-required");
        Assert.Equal("open", (await Flows.TaskAsync(Store, taskId, TestContext.Current.CancellationToken))!.Status);

        task = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "REQ-7001" });
        await task.GetByLabel("Comment").FillAsync("Line stop otherwise; approved.");
        await task.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("Approve the expedited requisition (PA01): approved.");
        await Expect(page.GetByRole(AriaRole.Article).Filter(new() { HasText = "REQ-7001" })).ToHaveCountAsync(0);
        var decided = (await Flows.TaskAsync(Store, taskId, TestContext.Current.CancellationToken))!;
        Assert.Equal((DemoConsole.Approver, "Line stop otherwise; approved."), (decided.DecidedBy, decided.Comment));
        Assert.NotEqual("open", decided.Status);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task the_kpi_dashboard_draws_charts_from_real_data_and_a_plant_person_sees_only_their_plant()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, "dieter.cfo");
        await page.GotoAsync("/console/kpis");
        var latency = page.Locator("#chart-latency svg[role=img]");
        await Expect(latency).ToBeVisibleAsync();
        await Expect(latency.Locator(".mark")).ToHaveCountAsync(2); // today's p95 of PA01 and of PB01
        await Expect(latency.Locator(".mark title").First).ToContainTextAsync("PA01");
        await Expect(page.Locator("#chart-integration svg .mark").First).ToBeAttachedAsync(); // the failed webhook delivery
        await Expect(page.Locator("#chart-turnaround svg .mark").First).ToBeAttachedAsync(); // the demo's approved variants
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Not yet available" })).ToHaveCountAsync(0); // all eight are computed
        await Expect(page.Locator("[data-live-stamp]")).ToContainTextAsync("updated", new() { Timeout = 15_000 }); // the live refresh ran
        await Expect(page.Locator("[data-live-latency] tbody tr")).ToHaveCountAsync(2);
        await ConsoleHost.ScreenshotAsync(page, "kpis");

        var (brno, brnoErrors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(brno, "hana.inspector"); // Plant B only
        await brno.GotoAsync("/console/kpis");
        await Expect(brno.Locator("#chart-latency svg .mark")).ToHaveCountAsync(1);
        await Expect(brno.Locator("#chart-latency")).Not.ToContainTextAsync("PA01");
        Assert.Empty(errors);
        Assert.Empty(brnoErrors);
    }

    [Fact]
    public async Task the_process_map_opens_and_an_activity_leads_to_an_order_and_its_whole_history()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, "dieter.cfo");
        await page.GotoAsync("/console/map?objectType=production-order&days=1");
        await Expect(page.Locator("#process-map svg g.activity").First).ToBeVisibleAsync();
        await ConsoleHost.ScreenshotAsync(page, "process-map");

        await page.GetByRole(AriaRole.Region, new() { Name = "Activities" }).GetByRole(AriaRole.Link).First.ClickAsync();
        var instances = page.GetByRole(AriaRole.Region, new() { Name = "production-order objects that passed through" });
        await instances.GetByRole(AriaRole.Link, new() { Name = "PA01-100002" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "production-order PA01-100002" })).ToBeVisibleAsync();
        var history = page.GetByRole(AriaRole.Table, new() { Name = "History of production-order PA01-100002" });
        await Expect(history).ToContainTextAsync("takt.production.material-issued.v1");
        await Expect(history.GetByRole(AriaRole.Link).Filter(new() { HasText = "journal-entry" }).First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Journal entries of PA01-100002 by account" })).ToBeVisibleAsync();
        await ConsoleHost.ScreenshotAsync(page, "object-history");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task a_variant_out_of_bounds_shows_the_rule_it_breaks_and_a_valid_one_goes_to_the_owner_who_approves_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = (await Flows.VariantsAsync(Store, null, ct)).Count;
        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, "carla.manager"); // Plant A
        await page.GotoAsync("/console/flows");
        await page.GetByRole(AriaRole.Link, new() { Name = "expedite-procurement-approval" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "PA01 against the standard" }).First).ToContainTextAsync("approvalThreshold");
        await ConsoleHost.ScreenshotAsync(page, "flow-standard");

        var document = page.GetByLabel("Variant document (YAML)");
        await document.FillAsync(Variant("60000"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Propose for approval" }).ClickAsync();
        var problems = page.GetByRole(AriaRole.Alert);
        await Expect(problems).ToContainTextAsync("/set/approvalThreshold variant.above-maximum");
        await Expect(problems).ToContainTextAsync("is above the maximum");
        await ConsoleHost.ScreenshotAsync(page, "variant-out-of-bounds");
        Assert.Equal(before, (await Flows.VariantsAsync(Store, null, ct)).Count); // nothing stored

        await page.GetByLabel("Variant document (YAML)").FillAsync(Variant("40000"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Propose for approval" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Proposed the PA01 variant");
        var proposed = Assert.Single(await Flows.VariantsAsync(Store, DemoData.PlantA, ct), v => v.Flow == "expedite-procurement-approval" && v.Status == "proposed");
        await ConsoleHost.Eventually(async () => (await Flows.InboxAsync(Store, DemoFlows.Owner, DemoData.PlantA, ct)).Any(t => t.Flow == "flow-variant-approval"), "the owner's approval task");

        var (owner, ownerErrors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(owner, DemoFlows.Owner);
        var approval = owner.GetByRole(AriaRole.Article).Filter(new() { HasText = proposed.Id });
        await approval.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(owner.GetByRole(AriaRole.Status).First).ToContainTextAsync("approved");
        await ConsoleHost.Eventually(async () => (await Flows.VariantsAsync(Store, DemoData.PlantA, ct)).Single(v => v.Id == proposed.Id).Status == "active", "the approved variant to become active");
        Assert.Empty(errors);
        Assert.Empty(ownerErrors);

        static string Variant(string threshold) =>
            $"flow: expedite-procurement-approval\nversion: 1\nplant: PA01\nreason: Larger expedites only.\nset:\n  approvalThreshold: {threshold}\n";
    }

    [Fact]
    public async Task an_integration_owner_replays_a_dead_letter_and_it_is_delivered()
    {
        var ct = TestContext.Current.CancellationToken;
        var subscriber = WebhookSubscriptions.SubscriberOf(fixture.WebhookId);
        var dead = (await DeadLetters.ListAsync(Store, subscriber, 10, ct))[0];
        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, DemoConsole.IntegrationOwner);
        await page.GotoAsync("/console/integration");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Webhook deliveries" })).ToContainTextAsync("500");
        await ConsoleHost.ScreenshotAsync(page, "integration-health");

        fixture.ReceiverFails = false;
        await page.GetByRole(AriaRole.Button, new() { Name = $"Replay dead letter {dead.Seq}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("Replayed 1 dead letter: queued for delivery again.");
        await ConsoleHost.Eventually(async () => (await WebhookSubscriptions.AttemptsAsync(Store, fixture.WebhookId, 10, ct)).Any(a => a.MessageId == dead.MessageId && a.Error is null), "the replayed delivery");
        Assert.DoesNotContain(await DeadLetters.ListAsync(Store, subscriber, 10, ct), d => d.Seq == dead.Seq);

        await page.GotoAsync("/console/integration");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Replay dead letter {dead.Seq}" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Webhook deliveries" })).ToContainTextAsync("delivered");
        Assert.Empty(errors);
    }
    [Fact]
    public async Task an_integration_owner_sees_channels_and_freshness_and_pauses_and_resumes_the_gateway()
    {
        var ct = TestContext.Current.CancellationToken;
        var watched = await fixture.Host.RegisterClientAsync("mes-console-watch", [Takt.Integration.Access.Scopes.EventsProductionWrite], ["PA01"]);
        Assert.False((await Takt.Integration.Operations.ClientFreshness.SetAsync(Store, TimeProvider.System, watched.ClientId, 10, ct)).IsRejected);
        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, DemoConsole.IntegrationOwner);
        await page.GotoAsync("/console/integration");
        var channels = page.GetByRole(AriaRole.Table).Filter(new() { HasText = "Oldest (s)" });
        await Expect(channels).ToContainTextAsync("gateway");
        await Expect(channels).ToContainTextAsync("mqtt");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Client freshness" })).ToContainTextAsync("mes-console-watch");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Client freshness" })).ToContainTextAsync("≤ 10 min");

        // A pause without a reason is refused and changes nothing.
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause gateway" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("channel.reason-required");
        Assert.DoesNotContain(await Takt.Integration.Operations.ChannelStore.ReadAsync(Store, ct), c => c.Channel == "gateway" && c.State != "running");

        await page.GetByLabel("Reason").FillAsync("MES upgrade at Plant A, change 4711");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause gateway" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("gateway is paused.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resume gateway" })).ToBeVisibleAsync();
        var state = (await Takt.Integration.Operations.ChannelStore.ReadAsync(Store, ct)).Single(c => c.Channel == "gateway");
        Assert.Equal(("paused", $"console:{DemoConsole.IntegrationOwner}", "MES upgrade at Plant A, change 4711"), (state.State, state.Actor, state.Reason));
        await ConsoleHost.ScreenshotAsync(page, "integration-channels");

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume gateway" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("gateway is running.");
        Assert.Equal("running", (await Takt.Integration.Operations.ChannelStore.ReadAsync(Store, ct)).Single(c => c.Channel == "gateway").State);
        Assert.Empty(errors);
    }
}
