using System.Data.Common;
using System.Text;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace ControlTower.Server.Runs;

/// <summary>
/// The rows a commit appends in bulk — run events, node states and node-execution records, a few dozen per coalesced
/// stretch — kept out of EF's change tracker and inserted with one multi-row statement per table when the
/// context saves (<see cref="ControlTowerDbContext.SaveChangesAsync(bool, CancellationToken)"/>), inside the
/// same transaction. Per row, the tracker cost more than the insert itself, and in the group commit it is
/// spent while every other run's unit waits. Rows are only ever inserted here, never read back or updated.
/// On SQLite the rows go through <see cref="SqliteEngineRows"/>' prepared single-row statements instead.
/// </summary>
internal sealed class EngineRows : IDisposable
{
    // Parameters per statement stay far below SQLite's (32,766), PostgreSQL's and MySQL's (65,535) limits.
    private const int RowsPerStatement = 400;

    private readonly List<RunEventEntity> _events = [];
    private readonly List<NodeExecutionEntity> _executions = [];
    private readonly List<RunNodeStateEntity> _nodeStates = [];
    private SqliteEngineRows? _sqlite;

    public bool IsEmpty => _events.Count == 0 && _executions.Count == 0 && _nodeStates.Count == 0;

    public void Add(RunEventEntity row) => _events.Add(row);

    public void Add(NodeExecutionEntity row) => _executions.Add(row);

    public void Add(RunNodeStateEntity row) => _nodeStates.Add(row);

    /// <summary>Forgets what was not written (a unit of the group commit that failed before saving).</summary>
    public void Clear()
    {
        _events.Clear();
        _executions.Clear();
        _nodeStates.Clear();
    }

    /// <summary>Inserts the pending rows in the context's current transaction. A key collision (another writer took an event number) is a <see cref="DbUpdateException"/>, as from EF.</summary>
    public async Task FlushAsync(ControlTowerDbContext db, CancellationToken cancellationToken)
    {
        if (db.IsSqlite)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                (_sqlite ??= new SqliteEngineRows()).Insert(db, _nodeStates, _events, _executions);
            }
            finally
            {
                Clear();
            }

            return;
        }

        var events = _events.ToArray();
        var executions = _executions.ToArray();
        var nodeStates = _nodeStates.ToArray();
        Clear();
        await InsertAsync(db, "run_node_states", ["RunId", "NodeId", "Version", "State", "Output"], nodeStates,
            n => [n.RunId, n.NodeId, n.Version, n.State, n.Output], cancellationToken);
        await InsertAsync(db, "run_events", ["RunId", "Seq", "Type", "Timestamp", "Data", "TraceId"], events,
            e => [e.RunId, e.Seq, e.Type, e.Timestamp, e.Data, e.TraceId], cancellationToken);
        await InsertAsync(db, "node_executions",
            ["RunId", "NodeId", "Attempt", "NodeType", "IdempotencyKey", "Status", "Input", "Output", "Outcome", "ErrorCode", "ErrorMessage", "StartedAt", "FinishedAt"],
            executions,
            e => [e.RunId, e.NodeId, e.Attempt, e.NodeType, e.IdempotencyKey, e.Status, e.Input, e.Output, e.Outcome, e.ErrorCode, e.ErrorMessage, e.StartedAt, e.FinishedAt],
            cancellationToken);
    }

    public void Dispose() => _sqlite?.Dispose();

    private static async Task InsertAsync<T>(ControlTowerDbContext db, string table, string[] columns, T[] rows, Func<T, object?[]> values, CancellationToken cancellationToken)
    {
        // Column names quoted the provider's way: "Seq" on SQLite and PostgreSQL, `Seq` on MySQL.
        var sqlHelper = db.GetService<ISqlGenerationHelper>();
        foreach (var chunk in rows.Chunk(RowsPerStatement))
        {
            var sql = new StringBuilder($"INSERT INTO {table} ({string.Join(", ", columns.Select(sqlHelper.DelimitIdentifier))}) VALUES ");
            var parameters = new List<object?>(chunk.Length * columns.Length);
            for (var row = 0; row < chunk.Length; row++)
            {
                sql.Append(row == 0 ? "(" : ", (");
                foreach (var value in values(chunk[row]))
                {
                    sql.Append(parameters.Count % columns.Length == 0 ? "" : ", ").Append('{').Append(parameters.Count).Append('}');
                    parameters.Add(value);
                }

                sql.Append(')');
            }

            // Values go as parameters, typed by EF's own mappings (GUIDs and times stored as EF stores them).
            try
            {
                await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters!, cancellationToken);
            }
            catch (DbException failure)
            {
                // The table is named for providers whose error does not say it (MariaDB's "for key 'PRIMARY'").
                throw new DbUpdateException($"Inserting the engine's rows into {table} failed: {failure.Message}", failure);
            }
        }
    }
}
