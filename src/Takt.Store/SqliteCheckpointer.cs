using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Takt.Store;

/// <summary>
/// Copies the SQLite write-ahead log into the database file in the background. Connections open with
/// <c>wal_autocheckpoint=0</c>, so no committing writer pays for a checkpoint (and its fsync); this service
/// runs a PASSIVE checkpoint every half second instead, which never blocks readers or writers.
/// </summary>
public sealed partial class SqliteCheckpointer(TaktStore store, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store.Engine != StoreEngine.Sqlite)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Infrastructure time, not business time: a fake clock in tests must not stop checkpoints.
                await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken);
                await using var connection = await store.OpenConnectionAsync(stoppingToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                await command.ExecuteNonQueryAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                LogCheckpointFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite checkpoint failed; retrying")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception error);
}
