using System.Diagnostics;
using System.Threading.Channels;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Store;

namespace Takt.Integration.Access;

/// <summary>One request's authorization decision (DESIGN §2.4: every request's decision is auditable).</summary>
public sealed record AuditRecord(
    long Seq,
    DateTimeOffset At,
    string? ClientId,
    string? Credential,
    string Method,
    string Path,
    string? Endpoint,
    string? Scope,
    string? Plants,
    string Decision,
    string? Reason,
    int Status,
    string? TraceId,
    long? DurationMs = null,
    int EventsAccepted = 0,
    int EventsRejected = 0,
    string? RejectedRules = null);

/// <summary>
/// The audit log. Requests hand their decision to a queue and go on; one writer inserts what is waiting in one
/// transaction (multi-row, as a background writer on SQLite so it never delays intake). On an orderly shutdown
/// the server stops taking requests first, then this writer drains the queue: nothing is lost. A crash loses
/// at most the records of the last moments (they are not part of any business transaction).
/// </summary>
public sealed partial class AuditLog(TaktStore store, AccessClock clock, Operations.ClientActivity activity, ILogger<AuditLog> logger) : IHostedService
{
    private const int MaxBatch = 1000;

    private readonly Channel<object> queue = Channel.CreateBounded<object>(new BoundedChannelOptions(100_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private Task? writer;

    /// <summary>Queues a record; waits only when 100,000 records are waiting (back pressure).</summary>
    public async ValueTask AppendAsync(AuditRecord record, CancellationToken ct)
    {
        // Every intake (HTTP and MQTT) reports here, so this is where a client's freshness is seen.
        if (record.EventsAccepted > 0 && record.ClientId is { } client)
            activity.Seen(client, record.At);
        try
        {
            await queue.Writer.WriteAsync(record, ct);
        }
        catch (ChannelClosedException)
        {
            // Only after the server stopped taking requests; a request that outlived the shutdown timeout.
            LogLate(logger, record.Method, record.Path);
        }
    }

    /// <summary>Returns once every record queued before the call is in the database.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!queue.Writer.TryWrite(flushed))
            await queue.Writer.WriteAsync(flushed, ct);
        await flushed.Task.WaitAsync(ct);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        writer = Task.Run(WriteAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        if (writer is not null)
            await writer.WaitAsync(cancellationToken);
    }

    public static async Task<IReadOnlyList<AuditRecord>> ReadAsync(TaktStore store, string? clientId, string? decision, long after, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT seq AS Seq, at_us AS AtUs, client_id AS ClientId, credential AS Credential, method AS Method, path AS Path, endpoint AS Endpoint,
                   scope AS Scope, plants AS Plants, decision AS Decision, reason AS Reason, status AS Status, trace_id AS TraceId,
                   duration_ms AS DurationMs, events_accepted AS EventsAccepted, events_rejected AS EventsRejected, rejected_rules AS RejectedRules
            FROM integration_audit
            WHERE seq > @after AND (CAST(@clientId AS text) IS NULL OR client_id = @clientId) AND (CAST(@decision AS text) IS NULL OR decision = @decision)
            ORDER BY seq LIMIT @limit
            """,
            new { clientId, decision, after, limit },
            cancellationToken: ct));
        return [.. rows.Select(r => new AuditRecord(r.Seq, Instants.FromUnixMicroseconds(r.AtUs), r.ClientId, r.Credential, r.Method, r.Path, r.Endpoint,
            r.Scope, r.Plants, r.Decision, r.Reason, (int)r.Status, r.TraceId, r.DurationMs, (int)r.EventsAccepted, (int)r.EventsRejected, r.RejectedRules))];
    }

    /// <summary>The record of a finished request, or null when the request is not audited (anonymous pages).</summary>
    internal AuditRecord? RecordOf(HttpContext http, bool failed)
    {
        var endpoint = http.GetEndpoint();
        var access = endpoint?.Metadata.GetMetadata<EndpointAccess>();
        var decision = http.Features.Get<AccessDecision>();
        if (access is null || (access.Scope is null && decision?.Decision is null))
            return null;
        var status = failed ? StatusCodes.Status500InternalServerError : http.Response.StatusCode;
        var tally = http.Features.Get<Gateway.IntakeTally>();
        long? duration = http.Items.TryGetValue(AuditMiddleware.StartedKey, out var started) && started is long ticks
            ? (long)System.Diagnostics.Stopwatch.GetElapsedTime(ticks).TotalMilliseconds
            : null;
        return new AuditRecord(
            0,
            clock.Now,
            decision?.Client?.ClientId,
            decision?.Client?.Credential,
            http.Request.Method,
            http.Request.Path.Value ?? "",
            endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName,
            access.Scope,
            decision?.Plants,
            decision?.Decision ?? (status < 400 ? AccessDecision.Allowed : AccessDecision.Denied),
            decision?.Reason,
            status,
            Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier,
            duration,
            tally?.Accepted ?? 0,
            tally?.Rejected ?? 0,
            tally?.RulesText);
    }

    private async Task WriteAsync()
    {
        var batch = new List<AuditRecord>(MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        StoreSession? session = null;
        try
        {
            while (await queue.Reader.WaitToReadAsync())
            {
                while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item))
                {
                    if (item is AuditRecord record)
                        batch.Add(record);
                    else
                        flushes.Add((TaskCompletionSource)item);
                }

                for (var attempt = 1; batch.Count > 0; attempt++)
                {
                    try
                    {
                        session ??= await store.OpenSessionAsync(clock.Time, CancellationToken.None, background: true);
                        await using var tx = await session.BeginAsync(CancellationToken.None);
                        foreach (var r in batch)
                        {
                            tx.Stage(
                                "INSERT INTO integration_audit (at_us, client_id, credential, method, path, endpoint, scope, plants, decision, reason, status, trace_id, duration_ms, events_accepted, events_rejected, rejected_rules) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                                r.At.ToUnixMicroseconds(), r.ClientId, r.Credential, r.Method, r.Path, r.Endpoint, r.Scope, r.Plants, r.Decision, r.Reason, r.Status, r.TraceId,
                                r.DurationMs, (long)r.EventsAccepted, (long)r.EventsRejected, r.RejectedRules);
                        }

                        await tx.CommitAsync(CancellationToken.None, recordCommit: false);
                        batch.Clear();
                    }
                    catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or TimeoutException && attempt < 5)
                    {
                        LogRetry(logger, batch.Count, attempt, ex);
                        if (session is not null)
                            await session.DisposeAsync();
                        session = null;
                        await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
                    }
                }

                foreach (var f in flushes)
                    f.TrySetResult();
                flushes.Clear();
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or TimeoutException)
        {
            LogLost(logger, batch.Count, ex);
            foreach (var f in flushes)
                f.TrySetException(ex);
        }
        finally
        {
            if (session is not null)
                await session.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} audit records failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, int count, int attempt, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The audit log was closed before {Method} {Path} finished; its record is not written")]
    private static partial void LogLate(ILogger logger, string method, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "The audit log could not be written; {Count} records are lost")]
    private static partial void LogLost(ILogger logger, int count, Exception error);

    private sealed class Row
    {
        public long Seq { get; set; }
        public long AtUs { get; set; }
        public string? ClientId { get; set; }
        public string? Credential { get; set; }
        public string Method { get; set; } = "";
        public string Path { get; set; } = "";
        public string? Endpoint { get; set; }
        public string? Scope { get; set; }
        public string? Plants { get; set; }
        public string Decision { get; set; } = "";
        public string? Reason { get; set; }
        public long Status { get; set; }
        public string? TraceId { get; set; }
        public long? DurationMs { get; set; }
        public long EventsAccepted { get; set; }
        public long EventsRejected { get; set; }
        public string? RejectedRules { get; set; }
    }
}

/// <summary>
/// Gives each request its <see cref="AccessDecision"/> and hands the decision to the audit log as the response
/// starts (so a caller that reads the audit log after an answer finds it), or at the end if nothing was sent.
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, AuditLog audit)
{
    internal const string StartedKey = "takt.audit.started";

    public async Task InvokeAsync(HttpContext http)
    {
        http.Items[StartedKey] = System.Diagnostics.Stopwatch.GetTimestamp();
        AccessDecision.Of(http);
        var recorded = 0;
        http.Response.OnStarting(async () =>
        {
            if (Interlocked.Exchange(ref recorded, 1) == 0 && audit.RecordOf(http, failed: false) is { } record)
                await audit.AppendAsync(record, CancellationToken.None);
        });
        var failed = false;
        try
        {
            await next(http);
        }
        catch
        {
            failed = true; // the exception handler answers 500
            throw;
        }
        finally
        {
            if (!http.Response.HasStarted && Interlocked.Exchange(ref recorded, 1) == 0 && audit.RecordOf(http, failed) is { } record)
                await audit.AppendAsync(record, CancellationToken.None);
        }
    }
}
