using System.Net;
using Microsoft.Playwright;
using Takt.Assist.Registry;
using Takt.Server;
using Takt.Store;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Takt.Console.Tests;

/// <summary>
/// The console's AI models page in a real browser (issue 15): model versions per kind with their state, holdout metrics,
/// training set and feature importance; a person approves a candidate, never the person who trained it, and a refused
/// approval names the rule and changes nothing.
/// </summary>
public sealed class ModelsBrowserTests(ConsoleHost fixture) : IClassFixture<ConsoleHost>
{
    private TaktStore Store => fixture.Host.Store;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task the_trainer_cannot_approve_a_candidate_another_person_can_and_the_approved_version_is_retired()
    {
        using (var trained = await fixture.Host.PostJsonAsync("/api/v1/assist/models/invoice-exceptions/train", new { rows = 600, trainedBy = DemoConsole.Approver }))
            Assert.Equal(HttpStatusCode.Created, trained.StatusCode);
        var before = await Store.ReadAsync(TimeProvider.System, tx => ModelRegistry.ListAsync(tx, AssistKinds.InvoiceExceptions, Ct), Ct);
        var candidate = before[^1];
        Assert.Equal(("candidate", DemoConsole.Approver), (candidate.State, candidate.TrainedBy));

        var (page, errors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(page, DemoConsole.Approver);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "AI models" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "AI models", Exact = true })).ToBeVisibleAsync();
        var card = page.GetByRole(AriaRole.Article).Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = candidate.Id, Exact = true }) });
        await Expect(card).ToContainTextAsync($"version {candidate.Version}");
        await Expect(card).ToContainTextAsync("candidate");
        await Expect(card).ToContainTextAsync($"accuracy {candidate.Metrics.Accuracy!.Value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)}");
        await Expect(card).ToContainTextAsync("macro-F1 ");
        await Expect(card).ToContainTextAsync("calibration error (ECE) ");
        await Expect(card).ToContainTextAsync($"on {candidate.HoldoutRows:N0} rows held out");
        await Expect(card).ToContainTextAsync("generated; labels price-variance");
        await Expect(card).ToContainTextAsync("priceDeviation "); // a feature that drives the generated rule, with its importance
        await Expect(card).ToContainTextAsync($"by {DemoConsole.Approver}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = AssistKinds.InvoiceExceptions, Exact = true })).ToBeVisibleAsync();
        await ConsoleHost.ScreenshotAsync(page, "models");

        // bernd.controller trained it: refused, with the rule; nothing changes.
        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync(
            $"{candidate.Id}: not approved. {DemoConsole.Approver} trained '{candidate.Id}'; another person approves it. [assist.approver-is-trainer]");
        Assert.Equal(before, await Store.ReadAsync(TimeProvider.System, tx => ModelRegistry.ListAsync(tx, AssistKinds.InvoiceExceptions, Ct), Ct), ModelComparer.Instance);

        // Another person of Plant A approves it for their plant (they may not approve for every plant).
        var (other, otherErrors) = await fixture.NewPageAsync();
        await ConsoleHost.SignInAsync(other, "carla.manager");
        await other.GotoAsync("/console/models");
        card = other.GetByRole(AriaRole.Article).Filter(new() { Has = other.GetByRole(AriaRole.Heading, new() { Name = candidate.Id, Exact = true }) });
        await Expect(card.GetByLabel("Approve for").Locator("option")).ToHaveTextAsync(["PA01"]);
        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(other.GetByRole(AriaRole.Status).First).ToHaveTextAsync($"{candidate.Id}: approved for PA01.");
        card = other.GetByRole(AriaRole.Article).Filter(new() { Has = other.GetByRole(AriaRole.Heading, new() { Name = candidate.Id, Exact = true }) });
        await Expect(card).ToContainTextAsync("approved by carla.manager");
        await Expect(card).ToContainTextAsync("for PA01");
        await Expect(card.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);

        var after = await Store.ReadAsync(TimeProvider.System, tx => ModelRegistry.ListAsync(tx, AssistKinds.InvoiceExceptions, Ct), Ct);
        var approved = Assert.Single(after, m => m.State == "approved");
        Assert.Equal((candidate.Id, "carla.manager", "PA01"), (approved.Id, approved.ApprovedBy, approved.ApprovalScope));
        Assert.Equal(before.Count(m => m.State == "approved") + before.Count(m => m.State == "retired"), after.Count(m => m.State == "retired"));

        // Approved already: the page offers nothing more; a second approval through the API conflicts.
        using (var again = await fixture.Host.PostJsonAsync($"/api/v1/assist/models/{Uri.EscapeDataString(candidate.Id)}/approve", new { approver = "dieter.cfo", scope = "*" }))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Empty(errors);
        Assert.Empty(otherErrors);
    }

    /// <summary>Model versions compared by id, state and approval (what an approval changes).</summary>
    private sealed class ModelComparer : IEqualityComparer<ModelVersion>
    {
        public static readonly ModelComparer Instance = new();

        public bool Equals(ModelVersion? x, ModelVersion? y) =>
            (x?.Id, x?.State, x?.ApprovedBy, x?.ApprovedAt, x?.ApprovalScope) == (y?.Id, y?.State, y?.ApprovedBy, y?.ApprovedAt, y?.ApprovalScope);

        public int GetHashCode(ModelVersion obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
