using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Takt.Server;
using Takt.Store;
using Takt.Testing;
using Xunit;

namespace Takt.Assist.Tests;

/// <summary>A server with demo data, a FakeTimeProvider business clock and a small cold-start model (1,500 generated rows).</summary>
public abstract class AssistHost(string engine) : HostFixture(engine)
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    protected override void Configure(ServerSettings settings)
    {
        settings.Clock = Clock;
        settings.Access.Clock = TimeProvider.System; // credentials stay on real time
        settings.Orchestration.RunWorker = false;
        settings.Assist.ColdStartRows = 1_500;
        settings.Assist.ImportanceSampleRows = 200;
    }

    public TaktStore Store => Host.Store;

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>POSTs JSON with an Idempotency-Key (a new one unless given).</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, object body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return await Host.Http.SendAsync(request, Ct);
    }

    public async Task<long> CountAsync(string sql)
    {
        await using var connection = await Store.OpenConnectionAsync(Ct);
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, sql);
    }

    public async Task<T> InTransactionAsync<T>(Func<StoreTransaction, Task<T>> work)
    {
        await using var session = await Store.OpenSessionAsync(Clock, Ct);
        await using var tx = await session.BeginAsync(Ct);
        var result = await work(tx);
        await tx.CommitAsync(Ct);
        return result;
    }
}

public sealed class SqliteAssistHost() : AssistHost("sqlite");

public sealed class PostgresAssistHost() : AssistHost("postgres");
