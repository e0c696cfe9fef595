using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace ControlTower.Bench.Engine;

/// <summary>What the floor cost: time and bytes per step.</summary>
internal sealed record FloorResult(int Steps, TimeSpan Elapsed, long StateBytes, long EventBytes)
{
    public double MicrosecondsPerStep => Elapsed.TotalMilliseconds * 1000 / Steps;
}

/// <summary>
/// The least a durable engine must pay: for every step, one transaction that inserts the checkpoint
/// (the run's state JSON) and that step's events, through Microsoft.Data.Sqlite directly, on a file with
/// the engine's durability settings (WAL, SQLite's default synchronous). The bytes are the engine's own:
/// each run's stored events, spread over its steps in order, and its final checkpoint at every step
/// (earlier checkpoints are smaller, so this floor is, if anything, slower than the true one).
/// </summary>
internal static class CheckpointFloor
{
    public static async Task<FloorResult> MeasureAsync(string file, IReadOnlyList<StoredCheckpoints> runs)
    {
        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        await ExecuteAsync(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS checkpoints (run_id TEXT NOT NULL, step INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (run_id, step));
            CREATE TABLE IF NOT EXISTS events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq));
            """);
        await using var checkpoint = Command(connection, "INSERT INTO checkpoints (run_id, step, state) VALUES ($run, $step, $state)", "$run", "$step", "$state");
        await using var evt = Command(connection, "INSERT INTO events (run_id, seq, data) VALUES ($run, $seq, $data)", "$run", "$seq", "$data");
        var (steps, stateBytes, eventBytes) = (0, 0L, 0L);
        var clock = Stopwatch.StartNew();
        foreach (var run in runs)
        {
            var stepCount = Math.Max(run.Steps, 1);
            var seq = 0;
            for (var step = 0; step < stepCount; step++)
            {
                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
                checkpoint.Transaction = transaction;
                evt.Transaction = transaction;
                Set(checkpoint, run.RunId.ToString(), step, run.State);
                await checkpoint.ExecuteNonQueryAsync();
                stateBytes += run.State.Length;

                // This step's share of the run's events, in order; the last step takes the remainder.
                var until = step == stepCount - 1 ? run.Events.Count : (step + 1) * run.Events.Count / stepCount;
                for (; seq < until; seq++)
                {
                    Set(evt, run.RunId.ToString(), seq + 1, run.Events[seq]);
                    await evt.ExecuteNonQueryAsync();
                    eventBytes += run.Events[seq].Length;
                }

                await transaction.CommitAsync();
                steps++;
            }
        }

        return new FloorResult(steps, clock.Elapsed, stateBytes, eventBytes);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static void Set(SqliteCommand command, string run, int number, string text)
    {
        command.Parameters[0].Value = run;
        command.Parameters[1].Value = number;
        command.Parameters[2].Value = text;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
