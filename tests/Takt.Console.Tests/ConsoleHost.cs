using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Takt.Contracts.Events;
using Takt.Integration.Webhooks;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Console.Tests;

/// <summary>
/// A real Takt server (SQLite, demo data with its console users and open approvals) and one headless Debian
/// chromium shared by the tests of a class. Before the tests: shop-floor events (latency, process map), and a
/// webhook whose receiver fails, so one delivery is dead-lettered (integration failures, replay).
/// </summary>
public sealed class ConsoleHost : IAsyncLifetime
{
    private TaktDatabase? database;
    private WebApplication? receiver;
    private IPlaywright? playwright;

    public TaktHost Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>While true the webhook receiver answers 500; the replay test turns it off.</summary>
    public bool ReceiverFails { get; set; } = true;

    public string WebhookId { get; private set; } = "";

    public string BaseUrl => OpenApiDocument.Address(Host.App);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        database = TaktDatabase.Sqlite();
        Host = await TaktHost.StartAsync(database, settings =>
        {
            settings.MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Critical;
            settings.DemoOpenTasks = true; // as takt run: three approvals wait in bernd.controller's inbox
            settings.DemoInvoices = true; // as takt run: Plant A's invoices, three of them exceptions
            settings.ConfigureServices = services => services.AddSingleton(new WebhookOptions
            {
                Timeout = TimeSpan.FromSeconds(2),
                BaseDelay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromMilliseconds(200),
                PollInterval = TimeSpan.FromMilliseconds(100),
            });
        });

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        receiver = builder.Build();
        receiver.MapPost("/hook", () => ReceiverFails ? Results.StatusCode(StatusCodes.Status500InternalServerError) : Results.NoContent());
        await receiver.StartAsync(ct);
        var hook = new Uri(new Uri(OpenApiDocument.Address(receiver)), "/hook");
        var webhook = await WebhookSubscriptions.CreateAsync(Host.Store, TimeProvider.System,
            new WebhookRequest(hook, [EventTypes.JournalEntryPosted], DemoData.PlantA, MaxAttempts: 1, Description: "console test receiver"), TaktHost.SuiteClientId, ct);
        WebhookId = webhook.Webhook.Id;

        foreach (var (plant, order, item) in new[] { (DemoData.PlantA, "PA01-100002", "RM-3001"), (DemoData.PlantA, "PA01-100003", "RM-3002"), (DemoData.PlantB, "PB01-100002", "RM-3001") })
        {
            using var posted = await Host.PostStructuredAsync(Events.MaterialIssued(plant, order, item, 2m, "H87"));
            Assert.True(posted.IsSuccessStatusCode, $"{order}: {await posted.Content.ReadAsStringAsync(ct)}");
        }

        // A second activity per order, so the map has transitions.
        foreach (var (plant, order, workCenter) in new[] { (DemoData.PlantA, "PA01-100002", "PA01-CNC1"), (DemoData.PlantB, "PB01-100002", "PB01-CNC1") })
        {
            using var posted = await Host.PostStructuredAsync(Events.OperationConfirmed(plant, order, "0010", workCenter, 1m, "H87", machine: (0.5m, "HUR")));
            Assert.True(posted.IsSuccessStatusCode, $"{order}: {await posted.Content.ReadAsStringAsync(ct)}");
        }

        await Eventually(async () => (await DeadLetters.ListAsync(Host.Store, WebhookSubscriptions.SubscriberOf(WebhookId), 10, ct)).Count > 0, "a dead-lettered webhook delivery");
        var intelligence = Host.Service<Takt.Intelligence.IIntelligence>();
        await Eventually(async () => await intelligence.ObjectIndexBehindAsync(Host.Store, ct) == 0, "the process log's object index");

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking"],
        });
    }

    /// <summary>A fresh browser context (its own cookies) at a laptop's 1366×768, recording console errors and page errors.</summary>
    public async Task<(IPage Page, List<string> Errors)> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                errors.Add(message.Text);
        };
        page.PageError += (_, error) => errors.Add(error);
        return (page, errors);
    }

    /// <summary>Signs in on the sign-in page (opened first unless <paramref name="here"/>: the page is on it already).</summary>
    public static async Task SignInAsync(IPage page, string user, string password = DemoConsole.Password, bool here = false)
    {
        if (!here)
            await page.GotoAsync("/console/signin");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>Saves a full-page screenshot under artifacts/screenshots (git-ignored) at the repository root.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    public static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var until = TimeProvider.System.GetTimestamp() + (TimeProvider.System.TimestampFrequency * 30);
        while (!await condition())
        {
            if (TimeProvider.System.GetTimestamp() > until)
                throw new TimeoutException($"Waited 30 s for {what}.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        playwright?.Dispose();
        if (receiver is not null)
            await receiver.DisposeAsync();
        if (Host is not null)
            await Host.DisposeAsync();
        if (database is not null)
            await database.DisposeAsync();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Takt.slnx")))
                return dir.FullName;
        }

        return AppContext.BaseDirectory;
    }
}
