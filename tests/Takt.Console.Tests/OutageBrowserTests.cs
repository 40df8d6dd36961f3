using Microsoft.Playwright;
using Takt.Server.Web;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Takt.Console.Tests;

/// <summary>
/// The live outage demo in a real browser against a real server (its own: the scenario changes the plan): a plant
/// manager starts the reference scenario and watches its timeline fill in; a second start while it runs and a start by
/// someone without the role are refused.
/// </summary>
public sealed class OutageBrowserTests(ConsoleHost fixture) : IClassFixture<ConsoleHost>
{
    [Fact]
    public async Task a_plant_manager_runs_the_outage_scenario_and_watches_the_timeline_and_no_second_run_starts_meanwhile()
    {
        var runner = fixture.Host.Service<OutageRunner>();
        var (inspector, inspectorErrors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(inspector, "frieda.inspector"); // Plant A, no role to start it
        await inspector.GotoAsync("/console/outage");
        await Expect(inspector.GetByRole(AriaRole.Button, new() { Name = "Run the outage scenario" })).ToHaveCountAsync(0);
        await Expect(inspector.Locator("[data-outage-state]")).ToHaveTextAsync("Not run yet on this server.");

        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, "carla.manager");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "Live outage demo" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Run the outage scenario" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Started the outage scenario; the timeline fills in as each step completes.");
        Assert.Equal("running", runner.View().State);

        // Once at a time: a second start (another manager's page, submitted while the first runs) starts nothing.
        var (second, secondErrors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(second, "dieter.cfo");
        await second.GotoAsync("/console/outage");
        await Expect(second.GetByRole(AriaRole.Button, new() { Name = "Run the outage scenario" })).ToBeDisabledAsync();
        await second.EvaluateAsync("document.querySelector(\"form[aria-label='Run the scenario'] button\").disabled = false");
        await second.GetByRole(AriaRole.Button, new() { Name = "Run the outage scenario" }).ClickAsync();
        await Expect(second.GetByRole(AriaRole.Status)).ToHaveTextAsync("Not started: a run started by carla.manager is still running."); // the scenario takes tens of seconds

        // The timeline fills in on the page without a reload (the script polls), step by step, to the machine coming back.
        var timeline = page.GetByRole(AriaRole.Table, new() { Name = "Outage timeline" });
        await Expect(timeline).ToContainTextAsync("1 MES: machine down", new() { Timeout = 180_000 });
        await Expect(page.Locator("[data-outage-state]")).ToContainTextAsync("Finished", new() { Timeout = 300_000 });
        var run = runner.View();
        Assert.True(run.State == "finished", run.Error);
        Assert.Equal("carla.manager", run.StartedBy);
        await Expect(timeline.Locator("tbody tr")).ToHaveCountAsync(run.Steps.Count);
        foreach (var step in new[] { "2 Re-scheduled", "3 Expedites requisitioned", "4 WMS instructions updated", "5 Expected cost variance", "Machine up: planned again" })
            await Expect(timeline).ToContainTextAsync(step);
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Expedite requisitions" }).Locator("tbody tr")).ToHaveCountAsync(run.Expedites.Count);
        Assert.NotEmpty(run.Expedites);
        await ConsoleHost.ScreenshotAsync(page, "outage");
        Assert.Empty(errors);
        Assert.Empty(secondErrors);
        Assert.Empty(inspectorErrors);
    }
}
