using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlTower.Server.Platform.Persistence;

/// <summary>
/// Gives every SQLite connection SQLite's own busy handler. Without it, a writer that finds the write lock
/// taken falls back to Microsoft.Data.Sqlite's retry loop, which sleeps 150 ms between tries: with the
/// engine's workers committing concurrently, that idles the database most of the time. SQLite's handler
/// retries after 1, 2, 5, 10… ms instead, so the next writer starts soon after the lock is released.
/// </summary>
internal sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    private const string Pragma = "PRAGMA busy_timeout = 5000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = Pragma;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
