using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Mcp;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Mcp;

public sealed class McpServerApiTests : IDisposable
{
    private const string HeaderSecret = "hdr-secret-7c1e55d0a2";
    private const string EnvSecret = "env-secret-91b3f07c4e";
    private readonly ControlTowerFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static object HttpServer(string id, string? headerValue = HeaderSecret) => new
    {
        id,
        name = "remote",
        transport = "streamable_http",
        url = "http://127.0.0.1:9/mcp",
        headers = new Dictionary<string, string?> { ["X-Tenant-Token"] = headerValue },
    };

    [Fact]
    public async Task Register_WhenHttpServerHasHeaders_ShowsHeaderNamesNeverValues()
    {
        var (operatorClient, _, _) = await _factory.CreateUserClientAsync("olga", "operator");

        var created = await McpApi.RegisterAsync(operatorClient, HttpServer("remote"));
        var listed = await operatorClient.GetStringAsync("/api/mcp/servers");
        var one = await operatorClient.GetStringAsync("/api/mcp/servers/remote");
        var audit = await CredentialApi.AuditAsync(_factory.CreateAdminClient(), "mcp.server_registered");

        Assert.Equal(["X-Tenant-Token"], created["headerNames"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("streamable_http", created["transport"]!.GetValue<string>());
        Assert.DoesNotContain(HeaderSecret, created.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(HeaderSecret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(HeaderSecret, one, StringComparison.Ordinal);
        var entry = Assert.Single(audit);
        Assert.Equal("mcp_server:remote", entry.GetProperty("target").GetString());
        Assert.DoesNotContain(HeaderSecret, entry.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HeaderSecret, Registry().Require("remote").Headers["X-Tenant-Token"]);
    }

    [Fact]
    public async Task Register_WhenOperatorAddsStdioServer_IsForbiddenButAdminMay()
    {
        var (operatorClient, _, _) = await _factory.CreateUserClientAsync("olga", "operator");
        var (viewer, _, _) = await _factory.CreateUserClientAsync("vic", "viewer");

        using var byOperator = await operatorClient.PostAsJsonAsync("/api/mcp/servers", McpApi.StdioEverything());
        using var byViewer = await viewer.PostAsJsonAsync("/api/mcp/servers", HttpServer("remote"));
        var byAdmin = await McpApi.RegisterAsync(_factory.CreateAdminClient(), McpApi.StdioEverything(env: new Dictionary<string, string> { ["TOKEN"] = EnvSecret }));
        using var operatorDisables = await operatorClient.PostAsync("/api/mcp/servers/everything/disable", null);

        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.Equal(McpErrorCodes.StdioAdminOnly, await McpApi.CodeAsync(byOperator));
        Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        Assert.Equal(["TOKEN"], byAdmin["envNames"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.DoesNotContain(EnvSecret, byAdmin.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, operatorDisables.StatusCode);
        Assert.True(Registry().Require("everything").Enabled);
    }

    [Fact]
    public async Task Update_WhenHeaderValueIsNull_KeepsTheStoredSecret()
    {
        var admin = _factory.CreateAdminClient();
        await McpApi.RegisterAsync(admin, HttpServer("remote"));

        using var response = await admin.PutAsJsonAsync("/api/mcp/servers/remote", new
        {
            name = "renamed",
            transport = "streamable_http",
            url = "http://127.0.0.1:9/mcp",
            headers = new Dictionary<string, string?> { ["X-Tenant-Token"] = null },
            callTimeoutMs = 5000,
        });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(HeaderSecret, body, StringComparison.Ordinal);
        var definition = Registry().Require("remote");
        Assert.Equal("renamed", definition.Name);
        Assert.Equal(HeaderSecret, definition.Headers["X-Tenant-Token"]);
        Assert.Equal(TimeSpan.FromSeconds(5), definition.Limits.CallTimeout);
        Assert.Single(await CredentialApi.AuditAsync(admin, "mcp.server_updated"));
    }

    [Fact]
    public async Task DisableEnableDelete_WhenAdmin_UpdatesTheCacheAndAuditsEachChange()
    {
        var admin = _factory.CreateAdminClient();
        await McpApi.RegisterAsync(admin, HttpServer("remote"));

        (await admin.PostAsJsonAsync("/api/mcp/servers/remote/disable", new { reason = "maintenance" })).EnsureSuccessStatusCode();
        var disabled = Registry().Require("remote").Enabled;
        (await admin.PostAsync("/api/mcp/servers/remote/enable", null)).EnsureSuccessStatusCode();
        var enabled = Registry().Require("remote").Enabled;
        using var deleted = await admin.DeleteAsync("/api/mcp/servers/remote");
        using var afterDelete = await admin.GetAsync("/api/mcp/servers/remote");

        Assert.False(disabled);
        Assert.True(enabled);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, afterDelete.StatusCode);
        Assert.Null(Registry().Get("remote"));
        foreach (var action in new[] { "mcp.server_disabled", "mcp.server_enabled", "mcp.server_removed" })
        {
            Assert.Single(await CredentialApi.AuditAsync(admin, action));
        }
    }

    [Fact]
    public async Task Start_WhenServersWereRegisteredBefore_LoadsThemFromTheDatabase()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("controltower-mcp-restart-").FullName;
        try
        {
            var settings = new Dictionary<string, string?> { ["DATA_DIR"] = dataDirectory };
            using (var first = new ControlTowerFactory(settings))
            {
                await McpApi.RegisterAsync(first.CreateAdminClient(), HttpServer("remote"));
            }

            using var restarted = new ControlTowerFactory(settings);
            var servers = await restarted.CreateAdminClient().GetFromJsonAsync<JsonArray>("/api/mcp/servers");

            Assert.Equal("remote", Assert.Single(servers!)!["id"]!.GetValue<string>());
            Assert.Equal(HeaderSecret, restarted.Services.GetRequiredService<McpServerRegistry>().Require("remote").Headers["X-Tenant-Token"]);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Register_WhenDefinitionInvalid_Is400WithEveryProblem()
    {
        using var response = await _factory.CreateAdminClient().PostAsJsonAsync("/api/mcp/servers", new { id = "Bad Id", name = "", transport = "stdio" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(McpErrorCodes.DefinitionInvalid, await McpApi.CodeAsync(response));
    }

    [Fact]
    public async Task Catalogs_WhenEverythingIsRegistered_MergeToolsResourcesPromptsAndFillNodeTypes()
    {
        var admin = _factory.CreateAdminClient();
        await McpApi.RegisterAsync(admin, McpApi.StdioEverything());

        var tools = await admin.GetFromJsonAsync<JsonObject>("/api/mcp/tools");
        var resources = await admin.GetFromJsonAsync<JsonObject>("/api/mcp/resources");
        var prompts = await admin.GetFromJsonAsync<JsonObject>("/api/mcp/prompts");
        var nodeTypes = await admin.GetFromJsonAsync<JsonArray>("/api/node-types");
        var health = await admin.GetFromJsonAsync<JsonObject>("/api/mcp/servers/everything/health");

        var echo = Assert.Single(tools!["tools"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "everything/echo")!;
        Assert.Equal("string", echo["inputSchema"]!["properties"]!["message"]!["type"]!.GetValue<string>());
        Assert.Empty(tools["problems"]!.AsArray());
        Assert.NotEmpty(resources!["resources"]!.AsArray());
        Assert.All(resources["resources"]!.AsArray(), r => Assert.Equal("everything", r!["server"]!.GetValue<string>()));
        Assert.Contains(prompts!["prompts"]!.AsArray(), p => p!["name"]!.GetValue<string>().StartsWith("everything/", StringComparison.Ordinal));
        var mcpTool = nodeTypes!.Single(t => t!["type"]!.GetValue<string>() == "mcp.tool")!;
        var formTools = mcpTool["configSchema"]![McpNodeTypeSchema.ToolsKey]!.AsArray();
        Assert.Contains(formTools, t => t!["name"]!.GetValue<string>() == "everything/get-sum" && t["inputSchema"]!["required"] is JsonArray);
        Assert.All(nodeTypes!.Where(t => t!["type"]!.GetValue<string>() != "mcp.tool"), t => Assert.Null(t!["configSchema"]![McpNodeTypeSchema.ToolsKey]));
        Assert.Equal("everything", health!["serverId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tools_WhenAServerCannotConnect_ListsTheOthersAndReportsTheProblem()
    {
        var admin = _factory.CreateAdminClient();
        await McpApi.RegisterAsync(admin, HttpServer("down"));

        var tools = await admin.GetFromJsonAsync<JsonObject>("/api/mcp/tools");

        Assert.Empty(tools!["tools"]!.AsArray());
        var problem = Assert.Single(tools["problems"]!.AsArray())!;
        Assert.Equal("down", problem["serverId"]!.GetValue<string>());
        Assert.Equal(McpErrorCodes.TransportFailed, problem["code"]!.GetValue<string>());
    }

    private McpServerRegistry Registry() => _factory.Services.GetRequiredService<McpServerRegistry>();
}
