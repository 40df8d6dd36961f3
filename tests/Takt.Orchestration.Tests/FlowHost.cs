using Microsoft.Extensions.Time.Testing;
using Takt.Contracts;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// A server with the demo flows whose business clock is a FakeTimeProvider (Friday 27 November 2026, 18:00 in
/// Augsburg) and whose flow worker does not run: tests run due work themselves, so every step is deterministic.
/// </summary>
public abstract class FlowHost(string engine) : HostFixture(engine)
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 17, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    protected override void Configure(ServerSettings settings) => FlowTesting.Configure(settings, Clock);

    public IOrchestration Flows => Host.Service<IOrchestration>();

    public TaktStore Store => Host.Store;
}

public sealed class SqliteFlowHost() : FlowHost("sqlite");

public sealed class PostgresFlowHost() : FlowHost("postgres");

internal static class FlowTesting
{
    public static void Configure(ServerSettings settings, TimeProvider clock)
    {
        settings.Clock = clock;
        settings.Access.Clock = TimeProvider.System; // credentials stay on real time
        settings.Orchestration.RunWorker = false;
        // A turn's time budget bounds how long it holds the writer; here a slow machine must not change what one turn
        // does (TurnBudgetContract runs with a spent budget).
        settings.Orchestration.TurnBudget = TimeSpan.FromMinutes(1);
    }

    /// <summary>Runs due work until none is left; returns how many items ran.</summary>
    public static async Task<int> RunAsync(this IOrchestration flows, TaktStore store, TimeProvider clock)
    {
        var total = 0;
        await using var session = await store.OpenSessionAsync(clock, TestContext.Current.CancellationToken);
        for (var ran = -1; ran != 0; total += ran)
            ran = await flows.RunDueAsync(session, 500, TestContext.Current.CancellationToken);
        return total;
    }

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

    public static async Task<long> CountAsync(TaktStore store, string sql, object? args = null)
    {
        await using var connection = await store.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, sql, args);
    }

    public static System.Text.Json.Nodes.JsonObject Money(decimal amount, string currency = "EUR") => new() { ["amount"] = amount, ["currency"] = currency };
}
