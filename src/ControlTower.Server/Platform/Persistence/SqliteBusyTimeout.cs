using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlTower.Server.Platform.Persistence;

/// <summary>
/// Gives every SQLite connection SQLite's own busy handler. Without it, a writer that finds the write lock
/// taken falls back to Microsoft.Data.Sqlite's retry loop, which sleeps 150 ms between tries: with the
/// engine's workers committing concurrently, that idles the database most of the time. SQLite's handler
/// retries after 1, 2, 5, 10… ms instead, so the next writer starts soon after the lock is released.
/// Set through the native call rather than a <c>PRAGMA</c> command: every context's connection open runs it, and a
/// command (prepare, step, finalize) per open was a visible share of a run start's reads.
/// </summary>
internal sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    private const int Milliseconds = 5000;

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        var handle = ((SqliteConnection)connection).Handle;
        SqliteException.ThrowExceptionForRC(SQLitePCL.raw.sqlite3_busy_timeout(handle, Milliseconds), handle);
    }
}
