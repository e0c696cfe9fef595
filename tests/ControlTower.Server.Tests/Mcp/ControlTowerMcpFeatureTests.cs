using System.Collections.Concurrent;
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

/// <summary>
/// Control Tower's MCP server beyond tools: prompts, completions, logging and resource subscriptions, over /mcp
/// sessions (protocol 2025-11-25, the initialize handshake; the SDK client otherwise speaks the stateless 2026-07-28,
/// which has neither logging nor resources/subscribe).
/// </summary>
public sealed class ControlTowerMcpFeatureTests : IDisposable
{
    internal const string SessionProtocolVersion = "2025-11-25";
    private static readonly TimeSpan NotificationTimeout = TimeSpan.FromSeconds(20);
    private readonly ControlTowerFactory _factory = new(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" });

    public void Dispose() => _factory.Dispose();

    private static JsonObject RoutingGraph() => Graph(
        [
            Node("start", "trigger.mcp", new()
            {
                ["toolName"] = "route_order",
                ["description"] = "Routes an order to a region.",
                ["inputSchema"] = JsonNode.Parse("""
                    {"type":"object","required":["region"],"properties":{
                      "region":{"type":"string","enum":["north","south","west"],"description":"Where the order goes."},
                      "customer":{"type":"string"},
                      "express":{"type":"boolean"}}}
                    """),
            }),
            Node("reply", "respond", new() { ["body"] = "input.region" }),
        ],
        [Edge("start", "reply")]);

    private async Task<McpClient> ConnectAsync(string apiKey)
    {
        var http = _factory.CreateClient(apiKey);
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(http.BaseAddress!, McpHttpEndpoint.Path), TransportMode = HttpTransportMode.StreamableHttp },
            http,
            ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = SessionProtocolVersion });
    }

    [Fact]
    public async Task Prompts_WhenWorkflowIsPublished_ListItWithItsArgumentsAndFillThemTyped()
    {
        await CreateWorkflowAsync(_factory.CreateAdminClient(), ControlTowerMcpServerTests.PublishedGraph(), "doubler");
        await using var client = await ConnectAsync(ControlTowerFactory.AdminKey);

        var prompts = await client.ListPromptsAsync();
        var prompt = await client.GetPromptAsync("double_it", new Dictionary<string, object?> { ["amount"] = "21" });
        var missing = await Assert.ThrowsAsync<McpProtocolException>(() => client.GetPromptAsync("double_it").AsTask());

        var listed = Assert.Single(prompts, p => p.Name == "double_it");
        Assert.Equal("Doubles an amount.", listed.Description);
        var argument = Assert.Single(listed.ProtocolPrompt.Arguments!);
        Assert.Equal(("amount", true), (argument.Name, argument.Required));
        var text = Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text;
        Assert.Contains("""{"amount":21}""", text, StringComparison.Ordinal);
        Assert.Contains("'double_it'", text, StringComparison.Ordinal);
        Assert.Equal(McpErrorCode.InvalidParams, missing.ErrorCode);
    }

    [Fact]
    public async Task Complete_WhenArgumentHasEnumAndRecentRuns_SuggestsWhatMatchesThePrefix()
    {
        await CreateWorkflowAsync(_factory.CreateAdminClient(), RoutingGraph(), "router");
        await using var client = await ConnectAsync(ControlTowerFactory.AdminKey);
        var prompt = new PromptReference { Name = "route_order" };
        var called = await client.CallToolAsync("route_order", new Dictionary<string, object?> { ["region"] = "north", ["customer"] = "acme" });

        var regions = await client.CompleteAsync(prompt, "region", "");
        var south = await client.CompleteAsync(prompt, "region", "SO");
        var customers = await client.CompleteAsync(prompt, "customer", "a");
        var express = await client.CompleteAsync(prompt, "express", "t");
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => client.CompleteAsync(new PromptReference { Name = "nope" }, "x", "").AsTask());

        Assert.NotEqual(true, called.IsError);
        Assert.Equal(["north", "south", "west"], regions.Completion.Values);
        Assert.Equal(["south"], south.Completion.Values);
        Assert.Equal(["acme"], customers.Completion.Values);
        Assert.Equal(["true"], express.Completion.Values);
        Assert.Equal(McpErrorCode.InvalidParams, unknown.ErrorCode);
    }

    // MCP9005: logging is deprecated from the 2026-07-28 revision on; sessions (2025-11-25) still have it.
#pragma warning disable MCP9005
    [Fact]
    public async Task Logging_WhenTheClientSetsALevel_AToolCallReportsItsNodesAndEnd()
    {
        await CreateWorkflowAsync(_factory.CreateAdminClient(), ControlTowerMcpServerTests.PublishedGraph(), "doubler");
        await using var client = await ConnectAsync(ControlTowerFactory.AdminKey);
        var messages = new ConcurrentQueue<LoggingMessageNotificationParams>();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listening = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (notification, _) =>
        {
            var message = notification.Params.Deserialize<LoggingMessageNotificationParams>(McpJsonUtilities.DefaultOptions)!;
            messages.Enqueue(message);

            // Log notifications are sent without waiting for one another, so the node's may arrive after the run's end.
            if (messages.Any(m => m.Data.ToString().Contains("ended completed", StringComparison.Ordinal))
                && messages.Any(m => m.Data.ToString().Contains("node double succeeded", StringComparison.Ordinal)))
            {
                ended.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });

        await client.SetLoggingLevelAsync(LoggingLevel.Info);
        var result = await client.CallToolAsync("double_it", new Dictionary<string, object?> { ["amount"] = 4 });
        await ended.Task.WaitAsync(NotificationTimeout);

        Assert.NotEqual(true, result.IsError);
        Assert.All(messages, m => Assert.Equal(McpClientLog.Category, m.Logger));
        Assert.Contains(messages, m => m.Level == LoggingLevel.Info && m.Data.ToString().Contains("node double succeeded", StringComparison.Ordinal));
    }

#pragma warning restore MCP9005

    [Fact]
    public async Task Subscribe_WhenTheApprovalIsDecided_NotifiesForTheApprovalAndItsRun()
    {
        var admin = _factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, GovernanceApi.ApprovalGraph(new()
        {
            ["title"] = "Ship it?",
            ["approvers"] = new JsonObject { ["roles"] = new JsonArray("approver") },
        }));
        var runId = await StartAsync(admin, workflow);
        var pending = await GovernanceApi.WaitForApprovalAsync(admin, runId);
        var (approverHttp, approverKey, _) = await _factory.CreateUserClientAsync("april", "approver");
        await using var approver = await ConnectAsync(approverKey);
        var approvalUri = PendingApprovals.UriOf(pending.Id());
        var runUri = WaitingRuns.UriOf(runId);
        var approvalChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var templates = await approver.ListResourceTemplatesAsync();
        var ids = await approver.CompleteAsync(new ResourceTemplateReference { Uri = PendingApprovals.UriPrefix + "{id}" }, "id", "");
        await approver.SubscribeToResourceAsync(approvalUri, (_, _) => Done(approvalChanged));
        await approver.SubscribeToResourceAsync(runUri, (_, _) => Done(runChanged));
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => approver.SubscribeToResourceAsync("controltower://runs/" + Guid.NewGuid()));
        using var decided = await GovernanceApi.DecideAsync(approverHttp, pending.Id(), "approve");
        await Task.WhenAll(approvalChanged.Task, runChanged.Task).WaitAsync(NotificationTimeout);

        Assert.Equal(2, templates.Count);
        Assert.Contains(pending.Id().ToString("D"), ids.Completion.Values);
        Assert.Equal(McpErrorCode.ResourceNotFound, unknown.ErrorCode);
        Assert.True(decided.IsSuccessStatusCode);
    }

    private static ValueTask Done(TaskCompletionSource source)
    {
        source.TrySetResult();
        return ValueTask.CompletedTask;
    }
}
