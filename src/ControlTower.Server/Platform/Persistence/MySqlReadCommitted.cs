using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlTower.Server.Platform.Persistence;

/// <summary>
/// Gives every MySQL connection PostgreSQL's isolation, READ COMMITTED, instead of InnoDB's REPEATABLE READ. The
/// code is written for statements that each see the latest commit (the audit chain reads its head after taking its
/// lock, a claim re-reads what another worker just released); under REPEATABLE READ a transaction keeps reading
/// the snapshot of its first read, and InnoDB's gap locks turn concurrent inserts into deadlocks.
/// </summary>
internal sealed class MySqlReadCommitted : DbConnectionInterceptor
{
    private const string Statement = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Statement;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = Statement;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Begins EF's transactions at READ COMMITTED: MySql.Data turns a transaction of unspecified isolation into
/// REPEATABLE READ (and sets the session to it), undoing <see cref="MySqlReadCommitted"/>. Under REPEATABLE READ fifty
/// deciders queued on one approval deadlock on the gap locks of its status index instead of taking turns.
/// </summary>
internal sealed class MySqlReadCommittedTransactions : DbTransactionInterceptor
{
    public override InterceptionResult<DbTransaction> TransactionStarting(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result) =>
        eventData.IsolationLevel == IsolationLevel.Unspecified
            ? InterceptionResult<DbTransaction>.SuppressWithResult(connection.BeginTransaction(IsolationLevel.ReadCommitted))
            : result;

    public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default) =>
        eventData.IsolationLevel == IsolationLevel.Unspecified
            ? InterceptionResult<DbTransaction>.SuppressWithResult(
                await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false))
            : result;
}
