using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary><c>controltower run</c> as a real process, with no settings at all.</summary>
public sealed class HeadlessRunTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("controltower-headless-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string Write(string name, JsonNode content)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, content.ToJsonString());
        return path;
    }

    private static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ControlTowerProcess.RunAsync(["run", .. arguments], new Dictionary<string, string?>(), TimeSpan.FromSeconds(90));

    private static List<JsonNode> JsonLines(ProcessResult result) =>
        result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => JsonNode.Parse(l)!).ToList();

    [Fact]
    public async Task Run_WhenWorkflowCompletes_PrintsEventsAsJsonLinesThenTheOutputAndExits0()
    {
        var workflow = Write("refill.json", Graph(
            [
                Node("start", "trigger.manual"),
                Node("double", "transform", new() { ["expression"] = "{'total': input.qty * 2}" }),
                Node("reply", "respond", new() { ["body"] = "{'total': nodes.double.output.total}" }),
            ],
            [Edge("start", "double"), Edge("double", "reply")]));
        var input = Write("input.json", new JsonObject { ["qty"] = 21 });

        var result = await RunAsync(workflow, "--input", "@" + input);
        var lines = JsonLines(result);
        var events = lines[..^1];

        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e["seq"]!.GetValue<long>()));
        Assert.All(events, e => Assert.Equal("1.0", e["version"]!.GetValue<string>()));
        Assert.All(events, e => Assert.NotNull(e["trace_id"]));
        Assert.Equal("complete", events[^1]["type"]!.GetValue<string>());
        Assert.Equal(42, lines[^1]["body"]!["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Run_WhenWorkflowFails_EndsWithAnErrorEventAndExits1()
    {
        var workflow = Write("fails.json", Graph(
            [Node("start", "trigger.manual"), Node("stop", "fail", new() { ["code"] = "refill.blocked", ["message"] = "blocked for {{ input.rx }}" })],
            [Edge("start", "stop")]));

        var result = await RunAsync(workflow, "--input", """{"rx":"RX-9"}""");
        var lines = JsonLines(result);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error", lines[^2]["type"]!.GetValue<string>());
        Assert.Equal("refill.blocked", lines[^2]["data"]!["code"]!.GetValue<string>());
        Assert.Contains("refill.blocked", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenWorkflowIsInvalid_PrintsEveryProblemAndExits2()
    {
        var workflow = Write("invalid.json", Graph(
            [Node("start", "trigger.manual"), Node("mystery", "no.such.type"), Node("calc", "transform", new() { ["expression"] = "1 +" })],
            [Edge("start", "mystery"), Edge("start", "calc")]));
        var db = Path.Combine(_folder.FullName, "kept.db");

        var result = await RunAsync(workflow, "--db", db);
        var problems = JsonLines(result);

        Assert.Equal(2, result.ExitCode);
        Assert.True(problems.Count >= 2, result.StandardOutput);
        Assert.Contains(problems, p => p["jsonPointer"]!.GetValue<string>().StartsWith("/nodes/1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p["jsonPointer"]!.GetValue<string>().StartsWith("/nodes/2", StringComparison.Ordinal));
    }
}
