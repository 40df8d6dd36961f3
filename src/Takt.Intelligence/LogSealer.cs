using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Takt.Store;

namespace Takt.Intelligence;

/// <summary>Something the process log's verification found wrong: a sealed block whose events changed, or a broken link.</summary>
public sealed record LogAuditFinding(long FromSeq, long UptoSeq, string Problem);

/// <summary>
/// The process log's hash chain recomputed: <c>Events</c> sealed in <c>Seals</c> blocks, <c>Head</c> the last block's
/// hash, <c>Unsealed</c> the events committed after the last seal (the sealer runs a moment behind the writer).
/// </summary>
public sealed record LogAuditReport(long Events, long Seals, string? Head, long Unsealed, IReadOnlyList<LogAuditFinding> Findings)
{
    public bool Intact => Findings.Count == 0;
}

/// <summary>
/// Makes the process log tamper-evident (DESIGN: "the journal and the process log are tamper-evident"). The log is
/// appended by many writers, so a hash per event at append time would add a read of the previous hash to every
/// appending commit, under the lock that orders them. Instead the sealer reads the log in commit order from its
/// position (<c>intel_indexer</c> 'seal') a moment behind the writer, as the KPI projector does, and seals what is new
/// as one block: SHA-256 over the previous block's hash and every event's stored fields, each length-prefixed. The
/// block and the new position commit together; on PostgreSQL an advisory lock and the locked position row make one
/// node's turn the only one. A sealed event that is later changed, deleted or joined by an inserted one no longer
/// matches its block (<see cref="VerifyAsync"/>, <c>takt audit verify --log</c>). Events not sealed yet, the last
/// moments of the log, are reported as such.
/// </summary>
internal sealed partial class LogSealer(TaktStore store, OutboxSignal signal, TimeProvider clock, ILogger<LogSealer> logger) : BackgroundService
{
    /// <summary>Events sealed per turn at most (one block).</summary>
    public const int MaxEvents = 5_000;

    private const string Reader = "seal";

    private const string EventColumns = "seq, id, type, source, source_id, plant, occurred_at_us, recorded_at_us, commit_id, journal_entries, data, objects, actor_kind, actor_id";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundTurns.RunAsync(store, clock, () => signal.Next, async (session, ct) => await SealOnceAsync(session, ct) >= MaxEvents,
            TimeSpan.FromSeconds(1), ex => LogFailed(logger, ex), stoppingToken, gather: ObjectIndexer.Gather);

    /// <summary>Seals the events after the position (up to <see cref="MaxEvents"/>) as one block; returns how many.</summary>
    public static async Task<int> SealOnceAsync(StoreSession session, CancellationToken ct)
    {
        var position = await LogReaderPosition.ReadAsync(session, Reader, ct);
        var previous = Convert.ToString(await session.Read("SELECT hash FROM intel_log_seal ORDER BY upto_seq DESC LIMIT 1").ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) ?? "";
        using var hash = Start(previous);
        long first = 0, last = 0;
        var count = 0;
        await using (var reader = await session.Read($"SELECT {EventColumns} FROM intel_event WHERE seq > $1 ORDER BY seq LIMIT $2", position, (long)MaxEvents).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                last = reader.GetInt64(0);
                if (count++ == 0)
                    first = last;
                Add(hash, reader);
            }
        }

        if (count == 0)
            return 0;
        var sealedHash = Convert.ToHexStringLower(hash.GetHashAndReset());
        await using var tx = await session.BeginAsync(ct);
        if (!await LogReaderPosition.StillAtAsync(tx, Reader, position, "takt.intelligence.seal", ct))
            return 0; // rolled back on dispose: another turn sealed these
        tx.Stage("INSERT INTO intel_log_seal (upto_seq, from_seq, events, hash, previous, sealed_at_us) VALUES ($1, $2, $3, $4, $5, $6)",
            last, first, (long)count, sealedHash, previous, tx.Clock.GetUtcNow().ToUnixMicroseconds());
        LogReaderPosition.Stage(tx, Reader, last);
        await tx.CommitAsync(ct, recordCommit: false);
        return count;
    }

    /// <summary>Recomputes every sealed block from the events now stored and checks that each block chains to the one before.</summary>
    public static async Task<LogAuditReport> VerifyAsync(TaktStore store, CancellationToken ct)
    {
        await using var connection = await store.OpenConnectionAsync(ct);
        var seals = new List<(long Upto, long From, long Events, string Hash, string Previous)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT upto_seq, from_seq, events, hash, previous FROM intel_log_seal ORDER BY upto_seq";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                seals.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4)));
        }

        var findings = new List<LogAuditFinding>();
        long events = 0, unsealed = 0;
        var block = 0;
        var chained = "";
        var hash = Start(seals.Count > 0 ? seals[0].Previous : "");
        long inBlock = 0;
        void Close()
        {
            var seal = seals[block];
            var lowerBound = block == 0 ? 0 : seals[block - 1].Upto;
            if (!string.Equals(seal.Previous, chained, StringComparison.Ordinal))
                Add(findings, new LogAuditFinding(lowerBound + 1, seal.Upto, $"The block of events {lowerBound + 1}–{seal.Upto} does not chain to the block before it: a seal was changed or removed."));
            var now = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!string.Equals(now, seal.Hash, StringComparison.Ordinal) || inBlock != seal.Events)
                Add(findings, new LogAuditFinding(lowerBound + 1, seal.Upto, $"Events {lowerBound + 1}–{seal.Upto} were sealed as {seal.Events} events and now read as {inBlock} that do not match the seal: an event in this range was changed, deleted or inserted after it was sealed."));
            chained = seal.Hash;
            block++;
            inBlock = 0;
            hash.AppendData(Encoding.UTF8.GetBytes(chained));
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {EventColumns} FROM intel_event ORDER BY seq";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var seq = reader.GetInt64(0);
                while (block < seals.Count && seq > seals[block].Upto)
                    Close();
                if (block >= seals.Count)
                {
                    unsealed++;
                    continue;
                }

                events++;
                inBlock++;
                Add(hash, reader);
            }
        }

        while (block < seals.Count)
            Close();
        return new LogAuditReport(events, seals.Count, seals.Count > 0 ? seals[^1].Hash : null, unsealed, findings);
    }

    private static IncrementalHash Start(string previous)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(previous));
        return hash;
    }

    /// <summary>An event's stored fields in column order, each length-prefixed (null as length −1), so no two events hash alike by shifting text between fields.</summary>
    private static void Add(IncrementalHash hash, System.Data.Common.DbDataReader reader)
    {
        Span<byte> length = stackalloc byte[4];
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (reader.IsDBNull(i))
            {
                BinaryPrimitives.WriteInt32BigEndian(length, -1);
                hash.AppendData(length);
                continue;
            }

            var value = reader.GetValue(i) switch
            {
                string s => s,
                var v => Convert.ToInt64(v, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            };
            var bytes = Encoding.UTF8.GetBytes(value);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }
    }

    private static void Add(List<LogAuditFinding> findings, LogAuditFinding finding)
    {
        if (findings.Count < 100)
            findings.Add(finding);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The process log sealer could not read or write the log; retrying")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
