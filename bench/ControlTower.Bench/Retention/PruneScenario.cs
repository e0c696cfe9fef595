using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Bench.Engine;
using ControlTower.Server.Blobs;
using ControlTower.Server.Retention;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Bench.Retention;

/// <summary>
/// <c>prune [--runs 100000] [--batch 100]</c>: the retention pass on a SQLite database of <c>--runs</c> finished runs. One real
/// run of a three-node workflow (trigger → transform → transform) is executed by the engine; its rows (run, events, node
/// records) are cloned under new ids with finish times spread over 60 days, every 100th run with its own 2 KB blob and
/// every 100th (another) held by a person. The global policy (30 days) then removes about half. Printed: rows and bytes
/// removed per second, the database size before, after the prune (SQLite keeps the freed pages for reuse) and after a
/// VACUUM (which gives them back to the file system), and how long that VACUUM took.
/// </summary>
internal static class PruneScenario
{
    private const int SpreadDays = 60;

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = Option(args, "--runs", 100_000);
        var batch = Option(args, "--batch", 100);
        var folder = Directory.CreateTempSubdirectory("controltower-prune-bench-").FullName;
        try
        {
            await using var host = await EngineHost.StartAsync(folder, concurrency: 4);
            var workflow = await host.CreateWorkflowAsync("prune bench", Graph());
            await host.StartRunsAsync(workflow, 1, 1, _ => new JsonObject { ["rx"] = "RX-0", ["qty"] = 30, ["note"] = new string('n', 400) });
            await host.WaitForStatusAsync(workflow, "completed", 1, TimeSpan.FromSeconds(30));

            var now = DateTime.UtcNow;
            var seeding = Stopwatch.StartNew();
            await CloneAsync(host, runs, now);
            Console.WriteLine($"seeded {runs:N0} finished runs in {seeding.Elapsed.TotalSeconds:F1} s");
            var before = await SizeAsync(host.DatabaseFile);

            var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RetentionOptions>>().Value;
            options.BatchSize = batch;
            var pruner = host.Services.GetRequiredService<RunPruner>();
            var report = await pruner.PruneAsync(dryRun: false, TimeSpan.Zero, CancellationToken.None)
                ?? throw new InvalidOperationException("Another process holds the pruner's lease.");
            var afterPrune = await SizeAsync(host.DatabaseFile);
            var vacuum = Stopwatch.StartNew();
            await ExecuteAsync(host.DatabaseFile, "VACUUM");
            var afterVacuum = await SizeAsync(host.DatabaseFile);

            var seconds = report.Elapsed.TotalSeconds;
            Console.WriteLine(PruneCommand.Describe(report));
            Console.WriteLine($"batch {batch} runs: {report.Runs / seconds:N0} runs/s, {report.Rows / seconds:N0} rows/s, " +
                $"{(report.PayloadBytes + report.BlobBytes) / seconds / 1e6:F1} MB/s of run data and blobs");
            Console.WriteLine($"database: {Mb(before)} before, {Mb(afterPrune)} after the prune (free pages kept for reuse), {Mb(afterVacuum)} after VACUUM ({vacuum.Elapsed.TotalSeconds:F1} s)");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static JsonObject Graph() => new()
    {
        ["version"] = "1.0",
        ["nodes"] = new JsonArray(
            new JsonObject { ["id"] = "start", ["type"] = "trigger.manual", ["config"] = new JsonObject() },
            new JsonObject { ["id"] = "check", ["type"] = "transform", ["config"] = new JsonObject { ["expression"] = "{'rx': input.rx, 'ok': input.qty <= 90, 'note': input.note}" } },
            new JsonObject { ["id"] = "label", ["type"] = "transform", ["config"] = new JsonObject { ["expression"] = "{'label': nodes.check.output.rx, 'ok': nodes.check.output.ok}" } }),
        ["edges"] = new JsonArray(
            new JsonObject { ["source"] = "start", ["target"] = "check", ["sourceHandle"] = "success", ["targetHandle"] = "in" },
            new JsonObject { ["source"] = "check", ["target"] = "label", ["sourceHandle"] = "success", ["targetHandle"] = "in" }),
        ["config"] = new JsonObject(),
    };

    /// <summary>Copies the one real run's rows <paramref name="count"/> times in one transaction, with its blobs and holds.</summary>
    private static async Task CloneAsync(EngineHost host, int count, DateTime now)
    {
        await using var connection = new SqliteConnection($"Data Source={host.DatabaseFile};Pooling=False");
        await connection.OpenAsync();
        var template = (string)(await Scalar(connection, "SELECT Id FROM runs LIMIT 1"))!;
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        var runs = await CloneCommandAsync(connection, transaction, "runs", template, "Id", new() { ["Id"] = "$id", ["CreatedAt"] = "$at", ["UpdatedAt"] = "$at", ["FinishedAt"] = "$at" });
        var events = await CloneCommandAsync(connection, transaction, "run_events", template, "RunId", new() { ["RunId"] = "$id", ["Timestamp"] = "$at" });
        var nodes = await CloneCommandAsync(connection, transaction, "node_executions", template, "RunId", new() { ["RunId"] = "$id", ["StartedAt"] = "$at", ["FinishedAt"] = "$at" });
        var blobRow = Command(connection, transaction, """INSERT INTO blobs ("Sha256", "Size", "MediaType", "CreatedAt", "LastReferencedAt") VALUES ($sha, $size, 'application/json', $at, $at)""");
        var blobRef = Command(connection, transaction, """INSERT INTO run_blobs ("RunId", "Sha256") VALUES ($id, $sha)""");
        var hold = Command(connection, transaction, """INSERT INTO run_holds ("RunId", "HeldBy", "Reason", "CreatedAt") VALUES ($id, 'bench', 'evidence', $at)""");
        var store = host.Services.GetRequiredService<IBlobStore>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid().ToString().ToUpperInvariant();
            var at = now.AddDays(-SpreadDays * (double)i / count).AddSeconds(-1);
            foreach (var command in new[] { runs, events, nodes })
            {
                Bind(command, id, at);
                await command.ExecuteNonQueryAsync();
            }

            if (i % 100 == 0)
            {
                var content = Encoding.UTF8.GetBytes(new JsonObject { ["run"] = id, ["text"] = new string('b', 2048) }.ToJsonString());
                var key = BlobKey.Of(content);
                await store.PutAsync(key, content, "application/json", CancellationToken.None);
                Bind(blobRow, id, at, key.Hex, content.Length);
                await blobRow.ExecuteNonQueryAsync();
                Bind(blobRef, id, at, key.Hex);
                await blobRef.ExecuteNonQueryAsync();
            }

            if (i % 100 == 50)
            {
                Bind(hold, id, at);
                await hold.ExecuteNonQueryAsync();
            }
        }

        await transaction.CommitAsync();
    }

    /// <summary>An <c>INSERT … SELECT</c> that copies the template's rows of <paramref name="table"/>, some columns replaced by parameters.</summary>
    private static async Task<SqliteCommand> CloneCommandAsync(SqliteConnection connection, SqliteTransaction transaction, string table,
        string template, string key, Dictionary<string, string> replaced)
    {
        var columns = new List<string>();
        await using (var info = connection.CreateCommand())
        {
            info.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
            await using var reader = await info.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(0));
            }
        }

        var selected = columns.Select(c => replaced.TryGetValue(c, out var parameter) ? parameter : $"\"{c}\"");
        var command = Command(connection, transaction,
            $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) SELECT {string.Join(", ", selected)} FROM {table} WHERE \"{key}\" = '{template}'");
        return command;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Bind(SqliteCommand command, string id, DateTime at, string? sha = null, long? size = null)
    {
        command.Parameters.Clear();
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$at", at);
        if (sha is not null)
        {
            command.Parameters.AddWithValue("$sha", sha);
        }

        if (size is not null)
        {
            command.Parameters.AddWithValue("$size", size);
        }
    }

    /// <summary>The database's size in pages (the WAL checkpointed into the file first).</summary>
    private static async Task<long> SizeAsync(string file)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await Scalar(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        return (long)(await Scalar(connection, "PRAGMA page_count"))! * (long)(await Scalar(connection, "PRAGMA page_size"))!;
    }

    private static async Task ExecuteAsync(string file, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await Scalar(connection, sql);
    }

    private static async Task<object?> Scalar(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static string Mb(long bytes) => $"{bytes / 1e6:F1} MB";

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
