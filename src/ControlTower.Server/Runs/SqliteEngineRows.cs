using System.Globalization;
using ControlTower.Server.Platform.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;

namespace ControlTower.Server.Runs;

/// <summary>
/// <see cref="EngineRows"/> on SQLite: one single-row <c>INSERT</c> per table, prepared once per connection and re-bound
/// per row, on the connection's own SQLite handle. A context that lives on (the group-commit writer's) so parses each
/// statement once, instead of parsing a multi-row statement built afresh per commit, and binds by position without the
/// ADO.NET parameter objects (per value, Microsoft.Data.Sqlite allocates a binder and looks the parameter's name up).
/// Values are written in the text forms EF Core's SQLite provider writes (<c>SaveChanges</c>): a GUID as upper-case
/// <c>D</c> text, a time as <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>; <c>EngineRowsTests</c> compares them with rows EF wrote.
/// Executed synchronously, as all SQLite I/O is (Microsoft.Data.Sqlite's async calls run synchronously too), and never
/// interrupted: inside a shared transaction an interrupt would roll back every unit in it.
/// </summary>
internal sealed class SqliteEngineRows : IDisposable
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    private readonly Table<RunNodeStateEntity> _nodeStates = new("run_node_states",
    [
        ("RunId", (s, i, n) => BindGuid(s, i, n.RunId)),
        ("NodeId", (s, i, n) => BindText(s, i, n.NodeId)),
        ("Version", (s, i, n) => raw.sqlite3_bind_int64(s, i, n.Version)),
        ("State", (s, i, n) => BindText(s, i, n.State)),
        ("Output", (s, i, n) => BindText(s, i, n.Output)),
    ]);

    private readonly Table<RunEventEntity> _events = new("run_events",
    [
        ("RunId", (s, i, e) => BindGuid(s, i, e.RunId)),
        ("Seq", (s, i, e) => raw.sqlite3_bind_int64(s, i, e.Seq)),
        ("Type", (s, i, e) => BindText(s, i, e.Type)),
        ("Timestamp", (s, i, e) => BindTime(s, i, e.Timestamp)),
        ("Data", (s, i, e) => BindText(s, i, e.Data)),
        ("TraceId", (s, i, e) => BindText(s, i, e.TraceId)),
    ]);

    private readonly Table<NodeExecutionEntity> _executions = new("node_executions",
    [
        ("RunId", (s, i, e) => BindGuid(s, i, e.RunId)),
        ("NodeId", (s, i, e) => BindText(s, i, e.NodeId)),
        ("Attempt", (s, i, e) => raw.sqlite3_bind_int64(s, i, e.Attempt)),
        ("NodeType", (s, i, e) => BindText(s, i, e.NodeType)),
        ("IdempotencyKey", (s, i, e) => BindText(s, i, e.IdempotencyKey)),
        ("Status", (s, i, e) => BindText(s, i, e.Status)),
        ("Input", (s, i, e) => BindText(s, i, e.Input)),
        ("Output", (s, i, e) => BindText(s, i, e.Output)),
        ("Outcome", (s, i, e) => BindText(s, i, e.Outcome)),
        ("ErrorCode", (s, i, e) => BindText(s, i, e.ErrorCode)),
        ("ErrorMessage", (s, i, e) => BindText(s, i, e.ErrorMessage)),
        ("StartedAt", (s, i, e) => BindTime(s, i, e.StartedAt)),
        ("FinishedAt", (s, i, e) => BindTime(s, i, e.FinishedAt)),
    ]);

    private delegate int Binder<in T>(sqlite3_stmt statement, int index, T row);

    /// <summary>Inserts the rows in the context's current transaction (there is one: the context saves inside it).</summary>
    public void Insert(ControlTowerDbContext db, List<RunNodeStateEntity> nodeStates, List<RunEventEntity> events, List<NodeExecutionEntity> executions)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The engine's rows are inserted inside a transaction.");
        }

        // The handle, not the ADO.NET connection: a pooled connection may hand a context another handle after it reopens.
        var handle = ((SqliteConnection)db.Database.GetDbConnection()).Handle
            ?? throw new InvalidOperationException("The engine's rows are inserted on an open connection.");
        _nodeStates.Insert(handle, nodeStates);
        _events.Insert(handle, events);
        _executions.Insert(handle, executions);
    }

    public void Dispose()
    {
        _nodeStates.Dispose();
        _events.Dispose();
        _executions.Dispose();
    }

    private static int BindText(sqlite3_stmt statement, int index, string? value) =>
        value is null ? raw.sqlite3_bind_null(statement, index) : raw.sqlite3_bind_text16(statement, index, value.AsSpan());

    private static int BindGuid(sqlite3_stmt statement, int index, Guid value)
    {
        Span<char> text = stackalloc char[36];
        value.TryFormat(text, out _, "D");
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = char.ToUpperInvariant(text[i]);
        }

        return raw.sqlite3_bind_text16(statement, index, text);
    }

    private static int BindTime(sqlite3_stmt statement, int index, DateTime? value)
    {
        if (value is not { } time)
        {
            return raw.sqlite3_bind_null(statement, index);
        }

        Span<char> text = stackalloc char[32];
        time.TryFormat(text, out var length, TimeFormat, CultureInfo.InvariantCulture);
        return raw.sqlite3_bind_text16(statement, index, text[..length]);
    }

    private sealed class Table<T>(string name, (string Column, Binder<T> Bind)[] columns) : IDisposable
    {
        private readonly string _sql = $"INSERT INTO \"{name}\" ({string.Join(", ", columns.Select(c => $"\"{c.Column}\""))}) " +
            $"VALUES ({string.Join(", ", columns.Select((_, i) => $"?{i + 1}"))})";

        private sqlite3? _handle;
        private sqlite3_stmt? _statement;

        public void Insert(sqlite3 handle, List<T> rows)
        {
            if (rows.Count == 0)
            {
                return;
            }

            var statement = StatementFor(handle);
            foreach (var row in rows)
            {
                try
                {
                    for (var i = 0; i < columns.Length; i++)
                    {
                        Check(columns[i].Bind(statement, i + 1, row), raw.SQLITE_OK, handle);
                    }

                    Check(raw.sqlite3_step(statement), raw.SQLITE_DONE, handle);
                }
                catch (SqliteException failure)
                {
                    throw new DbUpdateException($"Inserting the engine's rows into {name} failed: {failure.Message}", failure);
                }
                finally
                {
                    raw.sqlite3_reset(statement);
                }
            }
        }

        public void Dispose()
        {
            _statement?.Dispose();
            (_statement, _handle) = (null, null);
        }

        private sqlite3_stmt StatementFor(sqlite3 handle)
        {
            if (_statement is not null && ReferenceEquals(_handle, handle))
            {
                return _statement;
            }

            Dispose();
            Check(raw.sqlite3_prepare_v2(handle, _sql, out var statement), raw.SQLITE_OK, handle);
            (_statement, _handle) = (statement, handle);
            return statement;
        }

        private static void Check(int result, int expected, sqlite3 handle)
        {
            if (result != expected)
            {
                SqliteException.ThrowExceptionForRC(result, handle);
            }
        }
    }
}
