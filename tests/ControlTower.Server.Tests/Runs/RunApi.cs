using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Server.Tests.Runs;

/// <summary>Small helpers over the workflow and run endpoints, so tests read as scenarios.</summary>
internal static class RunApi
{
    public static JsonObject Graph(JsonArray nodes, JsonArray edges, JsonObject? config = null) =>
        new() { ["version"] = "1.0", ["nodes"] = nodes, ["edges"] = edges, ["config"] = config ?? [] };

    public static JsonObject Node(string id, string type, JsonObject? config = null, JsonObject? extra = null)
    {
        var node = new JsonObject { ["id"] = id, ["type"] = type, ["config"] = config ?? [] };
        foreach (var (key, value) in extra ?? [])
        {
            node[key] = value?.DeepClone();
        }

        return node;
    }

    public static JsonObject Edge(string source, string target, string handle = "success") =>
        new() { ["source"] = source, ["target"] = target, ["sourceHandle"] = handle, ["targetHandle"] = "in" };

    public static async Task<Guid> CreateWorkflowAsync(HttpClient client, JsonObject graph, string name = "test workflow")
    {
        var response = await client.PostAsJsonAsync("/api/workflows", new { name, graph });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["workflow"]!["id"]!.GetValue<Guid>();
    }

    /// <summary>Shares the workflow with one user (replacing its shares) as <paramref name="access"/>: editor or runner.</summary>
    public static async Task ShareWorkflowAsync(HttpClient owner, Guid workflowId, Guid userId, string access = "runner")
    {
        var response = await owner.PutAsJsonAsync($"/api/workflows/{workflowId}/shares", new { shares = new[] { new { userId, access } } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<Guid> StartAsync(HttpClient client, Guid workflowId, JsonNode? input = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{workflowId}/runs") { Content = JsonContent.Create(new { input }) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<Guid>();
    }

    public static async Task<JsonObject> GetRunAsync(HttpClient client, Guid runId) =>
        (await client.GetFromJsonAsync<JsonObject>($"/api/runs/{runId}"))!;

    /// <summary>Polls until the run reaches one of <paramref name="statuses"/> (the worker runs in the background).</summary>
    public static async Task<JsonObject> WaitForStatusAsync(HttpClient client, Guid runId, params string[] statuses)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = await GetRunAsync(client, runId);
            var status = run["status"]!.GetValue<string>();
            if (statuses.Contains(status))
            {
                return run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Run {runId} is '{status}', not {string.Join("/", statuses)}: {run.ToJsonString()}");
            }

            await Task.Delay(50);
        }
    }

    public static async Task<List<JsonObject>> EventsAsync(HttpClient client, Guid runId, long after = 0) =>
        (await client.GetFromJsonAsync<List<JsonObject>>($"/api/runs/{runId}/events?after={after}"))!;

    public static string Status(this JsonObject run) => run["status"]!.GetValue<string>();

    public static JsonElement Element(this JsonNode node) => JsonSerializer.SerializeToElement(node);
}
