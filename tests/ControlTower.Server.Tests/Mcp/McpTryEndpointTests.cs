using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Mcp;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Mcp;

/// <summary>"Test connection" and "try it" on the MCP page, against the real server-everything.</summary>
public sealed class McpTryEndpointTests : IDisposable
{
    private readonly ControlTowerFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Test_WhenTheServerStarts_ReportsItsToolsAndWhenItCannot_SaysWhy()
    {
        var admin = _factory.CreateAdminClient();
        await McpApi.RegisterAsync(admin, McpApi.StdioEverything());
        await McpApi.RegisterAsync(admin, new { id = "broken", name = "broken", transport = "stdio", command = "node", args = new[] { "/nonexistent/server.js" } });

        var ok = await PostAsync<JsonObject>(admin, "/api/mcp/servers/everything/test");
        var broken = await PostAsync<JsonObject>(admin, "/api/mcp/servers/broken/test");

        Assert.True(ok["ok"]!.GetValue<bool>(), ok.ToJsonString());
        Assert.True(ok["tools"]!.GetValue<int>() > 5);
        Assert.False(broken["ok"]!.GetValue<bool>());
        Assert.Contains("Cannot find module", broken["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Try_WhenTheToolIsReadOnly_CallsItAndAuditsTheArgumentNamesOnly()
    {
        var admin = _factory.CreateAdminClient();
        await McpApi.RegisterAsync(admin, McpApi.StdioEverything());

        var result = await PostAsync<JsonObject>(admin, "/api/mcp/servers/everything/tools/echo/try", new { arguments = new { message = "a-secret-looking-value" } });

        Assert.False(result["isError"]!.GetValue<bool>());
        Assert.Equal("Echo: a-secret-looking-value", result["output"]!["content"]![0]!["text"]!.GetValue<string>());
        var audit = await CredentialApi.AuditAsync(admin, "mcp.tool_tried");
        var entry = Assert.Single(audit);
        Assert.Equal("[\"message\"]", entry.GetProperty("data").GetProperty("arguments").GetRawText());
        Assert.DoesNotContain("a-secret-looking-value", entry.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("toggle-subscriber-updates", HttpStatusCode.BadRequest, McpErrorCodes.TryNotReadOnly)]
    [InlineData("no-such-tool", HttpStatusCode.NotFound, McpErrorCodes.ToolNotFound)]
    public async Task Try_WhenTheToolMayChangeSomethingOrIsUnknown_IsRefusedWithItsCode(string tool, HttpStatusCode status, string code)
    {
        var admin = _factory.CreateAdminClient();
        await McpApi.RegisterAsync(admin, McpApi.StdioEverything());

        using var response = await admin.PostAsJsonAsync($"/api/mcp/servers/everything/tools/{tool}/try", new { arguments = new { } });

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, await McpApi.CodeAsync(response));
    }

    [Fact]
    public async Task Try_WhenCalledByAViewer_IsForbidden()
    {
        await McpApi.RegisterAsync(_factory.CreateAdminClient(), McpApi.StdioEverything());
        var (viewer, _, _) = await _factory.CreateUserClientAsync("vera", "viewer");

        using var response = await viewer.PostAsJsonAsync("/api/mcp/servers/everything/tools/echo/try", new { arguments = new { message = "x" } });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static async Task<T> PostAsync<T>(HttpClient client, string path, object? body = null)
    {
        using var response = await client.PostAsJsonAsync(path, body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {text}");
        return System.Text.Json.JsonSerializer.Deserialize<T>(text)!;
    }
}
