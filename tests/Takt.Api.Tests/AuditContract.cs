using System.Net;
using System.Text.Json;
using Takt.Integration.Access;
using Takt.Testing;
using Xunit;

namespace Takt.Api.Tests;

/// <summary>The audit log: every decision with client, endpoint, scope, plant, outcome, reason, time and trace id.</summary>
public abstract class AuditContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private TaktHost Host => fixture.Host;

    [Fact]
    public async Task each_decision_is_recorded_with_who_what_which_plant_and_why()
    {
        var mes = Host.HttpWith((await Host.RegisterClientAsync("audit-mes", [Scopes.EventsProductionWrite], ["PA01"])).ApiKey);
        Assert.Equal(HttpStatusCode.OK, (await Calls.PostEventAsync(mes, Calls.Issue("PA01"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Calls.PostEventAsync(mes, Calls.Issue("PB01"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Calls.GetAsync(mes, "/api/v1/stock")).StatusCode);
        var batch = Calls.PostBatchAsync(mes, [Calls.Issue("PA01"), Calls.Issue("PB01")]);
        Assert.Equal(HttpStatusCode.MultiStatus, (await batch).StatusCode);

        var records = await Host.GetAsync<AuditRecord[]>("/api/v1/audit?clientId=audit-mes");

        Assert.Equal(
            [("ReceiveEvents", "allowed", null, "PA01", 200), ("ReceiveEvents", "denied", "client.plant-forbidden", "PB01", 403), ("ListStock", "denied", "client.scope-missing", null, 403), ("ReceiveEvents", "partial", "client.plant-forbidden: 1 of 2 events", "PA01 PB01", 207)],
            records.Select(r => (r.Endpoint, r.Decision, r.Reason, r.Plants, r.Status)));
        Assert.All(records, r =>
        {
            Assert.Matches("^[0-9a-f]{32}$", r.TraceId);
            Assert.False(string.IsNullOrEmpty(r.Credential));
            Assert.InRange(r.At, TimeProvider.System.GetUtcNow().AddMinutes(-5), TimeProvider.System.GetUtcNow().AddMinutes(1));
        });
        Assert.Equal(["events:production:write", "events:production:write", "inventory:read", "events:production:write"], records.Select(r => r.Scope));
    }

    [Fact]
    public async Task reading_the_audit_log_needs_its_scope()
    {
        var reader = Host.HttpWith((await Host.RegisterClientAsync("audit-reader", [Scopes.KpisRead], ["*"])).ApiKey);

        await Problems.AssertAsync(await Calls.GetAsync(reader, "/api/v1/audit"), HttpStatusCode.Forbidden, "/headers/X-Api-Key", "client.scope-missing");
        await Problems.AssertAsync(await Calls.GetAsync(Host.Anonymous, "/api/v1/audit"), HttpStatusCode.Unauthorized, "/headers/X-Api-Key", "auth.required");
    }

    [Fact]
    public async Task an_orderly_shutdown_writes_every_queued_record()
    {
        // A server of its own, stopped right after its requests: the records queued last must reach the table.
        await using var database = await TaktDatabase.CreateAsync(fixture.Engine);
        var host = await TaktHost.StartAsync(database);
        var http = host.HttpWith(host.AdminKey!.ApiKey);
        for (var i = 0; i < 50; i++)
            Assert.Equal(HttpStatusCode.OK, (await Calls.GetAsync(http, "/api/v1/stock")).StatusCode);
        await host.DisposeAsync();

        Assert.Equal(50, await Tables.CountAsync(database.Store, "SELECT COUNT(*) FROM integration_audit WHERE client_id = 'admin' AND endpoint = 'ListStock'"));
    }
}

public sealed class AuditOnSqlite(SqliteHost fixture) : AuditContract<SqliteHost>(fixture);

public sealed class AuditOnPostgres(PostgresHost fixture) : AuditContract<PostgresHost>(fixture);
