using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Schemas;
using ControlTower.Server.Governance;
using ControlTower.Server.Identity;
using ControlTower.Server.Mcp;
using ControlTower.Server.Runs;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ControlTower.Server.McpHost;

/// <summary>Who a request acts as: the HTTP request's user, or the stdio host's API key.</summary>
internal delegate ValueTask<McpCaller> CallerSource(MessageContext request, CancellationToken cancellationToken);

/// <summary>
/// Control Tower as an MCP server (same behaviour over Streamable HTTP at <c>/mcp</c> and over stdio):
/// <list type="bullet">
/// <item>Tools: every published workflow (<see cref="PublishedWorkflows"/>). A call validates the arguments
/// against the tool's input schema, starts a run (trigger <c>mcp</c>) as the caller, sends
/// <c>notifications/progress</c> as nodes finish (when the request has a progress token) and returns the run
/// output as JSON text (and as <c>structuredContent</c> when it is an object); a failed run is an
/// <c>isError</c> result. Cancelling the request cancels the run. Calling needs a role that may run
/// workflows (admin, operator, service).</item>
/// <item>Tool <c>controltower.resolve_waiting_node</c> (admin and approver only): retry, skip or fail a node
/// whose outcome is unknown (<c>outcome_unknown</c>). Approval gates are not decided here: they go through
/// the approvals API or the tool below, whose rules this tool must not bypass.</item>
/// <item>Tool <c>controltower.decide_approval</c> (admin and approver only): one vote on an approval, through
/// the approvals service as the caller (its decider, self-approval and race rules apply); a refusal is an
/// <c>isError</c> result carrying the stable code, e.g. <c>(approval.closed)</c>.</item>
/// <item>Resources, for human roles: runs waiting for a person, <c>controltower://runs/{id}</c> (JSON of the run),
/// and pending approvals, <c>controltower://approvals/{id}</c> (JSON of the approval: title, instructions,
/// evidence, deciders, expiry, votes); both also as resource templates. A subscription to one of them sends
/// <c>notifications/resources/updated</c> when it changes (<see cref="ResourceSubscriptions"/>).</item>
/// <item>Prompts: one per published workflow, with its input's top-level properties as arguments, and completions for
/// them (<see cref="WorkflowPrompts"/>).</item>
/// <item>Logging: after <c>logging/setLevel</c>, a tool call reports its run's nodes and end as log notifications
/// (<see cref="McpClientLog"/>). Sampling and elicitation: none (workflows run unattended).</item>
/// </list>
/// </summary>
internal sealed class ControlTowerMcpServer(
    PublishedWorkflows published,
    RunStarter starter,
    RunService runs,
    RunEventNotifier notifier,
    WaitingRuns waiting,
    ApprovalService approvals,
    Workflows.WorkflowSharing sharing,
    WorkflowPrompts prompts,
    ResourceSubscriptions subscriptions,
    Blobs.PayloadBlobs blobs)
{
    public const string ReservedPrefix = "controltower.";
    public const string ResolveToolName = ReservedPrefix + "resolve_waiting_node";
    public const string DecideToolName = ReservedPrefix + "decide_approval";
    public const string ServerName = "controltower";
    private const string OutcomeUnknown = "outcome_unknown";

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private static readonly JsonElement ResolveSchema = JsonDocument.Parse("""
        { "type": "object", "additionalProperties": false, "required": ["runId", "nodeId", "action"], "properties": {
            "runId": { "type": "string", "description": "The waiting run." },
            "nodeId": { "type": "string", "description": "The node that waits for a person." },
            "action": { "type": "string", "enum": ["retry", "skip", "fail"] },
            "reason": { "type": "string" } } }
        """).RootElement.Clone();

    private static readonly JsonElement DecideSchema = JsonDocument.Parse("""
        { "type": "object", "additionalProperties": false, "required": ["approvalId", "decision"], "properties": {
            "approvalId": { "type": "string", "description": "The approval (see the resources controltower://approvals/{id})." },
            "decision": { "type": "string", "enum": ["approve", "reject"] },
            "comment": { "type": "string" },
            "idempotencyKey": { "type": "string", "description": "The same key again returns the first answer instead of voting twice." } } }
        """).RootElement.Clone();

    // The validator caches a compiled schema per node instance: parsed once here, so every call after the first is a cache hit.
    private static readonly JsonNode ResolveSchemaNode = JsonNode.Parse(ResolveSchema.GetRawText())!;
    private static readonly JsonNode DecideSchemaNode = JsonNode.Parse(DecideSchema.GetRawText())!;

    /// <summary>
    /// Server options for the stdio host, whose handlers act as the caller once <paramref name="caller"/> is known: it answers
    /// the handshake at once while the app still starts (a slow start must not outlast the client's probe).
    /// </summary>
    public McpServerOptions OptionsFor(Task<McpCaller> caller)
    {
        var options = new McpServerOptions();
        Configure(options, async (_, ct) => await caller.WaitAsync(ct));
        return options;
    }

    /// <summary>Fills <paramref name="options"/> (the HTTP host's, or the stdio host's) with Control Tower's handlers; each request acts as <paramref name="callerOf"/> says.</summary>
    public void Configure(McpServerOptions options, CallerSource callerOf)
    {
        options.ServerInfo = new Implementation { Name = ServerName, Version = typeof(ControlTowerMcpServer).Assembly.GetName().Version?.ToString() ?? "1.0.0" };
        options.ServerInstructions = "Control Tower: each tool runs a published workflow and returns its output, and each workflow is also a prompt; " +
            "resources are runs waiting for a person and pending approvals (subscribe to follow them); " + DecideToolName + " decides an approval.";
        // MCP9005: logging is deprecated from 2026-07-28 on; 2025-11-25 clients (today's hosts) still use it.
#pragma warning disable MCP9005
        options.Capabilities = new ServerCapabilities
        {
            Tools = new ToolsCapability(),
            Resources = new ResourcesCapability { Subscribe = true },
            Prompts = new PromptsCapability(),
            Completions = new CompletionsCapability(),
            Logging = new LoggingCapability(),
        };
        var handlers = options.Handlers;
        handlers.ListToolsHandler = async (request, ct) => await ListToolsAsync(await callerOf(request, ct), ct);
        handlers.CallToolHandler = async (request, ct) => await CallToolAsync(await callerOf(request, ct), request, ct);
        handlers.ListResourcesHandler = async (request, ct) => await ListResourcesAsync(await callerOf(request, ct), ct);
        handlers.ListResourceTemplatesHandler = (_, _) => ValueTask.FromResult(new ListResourceTemplatesResult { ResourceTemplates = ResourceTemplates });
        handlers.ReadResourceHandler = async (request, ct) => await ReadResourceAsync(await callerOf(request, ct), request.Params?.Uri, ct);
        handlers.SubscribeToResourcesHandler = async (request, ct) => await SubscribeAsync(await callerOf(request, ct), request, ct);
        handlers.UnsubscribeFromResourcesHandler = (request, _) =>
        {
            subscriptions.Unsubscribe(request.Server, request.Params?.Uri ?? "");
            return ValueTask.FromResult(new EmptyResult());
        };
        handlers.ListPromptsHandler = async (request, ct) => await prompts.ListAsync(ct);
        handlers.GetPromptHandler = async (request, ct) => await prompts.GetAsync(request.Params?.Name ?? "", request.Params?.Arguments, ct);
        handlers.CompleteHandler = async (request, ct) => await prompts.CompleteAsync(await callerOf(request, ct), request.Params, ct);
        // The SDK keeps the level (McpServer.LoggingLevel); the run log below is sent at or above it.
        handlers.SetLoggingLevelHandler = (_, _) => ValueTask.FromResult(new EmptyResult());
#pragma warning restore MCP9005
    }

    private static IList<ResourceTemplate> ResourceTemplates { get; } =
    [
        new() { UriTemplate = WaitingRuns.UriPrefix + "{id}", Name = "run", Title = "A run", Description = "A run by id (JSON of the run).", MimeType = "application/json" },
        new() { UriTemplate = PendingApprovals.UriPrefix + "{id}", Name = "approval", Title = "An approval", Description = "An approval by id (JSON of the approval).", MimeType = "application/json" },
    ];

    private async ValueTask<ListToolsResult> ListToolsAsync(McpCaller caller, CancellationToken cancellationToken)
    {
        var tools = (await published.ListAsync(cancellationToken)).Select(t => new Tool
        {
            Name = t.ToolName,
            Title = t.WorkflowName,
            Description = t.Description ?? $"Runs the workflow '{t.WorkflowName}' and returns its output.",
            InputSchema = JsonSerializer.SerializeToElement(t.InputSchema),
        }).ToList();
        if (CanResolve(caller))
        {
            tools.Add(new Tool
            {
                Name = ResolveToolName,
                Description = "Decides a node whose outcome is unknown (outcome_unknown): retry it, skip it (success without output) or fail it. Approvals are decided with " + DecideToolName + ".",
                InputSchema = ResolveSchema,
            });
            tools.Add(new Tool
            {
                Name = DecideToolName,
                Description = "Approves or rejects a pending approval as you (your vote counts towards its required approvals or rejections) and returns its status.",
                InputSchema = DecideSchema,
            });
        }

        return new ListToolsResult { Tools = tools };
    }

    private async ValueTask<CallToolResult> CallToolAsync(McpCaller caller, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var name = request.Params?.Name ?? "";
        var arguments = ToObject(request.Params?.Arguments);
        if (name == ResolveToolName && CanResolve(caller))
        {
            return await ResolveAsync(caller, arguments, cancellationToken);
        }

        if (name == DecideToolName && CanResolve(caller))
        {
            return await DecideAsync(caller, arguments, cancellationToken);
        }

        var tool = await published.FindAsync(name, cancellationToken)
            ?? throw new McpProtocolException($"Unknown tool: '{name}'.", McpErrorCode.InvalidParams);
        if (!CanRun(caller))
        {
            return ErrorResult($"Role '{caller.Role}' may not run workflows.");
        }

        var violations = JsonSchemaValidator.Validate(tool.InputSchema, arguments);
        if (violations.Count > 0)
        {
            return ErrorResult($"Arguments do not match the input schema of '{name}': {string.Join("; ", violations.Select(v => v.Message))}.");
        }

        RunView finished;
        try
        {
            // The caller is the run's principal, so they must be allowed to run the workflow (owner, editor, runner, admin).
            await sharing.EnsureCanRunAsync(tool.WorkflowId, new Workflows.WorkflowCaller(caller.UserId, caller.Role, caller.Actor), cancellationToken);
            var started = await starter.StartAsync(
                new StartRunRequest(tool.WorkflowId, arguments, "mcp", caller.UserId, caller.Actor, TriggerNodeId: tool.TriggerNodeId),
                cancellationToken);
            finished = await WaitForEndAsync(caller, started.Run.Id, tool.NodeCount, request, cancellationToken);
        }
        catch (ControlTowerException ex)
        {
            return ErrorResult($"{ex.Message} ({ex.Code})");
        }

        return await ToResultAsync(finished, cancellationToken);
    }

    /// <summary>Follows the run's events until it ends, reporting finished nodes as progress and log notifications; cancels the run when the caller gives up.</summary>
    private async Task<RunView> WaitForEndAsync(McpCaller caller, Guid runId, int nodeCount, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var progressToken = request.Params?.ProgressToken;
#pragma warning disable MCP9005 // see Configure
        var log = request.Server.AsClientLoggerProvider().CreateLogger(McpClientLog.Category);
#pragma warning restore MCP9005
        long cursor = 0;
        var finishedNodes = 0;
        try
        {
            while (true)
            {
                var next = notifier.NextAsync(runId);
                var events = await runs.EventsAsync(runId, cursor, 500, cancellationToken);
                foreach (var evt in events)
                {
                    cursor = evt.Seq;
                    if (evt.Type is RunEventTypes.Complete or RunEventTypes.Error)
                    {
                        var ended = await runs.GetAsync(runId, cancellationToken);
                        McpClientLog.RunEnded(log, runId, ended.Status);
                        return ended;
                    }

                    var status = evt.Data?["status"]?.GetValue<string>();
                    if (status is not ("succeeded" or "failed" or "skipped"))
                    {
                        continue;
                    }

                    var nodeId = evt.Data?["node_id"]?.GetValue<string>() ?? "";
                    finishedNodes++;
                    McpClientLog.NodeFinished(log, runId, nodeId, status);
                    if (progressToken is { } token)
                    {
                        await request.Server.NotifyProgressAsync(token, new ProgressNotificationValue
                        {
                            Progress = finishedNodes,
                            Total = Math.Max(nodeCount, finishedNodes),
                            Message = $"node {nodeId} {status}",
                        }, cancellationToken: cancellationToken);
                    }
                }

                // The worker may run in another process: poll as well as listen.
                await Task.WhenAny(next, Task.Delay(PollInterval, cancellationToken)).WaitAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CancelQuietlyAsync(caller, runId);
            throw;
        }
    }

    private async Task CancelQuietlyAsync(McpCaller caller, Guid runId)
    {
        try
        {
            await runs.CancelAsync(caller.Actor, runId, "the MCP client cancelled the tool call", CancellationToken.None);
        }
        catch (ControlTowerException)
        {
            // The run ended (or was cancelled) in the meantime: nothing left to stop.
        }
    }

    private async Task<CallToolResult> ResolveAsync(McpCaller caller, JsonObject arguments, CancellationToken cancellationToken)
    {
        var violations = JsonSchemaValidator.Validate(ResolveSchemaNode, arguments);
        if (violations.Count > 0 || !Guid.TryParse(arguments["runId"]?.GetValue<string>(), out var runId))
        {
            return ErrorResult($"Invalid arguments: {string.Join("; ", violations.Select(v => v.Message).DefaultIfEmpty("runId must be a UUID"))}.");
        }

        var nodeId = arguments["nodeId"]!.GetValue<string>();
        try
        {
            // Only unknown outcomes: an approval gate is decided through the approvals API (its rules and records), never skipped here.
            var current = await runs.GetAsync(runId, cancellationToken);
            if (current.Nodes?.FirstOrDefault(n => n.NodeId == nodeId)?.WaitReason is not OutcomeUnknown)
            {
                return ErrorResult($"Node '{nodeId}' of run {runId} is not waiting on an unknown outcome; approvals are decided with {DecideToolName} or /api/approvals.");
            }

            var view = await runs.ResolveNodeAsync(caller.Actor, runId, nodeId,
                new ResolveNodeBody(arguments["action"]!.GetValue<string>(), arguments["reason"]?.GetValue<string>()), cancellationToken);
            return await ToResultAsync(view, cancellationToken);
        }
        catch (ControlTowerException ex)
        {
            return ErrorResult($"{ex.Message} ({ex.Code})");
        }
    }

    private async Task<CallToolResult> DecideAsync(McpCaller caller, JsonObject arguments, CancellationToken cancellationToken)
    {
        var violations = JsonSchemaValidator.Validate(DecideSchemaNode, arguments);
        if (violations.Count > 0 || !Guid.TryParse(arguments["approvalId"]?.GetValue<string>(), out var approvalId))
        {
            return ErrorResult($"Invalid arguments: {string.Join("; ", violations.Select(v => v.Message).DefaultIfEmpty("approvalId must be a UUID"))}.");
        }

        try
        {
            var result = await approvals.DecideAsync(approvalId, PendingApprovals.PrincipalOf(caller), arguments["idempotencyKey"]?.GetValue<string>(),
                new DecisionBody(arguments["decision"]!.GetValue<string>(), arguments["comment"]?.GetValue<string>()), cancellationToken);
            var answer = new JsonObject
            {
                ["approvalId"] = result.Approval.Id.ToString(),
                ["status"] = result.Approval.Status,
                ["decision"] = result.Decision.Decision,
                ["repeated"] = result.Repeated,
                ["runId"] = result.Approval.RunId.ToString(),
            };
            return new CallToolResult
            {
                Content = [new TextContentBlock { Text = answer.ToJsonString() }],
                StructuredContent = JsonSerializer.SerializeToElement(answer),
            };
        }
        catch (ControlTowerException ex)
        {
            return ErrorResult($"{ex.Message} ({ex.Code})");
        }
    }

    private async ValueTask<ListResourcesResult> ListResourcesAsync(McpCaller caller, CancellationToken cancellationToken)
    {
        if (!CanRead(caller))
        {
            return new ListResourcesResult { Resources = [] };
        }

        var resources = (await waiting.ListAsync(cancellationToken)).Select(w => new Resource
        {
            Uri = WaitingRuns.UriOf(w.RunId),
            Name = $"run {w.RunId}",
            Title = $"Run {w.RunId} waits: {string.Join(", ", w.Nodes.Select(n => $"{n.NodeId} ({n.WaitReason})"))}",
            Description = "A run waiting for a person; decide with the tool " + ResolveToolName + ".",
            MimeType = "application/json",
        }).ToList();
        var pending = await approvals.ListAsync(PendingApprovals.Query, PendingApprovals.PrincipalOf(caller), cancellationToken);
        resources.AddRange(pending.Items.Select(a => new Resource
        {
            Uri = PendingApprovals.UriOf(a.Id),
            Name = $"approval {a.Id}",
            Title = a.Title,
            Description = $"Approval pending on node '{a.NodeId}' of run {a.RunId}; decide with the tool {DecideToolName}.",
            MimeType = "application/json",
        }));
        return new ListResourcesResult { Resources = resources };
    }

    private async ValueTask<ReadResourceResult> ReadResourceAsync(McpCaller caller, string? uri, CancellationToken cancellationToken)
    {
        object view;
        try
        {
            view = CanRead(caller) switch
            {
                true when WaitingRuns.RunIdOf(uri) is { } runId => await runs.GetAsync(runId, cancellationToken),
                true when PendingApprovals.ApprovalIdOf(uri) is { } approvalId => await approvals.GetAsync(approvalId, cancellationToken),
                _ => throw new McpProtocolException($"Resource not found: '{uri}'.", McpErrorCode.ResourceNotFound),
            };
        }
        catch (ControlTowerException ex) when (ex.Kind is ErrorKind.NotFound)
        {
            throw new McpProtocolException($"Resource not found: '{uri}'.", McpErrorCode.ResourceNotFound);
        }

        return new ReadResourceResult
        {
            Contents = [new TextResourceContents { Uri = uri!, MimeType = "application/json", Text = JsonSerializer.Serialize(view, WaitingRuns.Json) }],
        };
    }

    /// <summary>Subscribes the session to a run or approval the caller may read (an unknown one is refused as not found).</summary>
    private async ValueTask<EmptyResult> SubscribeAsync(McpCaller caller, RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        var uri = request.Params?.Uri;
        await ReadResourceAsync(caller, uri, cancellationToken);
        await subscriptions.SubscribeAsync(request.Server, uri!, cancellationToken);
        return new EmptyResult();
    }

    private async Task<CallToolResult> ToResultAsync(RunView run, CancellationToken cancellationToken)
    {
        if (run.Status is "failed" or "cancelled")
        {
            var message = run.Error?["message"]?.GetValue<string>() ?? $"The run ended {run.Status}.";
            return new CallToolResult
            {
                IsError = true,
                Content = [new TextContentBlock { Text = $"Run {run.Id} {run.Status}: {message}" }],
                StructuredContent = JsonSerializer.SerializeToElement(new JsonObject { ["runId"] = run.Id.ToString(), ["status"] = run.Status, ["error"] = run.Error?.DeepClone() }),
            };
        }

        // An output stored by reference is the caller's answer all the same.
        var output = (await blobs.ResolveAsync(run.Output, cancellationToken))?.DeepClone();
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = output?.ToJsonString() ?? "null" }],
            StructuredContent = output is JsonObject ? JsonSerializer.SerializeToElement(output) : null,
        };
    }

    private static CallToolResult ErrorResult(string message) =>
        new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    private static JsonObject ToObject(IDictionary<string, JsonElement>? arguments)
    {
        var result = new JsonObject();
        foreach (var (key, value) in arguments ?? new Dictionary<string, JsonElement>())
        {
            result[key] = JsonNode.Parse(value.GetRawText());
        }

        return result;
    }

    private static bool CanRun(McpCaller caller) => caller.Role is Roles.Admin or Roles.Operator or Roles.Service;

    private static bool CanResolve(McpCaller caller) => caller.Role is Roles.Admin or Roles.Approver;

    internal static bool CanRead(McpCaller caller) => caller.Role is Roles.Admin or Roles.Approver or Roles.Operator or Roles.Viewer;
}
