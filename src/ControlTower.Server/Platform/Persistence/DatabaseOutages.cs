using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using MySql.Data.MySqlClient;
using Npgsql;

namespace ControlTower.Server.Platform.Persistence;

/// <summary>
/// Recognises a failure to reach the database, as opposed to a bad statement: the request that met it gets a
/// retryable 503 (<c>platform.database_unavailable</c>), not a 500. EF wraps a transient provider failure in an
/// <see cref="InvalidOperationException"/> or <see cref="DbUpdateException"/>, so the chain is followed.
/// </summary>
internal static class DatabaseOutages
{
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
    private static readonly int[] SqliteUnavailable = [5, 6, 10, 13, 14];

    // MySql.Data: unable to connect (1042), server has gone away (2006), lost connection during a query (2013).
    private static readonly int[] MySqlUnavailable = [1042, 2006, 2013];

    public static bool IsOutage(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is RetryLimitExceededException or TimeoutException or SocketException
                || current is SqliteException sqlite && SqliteUnavailable.Contains(sqlite.SqliteErrorCode)
                || current is NpgsqlException { IsTransient: true }
                || current is MySqlException mySql && MySqlUnavailable.Contains(mySql.Number))
            {
                return true;
            }

            if (current is DbException and not NpgsqlException and not MySqlException)
            {
                return false;
            }
        }

        return false;
    }
}
