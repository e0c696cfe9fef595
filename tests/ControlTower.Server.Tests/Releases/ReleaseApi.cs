using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Server.Tests.Releases;

/// <summary>Helpers over the release endpoints.</summary>
internal static class ReleaseApi
{
    public static async Task<JsonObject> PutReleaseAsync(HttpClient client, Guid workflowId, object body)
    {
        var response = await client.PutAsJsonAsync($"/api/workflows/{workflowId}/release", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<JsonObject> RollbackAsync(HttpClient client, Guid workflowId, object body)
    {
        var response = await client.PostAsJsonAsync($"/api/workflows/{workflowId}/release/rollback", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<JsonObject> GetReleaseAsync(HttpClient client, Guid workflowId) =>
        (await client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflowId}/release"))!;

    public static async Task SaveVersionAsync(HttpClient client, Guid workflowId, JsonObject graph, string message)
    {
        var response = await client.PostAsJsonAsync($"/api/workflows/{workflowId}/versions", new { graph, message });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>One node's output in a run's detail.</summary>
    public static JsonNode? NodeOutput(JsonObject run, string nodeId) =>
        run["nodes"]!.AsArray().Single(n => n!["nodeId"]!.GetValue<string>() == nodeId)!["output"];

    /// <summary>The workflow's audit entries of one action, oldest first.</summary>
    public static async Task<List<JsonObject>> AuditAsync(HttpClient client, Guid workflowId, string action)
    {
        var page = await client.GetFromJsonAsync<JsonObject>($"/api/audit?action={action}&target=workflow:{workflowId}&limit=100");
        return page!["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
    }
}
