using System.Text.Json.Nodes;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Operations;

/// <summary>Workflows the operations tests run: one that completes or fails on <c>input.ok</c>.</summary>
internal static class OperationsApi
{
    public const string FailureCode = "refill.blocked";

    public static JsonObject PassOrFailGraph() => Graph(
        [
            Node("start", "trigger.manual"),
            Node("gate", "condition", new() { ["expression"] = "input.ok" }),
            Node("done", "transform", new() { ["expression"] = "{'ok': true}" }),
            Node("stop", "fail", new() { ["code"] = FailureCode, ["message"] = "blocked" }),
        ],
        [Edge("start", "gate"), Edge("gate", "done", "true"), Edge("gate", "stop", "false")]);

    /// <summary>Starts a run and waits for it to end; returns its final status.</summary>
    public static async Task<string> RunAsync(HttpClient client, Guid workflow, bool ok)
    {
        var runId = await StartAsync(client, workflow, new JsonObject { ["ok"] = ok });
        var run = await WaitForStatusAsync(client, runId, "completed", "failed");
        return run.Status();
    }
}
