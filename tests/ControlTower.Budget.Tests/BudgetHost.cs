using System.Text.Json.Nodes;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Budget.Tests;

/// <summary>
/// The real server composed as <c>controltower serve</c> does it, in this process, on a SQLite file in a fresh folder,
/// with the periodic background work (queue sampling, SLO evaluation, audit export, worker polling) slowed down so it
/// does not allocate during a measurement. Runs start through <see cref="RunStarter"/>, as the run API does.
/// </summary>
internal sealed class BudgetHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private BudgetHost(WebApplication app, string dataDirectory) => (_app, _dataDirectory) = (app, dataDirectory);

    public static async Task<BudgetHost> StartAsync()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("controltower-budget-").FullName;
        var app = ControlTowerApp.Build(
        [
            "--ENVIRONMENT=development",
            $"--DATA_DIR={dataDirectory}",
            "--urls=http://127.0.0.1:0",
            "--AUDIT_EXPORT_INTERVAL_SECONDS=3600",
            "--OPS_SAMPLE_SECONDS=3600",
            "--SLO_EVALUATION_SECONDS=3600",
            "--ENGINE_POLL_MILLISECONDS=60000",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        return new BudgetHost(app, dataDirectory);
    }

    public async Task<Guid> CreateWorkflowAsync(string name, JsonObject graph)
    {
        var workflows = _app.Services.GetRequiredService<WorkflowService>();
        var detail = await workflows.CreateAsync("budget", BuiltInUsers.AdminId, new CreateWorkflowRequest(name, graph), CancellationToken.None);
        return detail.Workflow.Id;
    }

    /// <summary>Starts <paramref name="count"/> runs, <paramref name="parallel"/> at a time; side-effect-free runs finish inside the start.</summary>
    public async Task StartRunsAsync(Guid workflowId, int count, int parallel, Func<int, JsonNode?> input)
    {
        var starter = _app.Services.GetRequiredService<RunStarter>();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, ct) =>
        {
            var started = await starter.StartAsync(new StartRunRequest(workflowId, input(i), "manual", BuiltInUsers.AdminId, "budget"), ct);
            if (parallel == 1 && started.Run.FinishedAt is null && started.Run.Status != "waiting")
            {
                throw new InvalidOperationException($"Run {started.Run.Id} did not finish inside its start ({started.Run.Status}).");
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a finishing background task; the temp folder is cleaned by the OS anyway.
        }
    }
}

/// <summary>The graphs the budgets run.</summary>
internal static class BudgetGraphs
{
    /// <summary>trigger → t1 → … → t<paramref name="length"/>, each transform adding one.</summary>
    public static JsonObject Chain(int length)
    {
        var nodes = new JsonArray { Node("start", "trigger.manual", []) };
        var edges = new JsonArray();
        for (var i = 1; i <= length; i++)
        {
            var previous = i == 1 ? "input.n" : $"nodes.t{i - 1}.output.v";
            nodes.Add(Node($"t{i}", "transform", new() { ["expression"] = $"{{'v': {previous} + 1}}" }));
            edges.Add(Edge(i == 1 ? "start" : $"t{i - 1}", $"t{i}"));
        }

        return new JsonObject { ["version"] = "1.0", ["nodes"] = nodes, ["edges"] = edges, ["config"] = new JsonObject() };
    }

    /// <summary>trigger → delay an hour → transform: a run that parks on a durable timer.</summary>
    public static JsonObject Parked() => new()
    {
        ["version"] = "1.0",
        ["nodes"] = new JsonArray(
            Node("start", "trigger.manual", []),
            Node("wait", "delay", new() { ["seconds"] = 3600 }),
            Node("after", "transform", new() { ["expression"] = "{'woke': input.n}" })),
        ["edges"] = new JsonArray(Edge("start", "wait"), Edge("wait", "after")),
        ["config"] = new JsonObject(),
    };

    private static JsonObject Node(string id, string type, JsonObject config) => new() { ["id"] = id, ["type"] = type, ["config"] = config };

    private static JsonObject Edge(string source, string target) =>
        new() { ["source"] = source, ["target"] = target, ["sourceHandle"] = "success", ["targetHandle"] = "in" };
}
