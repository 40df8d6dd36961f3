using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Takt.Contracts;
using Takt.Orchestration;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Procurement.Tests;

/// <summary>
/// A server with the demo data (suppliers, Plant A's approval variant with a 25,000 EUR threshold, account
/// determination of receipts) whose business clock is a FakeTimeProvider and whose flow worker does not run: tests
/// run due flow work themselves, so every approval step is deterministic.
/// </summary>
public abstract class ProcurementHost(string engine) : HostFixture(engine)
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    protected override void Configure(ServerSettings settings)
    {
        settings.Clock = Clock;
        settings.Access.Clock = TimeProvider.System; // credentials stay on real time
        settings.Orchestration.RunWorker = false;
    }

    public IProcurement Procurement => Host.Service<IProcurement>();

    public IOrchestration Flows => Host.Service<IOrchestration>();

    public TaktStore Store => Host.Store;

    public DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);

    /// <summary>Runs work in one transaction and commits it when the outcome is a value; a rejection rolls back.</summary>
    public async Task<Outcome<T>> TryAsync<T>(Func<StoreTransaction, Task<Outcome<T>>> work)
    {
        await using var session = await Store.OpenSessionAsync(Clock, TestContext.Current.CancellationToken);
        await using var tx = await session.BeginAsync(TestContext.Current.CancellationToken);
        var outcome = await work(tx);
        if (!outcome.IsRejected)
            await tx.CommitAsync(TestContext.Current.CancellationToken);
        return outcome;
    }

    public async Task<T> OkAsync<T>(Func<StoreTransaction, Task<Outcome<T>>> work) => (await TryAsync(work)).Ok();

    public async Task<T> ReadAsync<T>(Func<StoreTransaction, Task<T>> work)
    {
        await using var session = await Store.OpenSessionAsync(Clock, TestContext.Current.CancellationToken);
        await using var tx = await session.BeginAsync(TestContext.Current.CancellationToken);
        return await work(tx);
    }

    /// <summary>Runs due flow work until none is left.</summary>
    public async Task RunFlowsAsync()
    {
        await using var session = await Store.OpenSessionAsync(Clock, TestContext.Current.CancellationToken);
        while (await Flows.RunDueAsync(session, 500, TestContext.Current.CancellationToken) > 0)
        {
        }
    }

    public async Task<long> CountAsync(string sql, object? args = null)
    {
        await using var connection = await Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, sql, args);
    }

    public RequisitionDraft Draft(string plant, decimal value, string category = "direct", string requester = "rita.requester", string item = "RM-3002", decimal quantity = 100m, string? supplier = "SUP-100") =>
        new(RequisitionKinds.Manual, plant, item, null, quantity, "H87", Today.AddDays(14), "CC-4100", category, new Money(value, Currency.Eur), requester, supplier);

    public async Task<IReadOnlyList<TaskView>> OpenTasksAsync(string instance)
    {
        await using var connection = await Store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        var ids = await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT id FROM orch_task WHERE instance_id = @instance AND status = 'open' ORDER BY level, role", new { instance });
        var tasks = new List<TaskView>();
        foreach (var id in ids)
            tasks.Add((await Flows.TaskAsync(Store, id, TestContext.Current.CancellationToken))!);
        return tasks;
    }

    /// <summary>POSTs JSON with a new Idempotency-Key through the given client.</summary>
    public static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, object body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await TaktHost.JsonAsync(response);
}

public sealed class SqliteProcurementHost() : ProcurementHost("sqlite");

public sealed class PostgresProcurementHost() : ProcurementHost("postgres");

internal static class OutcomeAssertions
{
    public static T Ok<T>(this Outcome<T> outcome) => outcome.IsRejected
        ? throw new Xunit.Sdk.XunitException("Rejected: " + string.Join("; ", outcome.Violations.Select(v => $"{v.Field} {v.Rule}: {v.Detail}")))
        : outcome.Value;

    public static Violation Rejected<T>(this Outcome<T> outcome, string field, string rule)
    {
        Assert.True(outcome.IsRejected, $"Expected {rule} at {field}, but it was accepted.");
        var violation = outcome.Violations.FirstOrDefault(v => v.Rule == rule && v.Field == field);
        Assert.True(violation is not null, $"Expected {rule} at {field}; got {string.Join("; ", outcome.Violations.Select(v => $"{v.Field} {v.Rule}"))}");
        return violation!;
    }
}
