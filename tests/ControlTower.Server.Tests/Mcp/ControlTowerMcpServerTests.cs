using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.McpHost;
using ControlTower.Server.Tests.Governance;
using ControlTower.Server.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Mcp;

/// <summary>Control Tower as an MCP server: published workflows are tools, over Streamable HTTP at /mcp and over stdio.</summary>
public sealed class ControlTowerMcpServerTests : IDisposable
{
    private readonly ControlTowerFactory _factory = new(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" });

    public void Dispose() => _factory.Dispose();

    internal static JsonObject PublishedGraph(string toolName = "double_it") => Graph(
        [
            Node("start", "trigger.mcp", new()
            {
                ["toolName"] = toolName,
                ["description"] = "Doubles an amount.",
                ["inputSchema"] = JsonNode.Parse("""{"type":"object","required":["amount"],"properties":{"amount":{"type":"number"}}}"""),
            }),
            Node("double", "transform", new() { ["expression"] = "{'doubled': input.amount * 2}" }),
            Node("reply", "respond", new() { ["body"] = "nodes.double.output" }),
        ],
        [Edge("start", "double"), Edge("double", "reply")]);

    private async Task<McpClient> ConnectAsync(string apiKey)
    {
        var http = _factory.CreateClient(apiKey);
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(http.BaseAddress!, McpHttpEndpoint.Path), TransportMode = HttpTransportMode.StreamableHttp },
            http,
            ownsHttpClient: true);
        return await McpClient.CreateAsync(transport);
    }

    [Fact]
    public async Task CallTool_WhenWorkflowIsPublished_RunsItAndReturnsItsOutputWithProgress()
    {
        await CreateWorkflowAsync(_factory.CreateAdminClient(), PublishedGraph(), "doubler");
        await using var client = await ConnectAsync(ControlTowerFactory.AdminKey);
        var progress = new ProgressLog();
        // The SDK drops a progress notification it dispatches after the call's result (its per-call handler is gone by then),
        // and a run whose nodes commit together reports them just before its result: listen for the whole session instead.
        await using var listening = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
        {
            progress.Report(notification.Params.Deserialize<ProgressNotificationParams>(McpJsonUtilities.DefaultOptions)!.Progress);
            return ValueTask.CompletedTask;
        });

        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("double_it", new Dictionary<string, object?> { ["amount"] = 21 }, new Progress<ProgressNotificationValue>());

        var tool = Assert.Single(tools, t => t.Name == "double_it");
        Assert.Equal("Doubles an amount.", tool.Description);
        Assert.Equal("number", tool.JsonSchema.GetProperty("properties").GetProperty("amount").GetProperty("type").GetString());
        Assert.NotEqual(true, result.IsError);
        var output = JsonNode.Parse(Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text)!;
        Assert.Equal(42, output["body"]!["doubled"]!.GetValue<int>());
        await progress.WaitForAnyAsync(TimeSpan.FromSeconds(10));
        Assert.NotEmpty(progress.Values);
        Assert.All(progress.Values, v => Assert.InRange(v.Progress, 1, 3));
        Assert.All(progress.Values, v => Assert.Equal(3, v.Total));
        var runs = await _factory.CreateAdminClient().GetFromJsonAsync<JsonObject>("/api/runs");
        Assert.Equal("mcp", Assert.Single(runs!["items"]!.AsArray())!["trigger"]!.GetValue<string>());
    }

    [Fact]
    public async Task CallTool_WhenArgumentsBreakTheInputSchema_IsAnErrorResultAndStartsNoRun()
    {
        await CreateWorkflowAsync(_factory.CreateAdminClient(), PublishedGraph(), "doubler");
        await using var client = await ConnectAsync(ControlTowerFactory.AdminKey);

        var result = await client.CallToolAsync("double_it", new Dictionary<string, object?> { ["amount"] = "lots" });

        Assert.True(result.IsError);
        var runs = await _factory.CreateAdminClient().GetFromJsonAsync<JsonObject>("/api/runs");
        Assert.Empty(runs!["items"]!.AsArray());
    }

    [Fact]
    public async Task ListTools_WhenViewerOrApprover_ShowsWhatTheRoleMayUse()
    {
        await CreateWorkflowAsync(_factory.CreateAdminClient(), PublishedGraph(), "doubler");
        var (_, viewerKey, _) = await _factory.CreateUserClientAsync("vera", "viewer");
        var (_, approverKey, _) = await _factory.CreateUserClientAsync("april", "approver");
        await using var viewer = await ConnectAsync(viewerKey);
        await using var approver = await ConnectAsync(approverKey);

        var viewerTools = (await viewer.ListToolsAsync()).Select(t => t.Name).ToArray();
        var approverTools = (await approver.ListToolsAsync()).Select(t => t.Name).ToArray();
        var refused = await viewer.CallToolAsync("double_it", new Dictionary<string, object?> { ["amount"] = 1 });
        var resources = await approver.ListResourcesAsync();

        Assert.Equal(["double_it"], viewerTools);
        Assert.Contains(ControlTowerMcpServer.ResolveToolName, approverTools);
        Assert.True(refused.IsError);
        Assert.Empty(resources);
    }

    [Fact]
    public async Task ResolveTool_WhenNodeIsNotWaitingOnAnUnknownOutcome_RefusesAndChangesNothing()
    {
        var admin = _factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph([Node("start", "trigger.manual"), Node("reply", "respond", new() { ["body"] = "1" })], [Edge("start", "reply")]));
        var runId = await StartAsync(admin, workflow);
        await WaitForStatusAsync(admin, runId, "completed");
        var (_, approverKey, _) = await _factory.CreateUserClientAsync("april", "approver");
        await using var approver = await ConnectAsync(approverKey);

        var result = await approver.CallToolAsync(ControlTowerMcpServer.ResolveToolName, new Dictionary<string, object?>
        {
            ["runId"] = runId.ToString(),
            ["nodeId"] = "reply",
            ["action"] = "fail",
        });

        Assert.True(result.IsError);
        Assert.Contains("not waiting on an unknown outcome", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
        Assert.Equal("completed", (await GetRunAsync(admin, runId)).Status());
    }

    [Fact]
    public async Task DecideApprovalTool_WhenApproverDecidesAPendingApproval_RunCompletes()
    {
        var admin = _factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, GovernanceApi.ApprovalGraph(new()
        {
            ["title"] = "Refund {{ input.amount }}?",
            ["instructions"] = "Check the invoice.",
            ["approvers"] = new JsonObject { ["roles"] = new JsonArray("approver") },
            ["expiresAfterSeconds"] = 3600,
        }));
        var runId = await StartAsync(admin, workflow, new JsonObject { ["amount"] = 30 });
        var pending = await GovernanceApi.WaitForApprovalAsync(admin, runId);
        var (_, approverKey, _) = await _factory.CreateUserClientAsync("april", "approver");
        await using var approver = await ConnectAsync(approverKey);
        var uri = PendingApprovals.UriOf(pending.Id());

        var resources = await approver.ListResourcesAsync();
        var read = await approver.ReadResourceAsync(uri);
        var result = await approver.CallToolAsync(ControlTowerMcpServer.DecideToolName, new Dictionary<string, object?>
        {
            ["approvalId"] = pending.Id().ToString(),
            ["decision"] = "approve",
            ["comment"] = "invoice checked",
        });

        Assert.Contains(resources, r => r.Uri == uri && r.Title == "Refund 30?");
        var approval = JsonNode.Parse(Assert.IsType<ModelContextProtocol.Protocol.TextResourceContents>(Assert.Single(read.Contents)).Text)!;
        Assert.Equal("Check the invoice.", approval["instructions"]!.GetValue<string>());
        Assert.Equal(30, approval["evidence"]!["amount"]!.GetValue<int>());
        Assert.Equal(["approver"], approval["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.NotNull(approval["expiresAt"]);
        Assert.Empty(approval["decisions"]!.AsArray());
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("approved", JsonNode.Parse(Text(result))!["status"]!.GetValue<string>());
        Assert.Equal("completed", (await WaitForStatusAsync(admin, runId, "completed", "failed")).Status());
        Assert.DoesNotContain(await approver.ListResourcesAsync(), r => r.Uri == uri);
        var decided = JsonNode.Parse(Assert.IsType<ModelContextProtocol.Protocol.TextResourceContents>(Assert.Single((await approver.ReadResourceAsync(uri)).Contents)).Text)!;
        Assert.Equal("april", Assert.Single(decided["decisions"]!.AsArray())!["decidedBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task DecideApprovalTool_WhenApprovalIsClosed_IsAnErrorWithTheStableCode()
    {
        var admin = _factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, GovernanceApi.ApprovalGraph(new() { ["title"] = "go?" }));
        var runId = await StartAsync(admin, workflow);
        var pending = await GovernanceApi.WaitForApprovalAsync(admin, runId);
        var (approverHttp, approverKey, _) = await _factory.CreateUserClientAsync("april", "approver");
        using var rejected = await GovernanceApi.DecideAsync(approverHttp, pending.Id(), "reject", comment: "not this one");
        var (_, secondKey, _) = await _factory.CreateUserClientAsync("bruno", "approver");
        await using var second = await ConnectAsync(secondKey);

        var result = await second.CallToolAsync(ControlTowerMcpServer.DecideToolName, new Dictionary<string, object?>
        {
            ["approvalId"] = pending.Id().ToString(),
            ["decision"] = "approve",
        });

        Assert.Equal(HttpStatusCode.Created, rejected.StatusCode);
        Assert.True(result.IsError);
        Assert.Contains("(approval.closed)", Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecideApprovalTool_WhenCallerIsTheRunsInitiator_IsAnErrorWithTheSelfApprovalCode()
    {
        var admin = _factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, GovernanceApi.ApprovalGraph(new() { ["title"] = "go?" }));
        var runId = await StartAsync(admin, workflow);
        var pending = await GovernanceApi.WaitForApprovalAsync(admin, runId);
        await using var initiator = await ConnectAsync(ControlTowerFactory.AdminKey);

        var result = await initiator.CallToolAsync(ControlTowerMcpServer.DecideToolName, new Dictionary<string, object?>
        {
            ["approvalId"] = pending.Id().ToString(),
            ["decision"] = "approve",
        });

        Assert.True(result.IsError);
        Assert.Contains("(approval.self_approval)", Text(result), StringComparison.Ordinal);
        Assert.Equal("waiting", (await GetRunAsync(admin, runId)).Status());
    }

    [Fact]
    public async Task DecideApprovalTool_WhenCallerIsAViewer_IsNotListedAndNotCallable()
    {
        var admin = _factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, GovernanceApi.ApprovalGraph(new() { ["title"] = "go?" }));
        var runId = await StartAsync(admin, workflow);
        var pending = await GovernanceApi.WaitForApprovalAsync(admin, runId);
        var (_, viewerKey, _) = await _factory.CreateUserClientAsync("vera", "viewer");
        await using var viewer = await ConnectAsync(viewerKey);

        var tools = await viewer.ListToolsAsync();
        var resources = await viewer.ListResourcesAsync();
        var call = await Assert.ThrowsAsync<McpProtocolException>(() => viewer.CallToolAsync(ControlTowerMcpServer.DecideToolName, new Dictionary<string, object?>
        {
            ["approvalId"] = pending.Id().ToString(),
            ["decision"] = "approve",
        }).AsTask());

        Assert.DoesNotContain(tools, t => t.Name == ControlTowerMcpServer.DecideToolName);
        Assert.Contains(resources, r => r.Uri == PendingApprovals.UriOf(pending.Id()));
        Assert.Contains("Unknown tool", call.Message, StringComparison.Ordinal);
        Assert.Equal("waiting", (await GetRunAsync(admin, runId)).Status());
    }

    [Fact]
    public async Task Post_WhenNoApiKey_Is401ProblemWithResourceMetadataChallenge()
    {
        using var anonymous = _factory.CreateClient(apiKey: null);
        using var wrongKey = _factory.CreateClient("ct_not-a-real-key-0123456789");

        using var response = await anonymous.PostAsync(McpHttpEndpoint.Path, JsonContent.Create(new { jsonrpc = "2.0", id = 1, method = "tools/list" }));
        using var rejected = await wrongKey.PostAsync(McpHttpEndpoint.Path, JsonContent.Create(new { jsonrpc = "2.0", id = 1, method = "tools/list" }));
        var metadata = await anonymous.GetFromJsonAsync<JsonObject>(McpHttpEndpoint.MetadataPath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal($"resource_metadata=\"http://localhost{McpHttpEndpoint.MetadataPath}\"", challenge.Parameter);
        Assert.Equal("http://localhost/mcp", metadata!["resource"]!.GetValue<string>());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("auth.required", (await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Session_WhenDemoModeWithoutKey_ActsAsTheDemoAdmin()
    {
        using var demo = new ControlTowerFactory(new Dictionary<string, string?> { ["ENVIRONMENT"] = "demo" });
        var anonymous = demo.CreateClient(apiKey: null);
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(anonymous.BaseAddress!, McpHttpEndpoint.Path), TransportMode = HttpTransportMode.StreamableHttp },
            anonymous,
            ownsHttpClient: true), new McpClientOptions { ProtocolVersion = ControlTowerMcpFeatureTests.SessionProtocolVersion });

        var tools = await client.ListToolsAsync();

        // Deciding approvals is offered to admins and approvers only: the anonymous caller is the demo admin.
        Assert.Contains(tools, t => t.Name == ControlTowerMcpServer.DecideToolName);
        Assert.NotNull(client.SessionId);
    }

    [Theory]
    [InlineData("http://evil.example.com", HttpStatusCode.Forbidden)]
    [InlineData("http://localhost:5173", HttpStatusCode.OK)]
    public async Task Initialize_WhenBrowserOriginIsForeign_IsRefusedBeforeTheMcpHandler(string origin, HttpStatusCode expected)
    {
        using var client = _factory.CreateAdminClient();
        using var request = InitializeRequest();
        request.Headers.Add("Origin", origin);

        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.OK, response.Headers.Contains("Mcp-Session-Id"));
    }

    [Fact]
    public async Task Session_WhenUsedWithAnotherUsersKey_IsRefused()
    {
        using var admin = _factory.CreateAdminClient();
        var (other, _, _) = await _factory.CreateUserClientAsync("olga", "operator");
        using var opened = await admin.SendAsync(InitializeRequest());
        var sessionId = Assert.Single(opened.Headers.GetValues("Mcp-Session-Id"));
        using var list = new HttpRequestMessage(HttpMethod.Post, McpHttpEndpoint.Path)
        {
            Content = JsonContent.Create(new { jsonrpc = "2.0", id = 2, method = "tools/list" }),
        };
        list.Headers.Accept.ParseAdd("application/json");
        list.Headers.Accept.ParseAdd("text/event-stream");
        list.Headers.Add("Mcp-Session-Id", sessionId);
        list.Headers.Add("MCP-Protocol-Version", "2025-11-25");

        using var hijack = await other.SendAsync(list);

        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, hijack.StatusCode);
    }

    [Fact]
    public async Task Session_EventsCarryIdsAndTheStreamResumesFromOne()
    {
        using var admin = _factory.CreateAdminClient();
        using var opened = await admin.SendAsync(InitializeRequest());
        var sessionId = Assert.Single(opened.Headers.GetValues("Mcp-Session-Id"));
        var eventIds = (await opened.Content.ReadAsStringAsync()).Split('\n')
            .Where(line => line.StartsWith("id:", StringComparison.Ordinal)).Select(line => line["id:".Length..].Trim()).ToList();
        using var resume = new HttpRequestMessage(HttpMethod.Get, McpHttpEndpoint.Path);
        resume.Headers.Accept.ParseAdd("text/event-stream");
        resume.Headers.Add("Mcp-Session-Id", sessionId);
        resume.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        resume.Headers.Add("Last-Event-ID", eventIds.LastOrDefault() ?? "");

        using var resumed = await admin.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal("text/event-stream", opened.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(eventIds);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("text/event-stream", resumed.Content.Headers.ContentType?.MediaType);
    }

    internal static HttpRequestMessage InitializeRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, McpHttpEndpoint.Path)
        {
            Content = JsonContent.Create(new
            {
                jsonrpc = "2.0",
                id = 1,
                method = "initialize",
                @params = new { protocolVersion = "2025-11-25", capabilities = new { }, clientInfo = new { name = "test", version = "1.0" } },
            }),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return request;
    }

    [Fact]
    public async Task Stdio_WhenStartedAsCommand_ListsAndCallsPublishedWorkflows()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("controltower-mcp-stdio-").FullName;
        try
        {
            var settings = new Dictionary<string, string?> { ["DATA_DIR"] = dataDirectory };
            using (var setup = new ControlTowerFactory(settings))
            {
                await CreateWorkflowAsync(setup.CreateAdminClient(), PublishedGraph("double_it"), "doubler");
            }

            var transport = new StdioClientTransport(new StdioClientTransportOptions
            {
                Command = "dotnet",
                Arguments = [ControlTowerProcess.AssemblyPath, "mcp"],
                WorkingDirectory = AppContext.BaseDirectory,
                ShutdownTimeout = TimeSpan.FromSeconds(5),
                EnvironmentVariables = new Dictionary<string, string?>
                {
                    ["ENVIRONMENT"] = "development",
                    ["DATA_DIR"] = dataDirectory,
                    ["ADMIN_API_KEY"] = ControlTowerFactory.AdminKey,
                    [McpStdioCommand.ApiKeyVariable] = ControlTowerFactory.AdminKey,
                    ["ENGINE_POLL_MILLISECONDS"] = "50",
                    ["Logging__LogLevel__Default"] = "Warning",
                },
            });
            await using (var client = await McpClient.CreateAsync(transport))
            {
                var tools = await client.ListToolsAsync();
                var result = await client.CallToolAsync("double_it", new Dictionary<string, object?> { ["amount"] = 5 });

                Assert.Contains(tools, t => t.Name == "double_it");
                Assert.NotEqual(true, result.IsError);
                var text = Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text;
                Assert.Equal(10, JsonNode.Parse(text)!["body"]!["doubled"]!.GetValue<int>());
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static string Text(ModelContextProtocol.Protocol.CallToolResult result) =>
        Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text;

    private sealed class ProgressLog : IProgress<ProgressNotificationValue>
    {
        private readonly Lock _gate = new();
        private readonly List<ProgressNotificationValue> _values = [];
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Waits for the first notification, or the timeout (the assertion that follows tells which).</summary>
        public Task WaitForAnyAsync(TimeSpan timeout) => Task.WhenAny(_first.Task, Task.Delay(timeout));

        public IReadOnlyList<ProgressNotificationValue> Values
        {
            get
            {
                lock (_gate)
                {
                    return [.. _values];
                }
            }
        }

        public void Report(ProgressNotificationValue value)
        {
            lock (_gate)
            {
                _values.Add(value);
            }

            _first.TrySetResult();
        }
    }
}
