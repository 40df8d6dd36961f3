using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takt.Integration.Access;
using Takt.Server;
using Takt.Testing;
using Xunit;
using static Takt.Operations.Tests.Http;

namespace Takt.Operations.Tests;

/// <summary>
/// A new plant from a template in one step (issue 14, docs/operations.md): a proposal keeps the plan, a second
/// person approves it, and everything the plan names is created in one transaction — or nothing is.
/// </summary>
public abstract class OnboardingContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : OperationsHost
{
    private TaktHost Host => fixture.Host;

    private const string Path = "/api/v1/plants/onboardings";

    private async Task<HttpClient> ApproverAsync(string id)
    {
        var key = await Host.RegisterClientAsync(id, [Scopes.ClientsManage], ["*"]);
        return Host.HttpWith(key.ApiKey);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await http.SendAsync(request, Ct);
    }

    private Task<long> CountAsync(string sql, object args) => Tables.CountAsync(Host.Store, sql, args);

    [Fact]
    public async Task a_plant_proposed_from_a_template_goes_live_when_another_person_approves_with_everything_its_plan_names()
    {
        var request = new { from = DemoData.PlantA, code = "PC01", name = "Plant C (acquired)", wmsWebhookUrl = "https://wms.pc01.example/takt", freshnessMinutes = 15, reason = "Acquisition of Werk C, project M-12" };
        using var proposed = await Host.PostJsonAsync(Path, request);
        var plan = (await OkAsync(proposed, HttpStatusCode.Created)).GetProperty("plan");
        var templateCenters = await CountAsync("SELECT COUNT(*) FROM masterdata_work_center WHERE plant = @p", new { p = DemoData.PlantA });
        Assert.Equal(templateCenters, plan.GetProperty("masterData").GetProperty("workCenters").GetArrayLength());
        Assert.Contains(plan.GetProperty("masterData").GetProperty("workCenters").EnumerateArray(), w => w.GetProperty("code").GetString() == "PC01-CNC1");
        Assert.Equal(["mes-pc01", "wms-pc01"], plan.GetProperty("clients").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.NotEmpty(plan.GetProperty("flowVariants").EnumerateArray());
        // Proposed is not live: nothing of the plant exists yet.
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM masterdata_plant WHERE code = @p", new { p = "PC01" }));

        // The same proposal again is the same proposal; a different one for the code is refused.
        using (var again = await Host.PostJsonAsync(Path, request))
            await OkAsync(again);
        using (var other = await Host.PostJsonAsync(Path, request with { name = "Plant C bis" }))
            await Problems.AssertAsync(other, HttpStatusCode.Conflict, "/code", "onboarding.exists");

        // Who proposed does not approve.
        using (var self = await Host.PostJsonAsync($"{Path}/PC01/approve", new { }))
            await Problems.AssertAsync(self, HttpStatusCode.UnprocessableEntity, "/approvedBy", "onboarding.self-approval");

        var approver = await ApproverAsync("plant-controller-pc");
        using var approved = await PostAsync(approver, $"{Path}/PC01/approve", new { });
        var live = await OkAsync(approved);
        Assert.Equal("live", live.GetProperty("status").GetString());
        var report = live.GetProperty("report");
        var keys = report.GetProperty("apiKeys");
        Assert.False(string.IsNullOrEmpty(report.GetProperty("webhookSecret").GetString()));
        Assert.Equal("done", report.GetProperty("followUps").GetProperty("calendar").GetString());
        Assert.All(plan.GetProperty("flowVariants").EnumerateArray(), f =>
            Assert.StartsWith("proposed ", report.GetProperty("followUps").GetProperty($"variant:{f.GetString()}").GetString(), StringComparison.Ordinal));

        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM masterdata_plant WHERE code = 'PC01' AND company = (SELECT company FROM masterdata_plant WHERE code = @p)", new { p = DemoData.PlantA }));
        Assert.Equal(templateCenters, await CountAsync("SELECT COUNT(*) FROM masterdata_work_center WHERE plant = 'PC01'", new { }));
        Assert.Equal(await CountAsync("SELECT COUNT(*) FROM masterdata_item_plant WHERE plant = @p", new { p = DemoData.PlantA }), await CountAsync("SELECT COUNT(*) FROM masterdata_item_plant WHERE plant = 'PC01'", new { }));
        Assert.Equal(plan.GetProperty("determinationRules").GetArrayLength(), await CountAsync("SELECT COUNT(*) FROM ledger_determination_rule WHERE plant = 'PC01'", new { }));
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM integration_client WHERE id IN ('mes-pc01', 'wms-pc01') AND plants = 'PC01'", new { }));
        Assert.Equal(15 * 60, await CountAsync("SELECT expect_within_s FROM integration_client_freshness WHERE client_id = 'mes-pc01'", new { }));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM integration_webhook WHERE client_id = 'wms-pc01' AND plant = 'PC01'", new { }));
        // The WMS at Plant C does not exist here: its subscription goes, so that the outbox can settle for the snapshots.
        // (A deleted subscription keeps its outbox position, which then never moves: the test removes it.)
        var webhook = report.GetProperty("webhook").GetString()!;
        Assert.True(await Takt.Integration.Webhooks.WebhookSubscriptions.DeleteAsync(Host.Store, webhook, Ct));
        await Tables.ExecuteAsync(Host.Store, "DELETE FROM store_outbox_cursor WHERE subscriber = @s", new { s = "webhook:" + webhook });
        Assert.Equal(plan.GetProperty("flowVariants").GetArrayLength(), await CountAsync("SELECT COUNT(*) FROM orch_variant WHERE plant = 'PC01' AND status = 'proposed'", new { }));

        // The MES key works for its plant only.
        var mes = Host.HttpWith(keys.GetProperty("mes-pc01").GetString());
        using (var own = await mes.GetAsync("/api/v1/production-orders?plant=PC01", Ct))
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        using (var foreign = await mes.GetAsync("/api/v1/production-orders?plant=PA01", Ct))
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);

        // Approving again creates nothing and shows no key.
        await Host.DrainOutboxAsync();
        var before = await Tables.RowCountsAsync(Host.Store);
        using var twice = await PostAsync(approver, $"{Path}/PC01/approve", new { });
        var repeated = await OkAsync(twice);
        Assert.False(repeated.GetProperty("report").TryGetProperty("apiKeys", out _));
        // Only the repeated request's Idempotency-Key record is new.
        await Host.DrainOutboxAsync();
        var after = await Tables.RowCountsAsync(Host.Store);
        Assert.Equal(before.Where(t => !t.Key.Contains("idempotency", StringComparison.Ordinal)), after.Where(t => !t.Key.Contains("idempotency", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task an_approval_that_fails_half_way_creates_nothing()
    {
        using (var proposed = await Host.PostJsonAsync(Path, new { from = DemoData.PlantB, code = "PD01", name = "Plant D", reason = "New site" }))
            await OkAsync(proposed, HttpStatusCode.Created);
        // Someone registers a client under the id the plan chose, after the proposal: the approval breaks at the clients.
        await Host.RegisterClientAsync("wms-pd01", [Scopes.InventoryRead], ["PB01"]);
        var approver = await ApproverAsync("plant-controller-pd");
        var before = await Host.SettledSnapshotAsync();
        using var approved = await PostAsync(approver, $"{Path}/PD01/approve", new { });
        await Problems.AssertAsync(approved, HttpStatusCode.UnprocessableEntity, "/plan/clients/1/id", "client.id-taken");
        (await Host.SettledSnapshotAsync()).AssertUnchanged(before);
        Assert.Equal("proposed", (await Host.GetAsync<JsonElement>($"{Path}/PD01")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task bad_proposals_are_refused_with_the_field_and_rule_and_change_nothing()
    {
        var before = await Host.SettledSnapshotAsync();
        (object Body, HttpStatusCode Status, string Field, string Rule)[] cases =
        [
            (new { from = "PA01", code = "pc-1", name = "X", reason = "r" }, HttpStatusCode.UnprocessableEntity, "/code", "onboarding.code-invalid"),
            (new { code = "PE01", name = "X", reason = "r" }, HttpStatusCode.UnprocessableEntity, "/from", "field.required"),
            (new { from = "ZZ99", code = "PE01", name = "X", reason = "r" }, HttpStatusCode.UnprocessableEntity, "/from", "plant.unknown"),
            (new { from = "PA01", code = "PB01", name = "X", reason = "r" }, HttpStatusCode.UnprocessableEntity, "/code", "plant.exists"),
            (new { from = "PA01", code = "PE01", reason = "r" }, HttpStatusCode.UnprocessableEntity, "/name", "field.required"),
            (new { from = "PA01", code = "PE01", name = "X" }, HttpStatusCode.UnprocessableEntity, "/reason", "field.required"),
            (new { from = "PA01", code = "PE01", name = "X", reason = "r", timeZone = "Mars/Olympus" }, HttpStatusCode.UnprocessableEntity, "/timeZone", "plant.time-zone-unknown"),
            (new { from = "PA01", code = "PE01", name = "X", reason = "r", freshnessMinutes = 0 }, HttpStatusCode.UnprocessableEntity, "/freshnessMinutes", "freshness.minutes-invalid"),
            (new { from = "PA01", code = "PE01", name = "X", reason = "r", wmsWebhookUrl = "ftp://wms/x" }, HttpStatusCode.UnprocessableEntity, "/wmsWebhookUrl", "webhook.url-invalid"),
        ];
        foreach (var (body, status, field, rule) in cases)
        {
            using var response = await Host.PostJsonAsync(Path, body);
            await Problems.AssertAsync(response, status, field, rule);
        }

        using (var unknown = await Host.PostJsonAsync($"{Path}/PZ01/approve", new { }))
            await Problems.AssertAsync(unknown, HttpStatusCode.NotFound, "/code", "onboarding.unknown");
        (await Host.SettledSnapshotAsync()).AssertUnchanged(before);
    }
}

public sealed class OnboardingOnSqlite(OperationsSqliteHost fixture) : OnboardingContract<OperationsSqliteHost>(fixture);

public sealed class OnboardingOnPostgres(OperationsPostgresHost fixture) : OnboardingContract<OperationsPostgresHost>(fixture);
