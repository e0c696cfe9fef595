using System.Data.Common;
using System.Text;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace ControlTower.Server.Runs;

/// <summary>
/// The rows a commit only ever inserts — new runs, run events, node states, node-execution records and audit entries, a few
/// dozen per coalesced stretch — kept out of EF's change tracker and inserted when the context saves
/// (<see cref="ControlTowerDbContext.SaveChangesAsync(bool, CancellationToken)"/>), inside the same transaction. Per row, the
/// tracker cost more than the insert itself, and in the group commit it is spent while every other run's unit waits. Rows
/// added here are never read back through the context or updated by it (a run changed later is attached by whoever changes it).
/// On SQLite they go through <see cref="SqliteEngineRows"/>' prepared single-row statements; on PostgreSQL and MySQL through
/// one multi-row statement per table.
/// </summary>
internal sealed class EngineRows : IDisposable
{
    // Parameters per statement stay far below SQLite's (32,766), PostgreSQL's and MySQL's (65,535) limits.
    private const int RowsPerStatement = 400;

    private readonly List<RunEntity> _runs = [];
    private readonly List<RunEventEntity> _events = [];
    private readonly List<NodeExecutionEntity> _executions = [];
    private readonly List<RunNodeStateEntity> _nodeStates = [];
    private readonly List<AuditEntryEntity> _audit = [];
    private SqliteEngineRows? _sqlite;

    public bool IsEmpty => _runs.Count == 0 && _events.Count == 0 && _executions.Count == 0 && _nodeStates.Count == 0 && _audit.Count == 0;

    /// <summary>The runs this save creates, for <see cref="Operations.RunOutcomeInterceptor"/> (kept until the save ends).</summary>
    public IReadOnlyList<RunEntity> NewRuns => _runs;

    /// <summary>A run this commit creates; written as it is when the context saves.</summary>
    public void AddNew(RunEntity run) => _runs.Add(run);

    public void Add(RunEventEntity row) => _events.Add(row);

    public void Add(NodeExecutionEntity row) => _executions.Add(row);

    public void Add(RunNodeStateEntity row) => _nodeStates.Add(row);

    public void Add(AuditEntryEntity row) => _audit.Add(row);

    /// <summary>Forgets what was not written (a unit of the group commit that failed before saving).</summary>
    public void Clear()
    {
        _runs.Clear();
        _events.Clear();
        _executions.Clear();
        _nodeStates.Clear();
        _audit.Clear();
    }

    /// <summary>Inserts the new runs, before the tracked changes that may refer to them (a test run's pins, a replay's record).</summary>
    public Task FlushNewRunsAsync(ControlTowerDbContext db, CancellationToken cancellationToken) =>
        InsertAsync(db, EngineTables.Runs, _runs, cancellationToken);

    /// <summary>
    /// Inserts the other rows in the context's current transaction (the context forgets them all once it saved). A key collision (another writer
    /// took an event number) is a <see cref="DbUpdateException"/>, as from EF.
    /// </summary>
    public async Task FlushAsync(ControlTowerDbContext db, CancellationToken cancellationToken)
    {
        await InsertAsync(db, EngineTables.NodeStates, _nodeStates, cancellationToken);
        await InsertAsync(db, EngineTables.Events, _events, cancellationToken);
        await InsertAsync(db, EngineTables.Executions, _executions, cancellationToken);
        await InsertAsync(db, EngineTables.AuditEntries, _audit, cancellationToken);
    }

    public void Dispose() => _sqlite?.Dispose();

    private async Task InsertAsync<T>(ControlTowerDbContext db, EngineTable<T> table, List<T> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        if (db.IsSqlite)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (_sqlite ??= new SqliteEngineRows()).Insert(db, table, rows);
            return;
        }

        // Column names quoted the provider's way: "Seq" on PostgreSQL, `Seq` on MySQL.
        var sqlHelper = db.GetService<ISqlGenerationHelper>();
        var columns = table.Columns;
        foreach (var chunk in rows.Chunk(RowsPerStatement))
        {
            var sql = new StringBuilder($"INSERT INTO {table.Name} ({string.Join(", ", columns.Select(c => sqlHelper.DelimitIdentifier(c.Column)))}) VALUES ");
            var parameters = new List<object?>(chunk.Length * columns.Length);
            for (var row = 0; row < chunk.Length; row++)
            {
                sql.Append(row == 0 ? "(" : ", (");
                foreach (var (_, value) in columns)
                {
                    sql.Append(parameters.Count % columns.Length == 0 ? "" : ", ").Append('{').Append(parameters.Count).Append('}');
                    parameters.Add(value(chunk[row]));
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
                throw new DbUpdateException($"Inserting the engine's rows into {table.Name} failed: {failure.Message}", failure);
            }
        }
    }
}
