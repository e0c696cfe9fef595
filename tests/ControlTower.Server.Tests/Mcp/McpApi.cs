using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Server.Tests.Mcp;

/// <summary>Helpers over <c>/api/mcp</c> so tests read as scenarios.</summary>
internal static class McpApi
{
    public static object StdioEverything(string id = "everything", object? env = null) => new
    {
        id,
        name = "server-everything",
        transport = "stdio",
        command = "node",
        args = new[] { McpTestServers.Everything },
        env,
    };

    public static async Task<JsonObject> RegisterAsync(HttpClient client, object definition)
    {
        using var response = await client.PostAsJsonAsync("/api/mcp/servers", definition);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"{response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return body.Length == 0 ? null : JsonNode.Parse(body)?["code"]?.GetValue<string>();
    }
}
