using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace ControlTower.Bench.Engine;

/// <summary>What the floor cost per run, and what it wrote.</summary>
internal sealed record FloorResult(int Runs, int TransactionsPerRun, TimeSpan Elapsed, long Bytes)
{
    public double MicrosecondsPerRun => Elapsed.TotalMilliseconds * 1000 / Runs;
}

/// <summary>
/// The least a durable engine must pay for the same work: each run's bytes as the engine stored them (its
/// final checkpoint once per transaction, its events, node-state rows and node-execution records spread over the
/// transactions in order), written through Microsoft.Data.Sqlite directly in as many transactions per run
/// as the engine committed, one run after another, on a file with the engine's settings (WAL,
/// synchronous=FULL). Earlier checkpoints are smaller than the final one, so this floor is, if anything, slower than the true one.
/// </summary>
internal static class CheckpointFloor
{
    public static async Task<FloorResult> MeasureAsync(string file, IReadOnlyList<StoredCheckpoints> runs, int transactionsPerRun)
    {
        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        await ExecuteAsync(connection, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            CREATE TABLE IF NOT EXISTS checkpoints (run_id TEXT NOT NULL, step INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (run_id, step));
            CREATE TABLE IF NOT EXISTS events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq));
            CREATE TABLE IF NOT EXISTS executions (run_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq));
            CREATE TABLE IF NOT EXISTS node_states (run_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq));
            """);
        await using var checkpoint = Command(connection, "INSERT INTO checkpoints (run_id, step, state) VALUES ($run, $n, $data)");
        await using var evt = Command(connection, "INSERT INTO events (run_id, seq, data) VALUES ($run, $n, $data)");
        await using var execution = Command(connection, "INSERT INTO executions (run_id, seq, data) VALUES ($run, $n, $data)");
        await using var nodeState = Command(connection, "INSERT INTO node_states (run_id, seq, data) VALUES ($run, $n, $data)");
        var bytes = 0L;
        var clock = Stopwatch.StartNew();
        foreach (var run in runs)
        {
            var (events, executions, nodeStates) = (0, 0, 0);
            for (var step = 0; step < transactionsPerRun; step++)
            {
                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
                (checkpoint.Transaction, evt.Transaction, execution.Transaction, nodeState.Transaction) = (transaction, transaction, transaction, transaction);
                bytes += await InsertAsync(checkpoint, run.RunId, step, run.State);

                // This transaction's share of the run's events and records, in order; the last one takes the remainder.
                var last = step == transactionsPerRun - 1;
                for (var until = last ? run.Events.Count : (step + 1) * run.Events.Count / transactionsPerRun; events < until; events++)
                {
                    bytes += await InsertAsync(evt, run.RunId, events, run.Events[events]);
                }

                for (var until = last ? run.Executions.Count : (step + 1) * run.Executions.Count / transactionsPerRun; executions < until; executions++)
                {
                    bytes += await InsertAsync(execution, run.RunId, executions, run.Executions[executions]);
                }

                for (var until = last ? run.NodeStates.Count : (step + 1) * run.NodeStates.Count / transactionsPerRun; nodeStates < until; nodeStates++)
                {
                    bytes += await InsertAsync(nodeState, run.RunId, nodeStates, run.NodeStates[nodeStates]);
                }

                await transaction.CommitAsync();
            }
        }

        return new FloorResult(runs.Count, transactionsPerRun, clock.Elapsed, bytes);
    }

    private static async Task<int> InsertAsync(SqliteCommand command, Guid run, int number, string text)
    {
        command.Parameters[0].Value = run.ToString();
        command.Parameters[1].Value = number;
        command.Parameters[2].Value = text;
        await command.ExecuteNonQueryAsync();
        return text.Length;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in new[] { "$run", "$n", "$data" })
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
