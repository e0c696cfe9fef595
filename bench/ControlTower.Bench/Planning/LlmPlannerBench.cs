using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ControlTower.Core.Planning;
using ControlTower.Server.Planning;
using ControlTower.Server.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlTower.Bench.Planning;

/// <summary>
/// <c>planner-llm</c>: the LLM planner's path over the planner corpus (tests/ControlTower.Core.Tests/Planning/Data), against
/// a loopback OpenAI-compatible fake that answers from recorded responses. No model runs here, so the answers are recorded
/// from the offline planner (the same request, in the LLM answer shape, positions dropped); every fifth request is first
/// answered with a broken graph, so the validate-and-repair loop runs too. The scores therefore show that the path keeps
/// what it is given (and refuses what it cannot repair), not a model's quality; the timing is the path's own cost:
/// prompt with the node-type catalog and retrieved tools, HTTP, parsing, validation, repair rounds and layout. Refusal
/// accuracy is 0 by construction: a request the offline planner refused has no recorded answer, the fake answers <c>{}</c>
/// every round, and the draft ends in <c>planner.llm_graph_invalid</c> rather than the expected refusal code.
/// </summary>
internal static class LlmPlannerBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var data = Path.Combine(RepositoryRoot(), "tests", "ControlTower.Core.Tests", "Planning", "Data");
        IReadOnlyList<PlannerTool> catalog =
        [
            .. PlannerCatalogJson.Parse(JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(data, "pharmacy-catalog.json")))),
            .. PlannerCatalogJson.Parse(JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(data, "reference-catalog.json")))),
        ];
        var cases = PlanCorpus.Parse(await File.ReadAllTextAsync(Path.Combine(data, "corpus.jsonl")));
        var recorded = Record(cases, catalog);

        await using var fake = await RecordedProvider.StartAsync(recorded);
        var folder = Directory.CreateTempSubdirectory("ct-bench-planner-");
        try
        {
            await using var app = ControlTowerApp.Build(
            [
                "--ENVIRONMENT=development", $"--DATA_DIR={folder.FullName}", $"--DATABASE_URL=sqlite:{Path.Combine(folder.FullName, "bench.db")}",
                $"--LLM_BASE_URL={fake.BaseUrl}", "--PLANNER_MODEL=recorded", "--Logging:LogLevel:Default=Warning", .. args,
            ]);
            var planner = app.Services.GetRequiredService<PlannerService>();
            var times = new List<double>();
            var results = PlanCorpus.Run(cases, catalog, request =>
            {
                var started = Stopwatch.GetTimestamp();
                var draft = planner.PlanAsync(request, [], CancellationToken.None).GetAwaiter().GetResult();
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return draft;
            });
            var board = PlanScoring.Total([.. results.Select(r => r.Score)]);
            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"llm (recorded)  {board}  p50 {Percentile(times, 0.50):0.0} ms  p99 {Percentile(times, 0.99):0.0} ms  ({times.Count} drafts, {fake.Requests} chat requests)"));
            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>What the fake answers per request text: the offline planner's draft as an LLM answer (null: the offline planner refused).</summary>
    private static Dictionary<string, string?> Record(IReadOnlyList<PlanCorpusCase> cases, IReadOnlyList<PlannerTool> catalog)
    {
        var offline = new OfflinePlanner();
        var answers = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var result in PlanCorpus.Run(cases, catalog, offline.Plan))
        {
            answers[result.Case.Prompt] = result.Draft.Graph is not { } graph ? null : new JsonObject
            {
                ["graph"] = WithoutPositions(graph),
                ["explanation"] = new JsonArray([.. result.Draft.Explanation.Select(e => (JsonNode)new JsonObject { ["nodeId"] = e.NodeId, ["text"] = e.Text })]),
                ["assumptions"] = new JsonArray([.. result.Draft.Assumptions.Select(a => (JsonNode)JsonValue.Create(a))]),
            }.ToJsonString();
        }

        return answers;
    }

    private static JsonObject WithoutPositions(JsonObject graph)
    {
        var copy = (JsonObject)graph.DeepClone();
        foreach (var node in (copy["nodes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            node.Remove("position");
        }

        return copy;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ControlTower.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run the bench from inside the repository (ControlTower.slnx not found above the output folder).");
    }

    /// <summary>
    /// The loopback OpenAI-compatible fake: <c>POST /v1/chat/completions</c> answers the recorded response for the request
    /// between <c>&lt;request&gt;</c> tags (an empty object when none was recorded); the first round of every fifth request
    /// gets a graph with an unknown node type, so the planner has to repair it.
    /// </summary>
    private sealed class RecordedProvider : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;
        private int _firstRounds;

        private RecordedProvider(WebApplication app) => _app = app;

        public string BaseUrl => $"{_app.Urls.First()}/v1";

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<RecordedProvider> StartAsync(IReadOnlyDictionary<string, string?> answers)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var provider = new RecordedProvider(app);
            app.MapPost("/v1/chat/completions", async (HttpContext http) =>
            {
                var body = await JsonNode.ParseAsync(http.Request.Body);
                var messages = body?["messages"] as JsonArray ?? [];
                Interlocked.Increment(ref provider._requests);
                var content = provider.Answer(answers, messages);
                return Results.Text(Completion(content).ToJsonString(), "application/json");
            });
            await app.StartAsync();
            return provider;
        }

        private string Answer(IReadOnlyDictionary<string, string?> answers, JsonArray messages)
        {
            var user = (string?)messages.OfType<JsonObject>().FirstOrDefault(m => (string?)m["role"] == "user")?["content"] ?? "";
            var start = user.IndexOf("<request>\n", StringComparison.Ordinal) + "<request>\n".Length;
            var end = user.IndexOf("\n</request>", StringComparison.Ordinal);
            var prompt = end > start ? user[start..end] : "";
            var recorded = answers.GetValueOrDefault(prompt) ?? "{}";
            if (messages.Count == 2 && Interlocked.Increment(ref _firstRounds) % 5 == 0 && recorded != "{}")
            {
                var broken = JsonNode.Parse(recorded)!.AsObject();
                broken["graph"]!["nodes"]!.AsArray().Add(new JsonObject { ["id"] = "extra", ["type"] = "shell.exec", ["config"] = new JsonObject() });
                return broken.ToJsonString();
            }

            return recorded;
        }

        private static JsonObject Completion(string content) => new()
        {
            ["id"] = "chatcmpl-recorded",
            ["object"] = "chat.completion",
            ["model"] = "recorded",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 0, ["completion_tokens"] = 0, ["total_tokens"] = 0 },
        };

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
