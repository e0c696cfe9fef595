using System.Data;
using System.Data.Common;
using ControlTower.Server.Platform.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace ControlTower.Server.Runs;

/// <summary>
/// <see cref="EngineRows"/> on SQLite: one single-row <c>INSERT</c> per table, prepared once per connection and re-bound per
/// row. Microsoft.Data.Sqlite keeps a command's prepared statement while its text and connection stay the same, so a
/// context that lives on (the group-commit writer's) parses each statement once, instead of parsing a multi-row statement
/// built afresh per commit (with its per-parameter name lookups). Parameters are made by the properties' own EF type
/// mappings (converters included), so GUIDs and times are stored exactly as <c>SaveChanges</c> stores them.
/// Executed synchronously: Microsoft.Data.Sqlite's async calls run synchronously anyway, and a cancelled command
/// would interrupt the connection, which inside a shared transaction rolls back every unit in it.
/// </summary>
internal sealed class SqliteEngineRows(IModel model) : IDisposable
{
    private readonly Table<RunNodeStateEntity> _nodeStates = new(model, "run_node_states",
        [("RunId", n => n.RunId), ("NodeId", n => n.NodeId), ("Version", n => n.Version), ("State", n => n.State), ("Output", n => n.Output)]);

    private readonly Table<RunEventEntity> _events = new(model, "run_events",
        [("RunId", e => e.RunId), ("Seq", e => e.Seq), ("Type", e => e.Type), ("Timestamp", e => e.Timestamp), ("Data", e => e.Data), ("TraceId", e => e.TraceId)]);

    private readonly Table<NodeExecutionEntity> _executions = new(model, "node_executions",
        [
            ("RunId", e => e.RunId), ("NodeId", e => e.NodeId), ("Attempt", e => e.Attempt), ("NodeType", e => e.NodeType),
            ("IdempotencyKey", e => e.IdempotencyKey), ("Status", e => e.Status), ("Input", e => e.Input), ("Output", e => e.Output),
            ("Outcome", e => e.Outcome), ("ErrorCode", e => e.ErrorCode), ("ErrorMessage", e => e.ErrorMessage),
            ("StartedAt", e => e.StartedAt), ("FinishedAt", e => e.FinishedAt),
        ]);

    /// <summary>Inserts the rows in the context's current transaction (there is one: the context saves inside it).</summary>
    public void Insert(ControlTowerDbContext db, List<RunNodeStateEntity> nodeStates, List<RunEventEntity> events, List<NodeExecutionEntity> executions)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var transaction = (SqliteTransaction)(db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("The engine's rows are inserted inside a transaction."));
        _nodeStates.Insert(connection, transaction, nodeStates);
        _events.Insert(connection, transaction, events);
        _executions.Insert(connection, transaction, executions);
    }

    public void Dispose()
    {
        _nodeStates.Dispose();
        _events.Dispose();
        _executions.Dispose();
    }

    private sealed class Table<T>(IModel model, string name, (string Column, Func<T, object?> Value)[] columns) : IDisposable
    {
        private readonly RelationalTypeMapping[] _mappings = [.. columns.Select(c => Mapping(model, c.Column))];
        private SqliteCommand? _command;

        public void Insert(SqliteConnection connection, SqliteTransaction transaction, List<T> rows)
        {
            if (rows.Count == 0)
            {
                return;
            }

            var command = CommandFor(connection);
            command.Transaction = transaction;
            var parameters = command.Parameters;
            foreach (var row in rows)
            {
                for (var i = 0; i < columns.Length; i++)
                {
                    parameters[i].Value = ToProvider(_mappings[i], columns[i].Value(row));
                }

                try
                {
                    command.ExecuteNonQuery();
                }
                catch (SqliteException failure)
                {
                    throw new DbUpdateException($"Inserting the engine's rows into {name} failed: {failure.Message}", failure);
                }
            }
        }

        public void Dispose() => _command?.Dispose();

        /// <summary>The prepared command, made again for a new connection (a context's connection normally never changes).</summary>
        private SqliteCommand CommandFor(SqliteConnection connection)
        {
            if (_command?.Connection == connection)
            {
                return _command;
            }

            _command?.Dispose();
            var command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO \"{name}\" ({string.Join(", ", columns.Select(c => $"\"{c.Column}\""))}) " +
                $"VALUES ({string.Join(", ", columns.Select((_, i) => $"@p{i}"))})";
            for (var i = 0; i < columns.Length; i++)
            {
                command.Parameters.Add(_mappings[i].CreateParameter(command, $"@p{i}", null, nullable: true));
            }

            return _command = command;
        }

        private static RelationalTypeMapping Mapping(IModel model, string column) =>
            model.FindEntityType(typeof(T))?.FindProperty(column)?.GetRelationalTypeMapping()
            ?? throw new InvalidOperationException($"{typeof(T).Name} has no mapped property {column}.");

        private static object ToProvider(RelationalTypeMapping mapping, object? value) =>
            value is null ? DBNull.Value : mapping.Converter?.ConvertToProvider(value) ?? value;
    }
}
