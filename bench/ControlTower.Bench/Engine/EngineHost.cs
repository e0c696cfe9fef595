using System.Diagnostics;
using System.Text.Json.Nodes;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Bench.Engine;

/// <summary>
/// The real server composed exactly as <c>controltower serve</c> does it (same services, same SQLite
/// settings, the worker running), in this process, on a SQLite file in a fresh folder. Runs are
/// started through <see cref="RunStarter"/>, the code behind <c>POST /api/workflows/{id}/runs</c>.
/// </summary>
internal sealed class EngineHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EngineHost(WebApplication app, string dataDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    public string DatabaseFile => Path.Combine(DataDirectory, "controltower.db");

    /// <summary>Other hosts on the same database (PostgreSQL): the closed loop starts runs on all of them in turn.</summary>
    public List<EngineHost> Peers { get; } = [];

    public static async Task<EngineHost> StartAsync(string dataDirectory, int concurrency, string? databaseUrl = null)
    {
        string[] args =
        [
            "--ENVIRONMENT=development",
            $"--DATA_DIR={dataDirectory}",
            "--urls=http://127.0.0.1:0",
            $"--ENGINE_CONCURRENCY={concurrency}",
            "--AUDIT_EXPORT_INTERVAL_SECONDS=3600",
            "--HTTP_NODE_ALLOW=127.0.0.1",
            "--Logging:LogLevel:Default=Warning",
        ];
        var app = ControlTowerApp.Build(databaseUrl is null ? args : [.. args, $"--DATABASE_URL={databaseUrl}"]);
        await app.StartAsync();
        return new EngineHost(app, dataDirectory);
    }

    /// <summary>A fresh PostgreSQL database beside <paramref name="adminConnectionString"/>'s, as a connection string for DATABASE_URL.</summary>
    public static async Task<string> CreatePostgresDatabaseAsync(string adminConnectionString)
    {
        var name = $"ct_engine_bench_{Guid.NewGuid():N}";
        await using (var connection = new Npgsql.NpgsqlConnection(adminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new Npgsql.NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }

    public async Task<Guid> CreateWorkflowAsync(string name, JsonObject graph)
    {
        var workflows = _app.Services.GetRequiredService<WorkflowService>();
        var detail = await workflows.CreateAsync("bench", BuiltInUsers.AdminId, new CreateWorkflowRequest(name, graph), CancellationToken.None);
        return detail.Workflow.Id;
    }

    /// <summary>Starts <paramref name="count"/> runs, <paramref name="parallel"/> at a time, as the API would.</summary>
    public async Task StartRunsAsync(Guid workflowId, int count, int parallel, Func<int, JsonNode?> input)
    {
        var starter = _app.Services.GetRequiredService<RunStarter>();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, ct) =>
            await starter.StartAsync(new StartRunRequest(workflowId, input(i), "manual", BuiltInUsers.AdminId, "bench"), ct));
    }

    /// <summary>
    /// Keeps <paramref name="inFlight"/> runs going until <paramref name="count"/> have finished: each slot starts a
    /// run through <see cref="RunStarter"/> and waits for it to end (woken by the engine's in-process event signal).
    /// </summary>
    public async Task RunClosedLoopAsync(Guid workflowId, int count, int inFlight, Func<int, JsonNode?> input)
    {
        EngineHost[] hosts = [this, .. Peers];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, ct) =>
        {
            var services = hosts[i % hosts.Length]._app.Services;
            var starter = services.GetRequiredService<RunStarter>();
            var notifier = services.GetRequiredService<RunEventNotifier>();
            var contexts = services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>();
            var started = await starter.StartAsync(new StartRunRequest(workflowId, input(i), "manual", BuiltInUsers.AdminId, "bench"), ct);
            var runId = started.Run.Id;
            while (started.Run.FinishedAt is null)
            {
                var next = notifier.NextAsync(runId);
                await using (var db = await contexts.CreateDbContextAsync(ct))
                {
                    if (await db.Set<RunEntity>().AsNoTracking().Where(r => r.Id == runId).Select(r => r.FinishedAt).SingleAsync(ct) is not null)
                    {
                        return;
                    }
                }

                await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(1), ct));
            }
        });
    }

    /// <summary>Polls (a cheap read beside the WAL writers) until <paramref name="count"/> runs of the workflow have the status.</summary>
    public async Task WaitForStatusAsync(Guid workflowId, string status, int count, TimeSpan within)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabaseFile};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM runs WHERE WorkflowId = $w AND Status = $s";
        command.Parameters.AddWithValue("$w", workflowId.ToString().ToUpperInvariant());
        command.Parameters.AddWithValue("$s", status);
        var deadline = Stopwatch.StartNew();
        while ((long)(await command.ExecuteScalarAsync())! < count)
        {
            if (deadline.Elapsed > within)
            {
                throw new TimeoutException($"Fewer than {count} runs of workflow {workflowId} reached '{status}' within {within}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Moves every parked timer's due time to now, as if the clock had reached it; returns that moment.</summary>
    public async Task<int> MakeTimersDueAsync()
    {
        var contexts = _app.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>();
        var now = _app.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<RunTaskEntity>().Where(t => t.Kind == RunTaskKinds.Timer).ExecuteUpdateAsync(s => s.SetProperty(t => t.DueAt, now));
    }

    /// <summary>The checkpoints and event payloads the engine stored for a workflow's runs, for the raw-insert floor.</summary>
    public async Task<List<StoredCheckpoints>> ReadCheckpointsAsync(Guid workflowId)
    {
        var contexts = _app.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var runs = await db.Set<RunEntity>().AsNoTracking().Where(r => r.WorkflowId == workflowId).Select(r => new { r.Id, r.State, r.Status }).ToListAsync();
        if (runs.FirstOrDefault(r => r.Status != "completed") is { } unfinished)
        {
            throw new InvalidOperationException($"Run {unfinished.Id} ended {unfinished.Status}, not completed.");
        }

        var events = (await db.Set<RunEventEntity>().AsNoTracking().Where(e => runs.Select(r => r.Id).Contains(e.RunId)).ToListAsync())
            .ToLookup(e => e.RunId);
        var executions = (await db.Set<NodeExecutionEntity>().AsNoTracking().Where(e => runs.Select(r => r.Id).Contains(e.RunId))
            .Select(e => new { e.RunId, e.Input, e.Output }).ToListAsync())
            .ToLookup(e => e.RunId);
        var nodeStates = (await db.Set<RunNodeStateEntity>().AsNoTracking().Where(n => runs.Select(r => r.Id).Contains(n.RunId))
            .Select(n => new { n.RunId, n.State, n.Output }).ToListAsync())
            .ToLookup(n => n.RunId);
        return [.. runs.Select(r => new StoredCheckpoints(r.Id, r.State, [.. events[r.Id].OrderBy(e => e.Seq).Select(e => e.Data)],
            [.. executions[r.Id].Select(e => (e.Input ?? "") + (e.Output ?? ""))], [.. nodeStates[r.Id].Select(n => n.State + (n.Output ?? ""))]))];
    }

    /// <summary>The durability settings SQLite connections of this database get (the engine sets none of its own beyond WAL).</summary>
    public async Task<string> DurabilityAsync()
    {
        if (Peers.Count > 0 || !File.Exists(DatabaseFile))
        {
            return $"not used: PostgreSQL, {1 + Peers.Count} engine host(s) on one database";
        }

        await using var connection = new SqliteConnection($"Data Source={DatabaseFile}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        var journal = (string)(await command.ExecuteScalarAsync())!;
        command.CommandText = "PRAGMA synchronous";
        var synchronous = (long)(await command.ExecuteScalarAsync())!;
        return $"journal_mode={journal}, synchronous={synchronous switch { 0 => "OFF", 1 => "NORMAL", 2 => "FULL", _ => "EXTRA" }}";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}

/// <summary>
/// One run's final checkpoint (its run row's state: the header, or a whole state stored by an earlier version), its events in
/// order, its node-execution records (input and output text) and its node-state rows (state and output text).
/// </summary>
internal sealed record StoredCheckpoints(Guid RunId, string State, List<string> Events, List<string> Executions, List<string> NodeStates)
{
    public int Steps => Executions.Count;
}
