using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Server.Tests.NodeSwitches;

/// <summary>Helpers over the node-type switch endpoints and the run view.</summary>
internal static class NodeTypeSwitchApi
{
    public static Task<HttpResponseMessage> SwitchAsync(HttpClient client, string type, bool enabled, string? reason) =>
        client.PutAsJsonAsync($"/api/node-types/{type}/switch", new { enabled, reason });

    public static async Task SetAsync(HttpClient client, string type, bool enabled, string? reason = null)
    {
        var response = await SwitchAsync(client, type, enabled, reason ?? (enabled ? null : "test switch"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static JsonObject NodeOf(this JsonObject run, string nodeId) =>
        run["nodes"]!.AsArray().OfType<JsonObject>().Single(n => n["nodeId"]!.GetValue<string>() == nodeId);

    /// <summary>Polls until node <paramref name="nodeId"/> of the run is in <paramref name="status"/>.</summary>
    public static async Task<JsonObject> WaitForNodeAsync(HttpClient client, Guid runId, string nodeId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = await Runs.RunApi.GetRunAsync(client, runId);
            if (run.NodeOf(nodeId)["status"]!.GetValue<string>() == status)
            {
                return run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Node {nodeId} of run {runId} is not {status}: {run.ToJsonString()}");
            }

            await Task.Delay(50);
        }
    }

    public static async Task<List<JsonObject>> AttemptsAsync(HttpClient client, Guid runId) =>
        (await client.GetFromJsonAsync<List<JsonObject>>($"/api/runs/{runId}/nodes"))!;
}
