using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;

namespace ControlTower.Server.Cli;

/// <summary>
/// <c>controltower run &lt;workflow.json&gt; [--input &lt;json or @file&gt;] [--db &lt;sqlite file&gt;]</c>: runs a
/// workflow file to completion with the engine in this process, on a throwaway SQLite store in a
/// temporary folder (or the given file). Prints the run's events as JSON lines (the event schema)
/// and then the run's output as the last line. Exit 0 completed, 1 failed or cancelled, 2 invalid
/// workflow or input. Settings are development-like and forced (no seeding, no API key needed, no
/// schedule triggers); logs go to stderr, so stdout is only JSON.
/// </summary>
internal static class HeadlessRunCommand
{
    private const string Actor = "cli:headless";
    private static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web);

    public static Command Create()
    {
        var file = new Argument<FileInfo>("workflow") { Description = "The workflow: a graph (schema v1) or an export document." };
        var input = new Option<string?>("--input") { Description = "The run input: JSON, or @path to a JSON file." };
        var db = new Option<FileInfo?>("--db") { Description = "A SQLite file to use (created when missing) instead of a throwaway one." };
        var command = new Command("run", "Run a workflow file to completion and print its events as JSON lines.") { Arguments = { file }, Options = { input, db } };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(file)!, parse.GetValue(input), parse.GetValue(db), ct));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo file, string? inputText, FileInfo? dbFile, CancellationToken cancellationToken)
    {
        if (!TryRead(file, inputText, out var document, out var input, out var problem))
        {
            await Console.Error.WriteLineAsync($"controltower run: {problem}");
            return 2;
        }

        var (name, graph) = Unwrap(document!, file);
        var folder = Directory.CreateTempSubdirectory("controltower-run-");
        try
        {
            // With --db, its folder is the data folder, so a server's credential key file next to it is found.
            var database = dbFile?.FullName ?? Path.Combine(folder.FullName, "controltower.db");
            var dataFolder = dbFile?.DirectoryName ?? folder.FullName;
            Directory.CreateDirectory(dataFolder);
            await using var app = ControlTowerApp.Build(
            [
                "--ENVIRONMENT=development", $"--DATA_DIR={dataFolder}", $"--DATABASE_URL=sqlite:{database}",
                "--urls=http://127.0.0.1:0", "--AUTH_BYPASS=false", "--ENGINE_WORKER=true", "--ENGINE_POLL_MILLISECONDS=50",
                "--SCHEDULE_TRIGGERS=false", "--AUDIT_EXPORT_INTERVAL_SECONDS=3600",
                "--Logging:LogLevel:Default=Warning", "--Logging:Console:LogToStandardErrorThreshold=Trace",
            ]);
            var (_, problems) = app.Services.GetRequiredService<WorkflowGraphValidation>().Validate(graph);
            if (problems.Count > 0)
            {
                foreach (var p in problems)
                {
                    await Console.Out.WriteLineAsync(JsonSerializer.Serialize(p, EventJson));
                }

                await Console.Error.WriteLineAsync($"controltower run: the workflow has {problems.Count} problem(s).");
                return 2;
            }

            await app.StartAsync(cancellationToken);
            var code = await RunToEndAsync(app.Services, name, graph, input, cancellationToken);
            await app.StopAsync(CancellationToken.None);
            return code;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TryDelete(folder);
        }
    }

    private static async Task<int> RunToEndAsync(IServiceProvider services, string name, JsonObject graph, JsonNode? input, CancellationToken cancellationToken)
    {
        var owner = BuiltInUsers.AdminId;
        var workflow = await services.GetRequiredService<WorkflowService>().CreateAsync(Actor, owner, new CreateWorkflowRequest(name, graph, null, "headless run"), cancellationToken);
        var started = await services.GetRequiredService<RunStarter>().StartAsync(new StartRunRequest(workflow.Workflow.Id, input, "cli", owner, Actor), cancellationToken);
        var runs = services.GetRequiredService<RunService>();
        var notifier = services.GetRequiredService<RunEventNotifier>();
        var runId = started.Run.Id;
        long cursor = 0;
        while (true)
        {
            var next = notifier.NextAsync(runId);
            var finished = false;
            foreach (var evt in await runs.EventsAsync(runId, cursor, 500, cancellationToken))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(evt, EventJson));
                cursor = evt.Seq;
                finished |= evt.Type is RunEventTypes.Complete or RunEventTypes.Error;
            }

            if (finished)
            {
                break;
            }

            await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }

        var run = await runs.GetAsync(runId, cancellationToken);
        var output = await services.GetRequiredService<Blobs.PayloadBlobs>().ResolveAsync(run.Output, cancellationToken);
        await Console.Out.WriteLineAsync(output?.ToJsonString() ?? "null");
        if (run.Status == "completed")
        {
            return 0;
        }

        await Console.Error.WriteLineAsync($"controltower run: run {runId} {run.Status}: {run.Error?.ToJsonString()}");
        return 1;
    }

    private static bool TryRead(FileInfo file, string? inputText, out JsonNode? document, out JsonNode? input, out string? problem)
    {
        (document, input, problem) = (null, null, null);
        try
        {
            document = JsonNode.Parse(File.ReadAllText(file.FullName));
            var text = inputText is ['@', .. var path] ? File.ReadAllText(path) : inputText;
            input = text is null ? null : JsonNode.Parse(text);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or JsonException)
        {
            problem = failure.Message;
            return false;
        }

        if (document is not JsonObject)
        {
            problem = $"{file.Name} does not hold a JSON object.";
            return false;
        }

        return true;
    }

    /// <summary>An export document (<c>{ format, name, graph }</c>) or a bare graph.</summary>
    private static (string Name, JsonObject Graph) Unwrap(JsonNode document, FileInfo file) =>
        document["graph"] is JsonObject graph
            ? (document["name"]?.GetValue<string>() ?? Path.GetFileNameWithoutExtension(file.Name), graph)
            : (Path.GetFileNameWithoutExtension(file.Name), document.AsObject());

    private static void TryDelete(DirectoryInfo folder)
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a finishing background task; the OS temp folder is cleaned anyway.
        }
    }
}
