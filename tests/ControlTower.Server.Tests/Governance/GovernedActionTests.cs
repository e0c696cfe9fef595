using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Mcp;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Mcp;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Governance;

/// <summary>Governed actions against a real server-memory MCP server: approval, execution with diff, rollback, gates, rules, kill switch.</summary>
public sealed class GovernedActionTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ct-governed-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static JsonObject ActionConfig(int windowSeconds = 3600, string? ruleSetId = null)
    {
        var config = new JsonObject
        {
            ["actionType"] = "memory.create",
            ["server"] = "memory",
            ["tool"] = "create_entities",
            ["arguments"] = new JsonObject
            {
                ["entities"] = new JsonArray(new JsonObject { ["name"] = "{{ input.name }}", ["entityType"] = "patient", ["observations"] = new JsonArray("refill") }),
            },
            ["readState"] = new JsonObject { ["tool"] = "read_graph", ["arguments"] = new JsonObject() },
            ["compensation"] = new JsonObject
            {
                ["tool"] = "delete_entities",
                ["arguments"] = new JsonObject { ["entityNames"] = new JsonArray("{{ input.name }}") },
                ["windowSeconds"] = windowSeconds,
            },
            ["approval"] = new JsonObject { ["title"] = "Create {{ input.name }}?" },
        };
        if (ruleSetId is not null)
        {
            config["ruleSetId"] = ruleSetId;
        }

        return config;
    }

    private static JsonObject ActionGraph(JsonObject config) => Graph(
        [
            Node("start", "trigger.manual"),
            Node("act", "governed.action", config),
            Node("done", "transform", new() { ["expression"] = "nodes.act.output" }),
            Node("refused", "transform", new() { ["expression"] = "nodes.act.output" }),
        ],
        [Edge("start", "act"), Edge("act", "done"), Edge("act", "refused", "rejected")]);

    private ControlTowerFactory Start(TimeProvider? clock = null)
    {
        var factory = new ControlTowerFactory();
        if (clock is not null)
        {
            factory.WithServices(s => s.AddSingleton(clock));
        }

        factory.CreateClient().Dispose();
        factory.Services.GetRequiredService<McpServerRegistry>().Add(McpHarness.Stdio("memory", McpTestServers.Memory,
            environment: new Dictionary<string, string> { ["MEMORY_FILE_PATH"] = Path.Combine(_folder.FullName, $"memory-{Guid.NewGuid():N}.jsonl") }));
        return factory;
    }

    private static async Task<List<string>> EntityNamesAsync(ControlTowerFactory factory)
    {
        var graph = await factory.Services.GetRequiredService<McpToolInvoker>().CallAsync("memory", "read_graph", [], McpCallContext.None, CancellationToken.None);
        return [.. graph.Output["structuredContent"]!["entities"]!.AsArray().Select(e => e!["name"]!.GetValue<string>())];
    }

    private static async Task SetGateAsync(HttpClient admin, bool authorized, string reason, Guid? workflowId = null) =>
        (await admin.PutAsJsonAsync("/api/gates", new { workflowId, nodeType = "governed.action", actionType = "memory.create", authorized, reason })).EnsureSuccessStatusCode();

    [Fact]
    public async Task Scenario_WhenApprovedOverHttp_ExecutesAgainstServerMemoryAndRollsBackWithEveryStepAudited()
    {
        using var factory = Start();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("pharmacist.pat", "approver");
        var (operatorClient, _, _) = await factory.CreateUserClientAsync("operator.olga", "operator");
        var workflow = await CreateWorkflowAsync(admin, ActionGraph(ActionConfig()));
        var runId = await StartAsync(admin, workflow, new JsonObject { ["name"] = "patient-7" });

        var approval = await WaitForApprovalAsync(admin, runId);
        Assert.Equal("Create patient-7?", approval["title"]!.GetValue<string>());
        Assert.Equal("create_entities", approval["evidence"]!["proposal"]!["tool"]!.GetValue<string>());
        Assert.False(approval["evidence"]!["verdict"]!["gate"]!["authorized"]!.GetValue<bool>());
        Assert.Empty(await EntityNamesAsync(factory));
        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(approver, approval.Id(), "approve", "scenario-1", "prescriber confirmed")).StatusCode);

        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        Assert.Equal("completed", run.Status());
        var output = run["output"]!["done"]!;
        Assert.Equal($"approval:{approval.Id()}", output["authorizedBy"]!.GetValue<string>());
        Assert.Equal(["patient-7"], await EntityNamesAsync(factory));
        Assert.Contains(output["diff"]!.AsArray(), c => c!["path"]!.GetValue<string>() == "/entities/0" && c["op"]!.GetValue<string>() == "added");
        var executionId = output["executionId"]!.GetValue<Guid>();
        Assert.NotNull(output["reversibleUntil"]);

        var rollback = await operatorClient.PostAsJsonAsync($"/api/executions/{executionId}/rollback", new { reason = "patient withdrew the request" });
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        Assert.Equal("rolled_back", (await rollback.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        Assert.Empty(await EntityNamesAsync(factory));
        var again = await operatorClient.PostAsJsonAsync($"/api/executions/{executionId}/rollback", new { reason = "twice" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("governance.already_rolled_back", await CodeAsync(again));

        foreach (var (action, actor) in new[]
        {
            ("governance.action_proposed", $"run:{runId}"),
            ("approval.requested", $"run:{runId}"),
            ("approval.decided", "user:pharmacist.pat"),
            ("approval.resolved", "user:pharmacist.pat"),
            ("governance.action_executed", $"run:{runId}"),
            ("governance.action_rolled_back", "user:operator.olga"),
        })
        {
            var entry = Assert.Single(await AuditAsync(admin, action));
            Assert.Equal(actor, entry["actor"]!.GetValue<string>());
            Assert.False(string.IsNullOrWhiteSpace(entry["reason"]!.GetValue<string>()), action);
        }

        Assert.Equal("patient withdrew the request", Assert.Single(await AuditAsync(admin, "governance.action_rolled_back"))["reason"]!.GetValue<string>());
        await AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task Approval_WhenRejected_ActionEndsRejectedWithoutCallingTheTool()
    {
        using var factory = Start();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("strict.approver", "approver");
        var workflow = await CreateWorkflowAsync(admin, ActionGraph(ActionConfig()));
        var runId = await StartAsync(admin, workflow, new JsonObject { ["name"] = "never" });
        var approval = await WaitForApprovalAsync(admin, runId);

        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(approver, approval.Id(), "reject", comment: "wrong patient")).StatusCode);

        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        var refused = run["output"]!["refused"]!;
        Assert.Equal("rejected", refused["reason"]!.GetValue<string>());
        Assert.Equal("wrong patient", refused["approval"]!["comment"]!.GetValue<string>());
        Assert.Empty(await EntityNamesAsync(factory));
        Assert.Empty(await AuditAsync(admin, "governance.action_executed"));
    }

    [Fact]
    public async Task Rollback_WhenWindowHasPassed_IsConflictAndTheEntityStays()
    {
        var clock = new Infrastructure.FakeWallClock(DateTimeOffset.UtcNow);
        using var factory = Start(clock);
        using var admin = factory.CreateAdminClient();
        await SetGateAsync(admin, true, "pilot: automation trusted");
        var workflow = await CreateWorkflowAsync(admin, ActionGraph(ActionConfig(windowSeconds: 60)));
        var runId = await StartAsync(admin, workflow, new JsonObject { ["name"] = "late-one" });
        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        var executionId = run["output"]!["done"]!["executionId"]!.GetValue<Guid>();
        Assert.StartsWith("gate:", run["output"]!["done"]!["authorizedBy"]!.GetValue<string>(), StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(2));
        var rollback = await admin.PostAsJsonAsync($"/api/executions/{executionId}/rollback", new { reason = "too late" });

        Assert.Equal(HttpStatusCode.Conflict, rollback.StatusCode);
        Assert.Equal("governance.rollback_window_closed", await CodeAsync(rollback));
        Assert.Equal(["late-one"], await EntityNamesAsync(factory));
        Assert.Single(await AuditAsync(admin, "governance.rollback_refused"));
    }

    [Fact]
    public async Task Rollback_WhenInsideTheWindow_RunsCompensationOnce()
    {
        var clock = new Infrastructure.FakeWallClock(DateTimeOffset.UtcNow);
        using var factory = Start(clock);
        using var admin = factory.CreateAdminClient();
        await SetGateAsync(admin, true, "trusted");
        var workflow = await CreateWorkflowAsync(admin, ActionGraph(ActionConfig(windowSeconds: 600)));
        var runId = await StartAsync(admin, workflow, new JsonObject { ["name"] = "in-time" });
        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        var executionId = run["output"]!["done"]!["executionId"]!.GetValue<Guid>();
        clock.Advance(TimeSpan.FromMinutes(9));

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => admin.PostAsJsonAsync($"/api/executions/{executionId}/rollback", new { reason = $"undo {i}" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Empty(await EntityNamesAsync(factory));
        Assert.Single(await AuditAsync(admin, "governance.action_rolled_back"));
    }

    [Fact]
    public async Task Gate_WhenRevokedWhileRunWaits_ActionAsksForApprovalInsteadOfRunning()
    {
        using var factory = Start();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("gate.approver", "approver");
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [
                Node("start", "trigger.manual"),
                Node("hold", "approval", new() { ["title"] = "go?" }),
                Node("act", "governed.action", ActionConfig()),
                Node("done", "transform", new() { ["expression"] = "nodes.act.output" }),
            ],
            [Edge("start", "hold"), Edge("hold", "act", "approved"), Edge("act", "done")]));
        await SetGateAsync(admin, true, "automation authorized for the pilot", workflow);
        var runId = await StartAsync(admin, workflow, new JsonObject { ["name"] = "mid-run" });
        var hold = await WaitForApprovalAsync(admin, runId);

        await SetGateAsync(admin, false, "incident 42: stop automatic creation", workflow);
        await DecideAsync(approver, hold.Id(), "approve");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonObject? gated = null;
        while (gated is null && DateTime.UtcNow < deadline)
        {
            var page = await admin.GetFromJsonAsync<JsonObject>($"/api/approvals?runId={runId}&status=pending");
            gated = page!["items"]!.AsArray().OfType<JsonObject>().FirstOrDefault(a => a["nodeId"]!.GetValue<string>() == "act");
            await Task.Delay(50);
        }

        Assert.NotNull(gated);
        Assert.Contains("incident 42", gated["evidence"]!["verdict"]!["why"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await EntityNamesAsync(factory));
        var history = await admin.GetFromJsonAsync<JsonArray>($"/api/gates/history?scopeKey={Uri.EscapeDataString($"workflow={workflow};node_type=governed.action;action_type=memory.create")}");
        Assert.Equal([false, true], history!.Select(h => h!["value"]!.GetValue<bool>()));
        Assert.Equal(2, (await AuditAsync(admin, "governance.gate_set")).Count);
        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(approver, gated.Id(), "approve")).StatusCode);
        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        Assert.Equal("completed", run.Status());
        Assert.Equal(["mid-run"], await EntityNamesAsync(factory));
    }

    [Fact]
    public async Task Rules_WhenDenyOrRequireApprovalMatch_WinOverAnAuthorizedGate()
    {
        using var factory = Start();
        using var admin = factory.CreateAdminClient();
        await SetGateAsync(admin, true, "trusted");
        var rules = new JsonObject
        {
            ["id"] = "create-policy",
            ["definition"] = JsonNode.Parse("""
                { "hitPolicy": "collect", "rules": [
                    { "id": "no-vip", "condition": "input.name.startsWith('vip')", "priority": 10, "action": { "type": "deny", "reason": "VIPs are handled by hand" } },
                    { "id": "check-test", "condition": "input.name.startsWith('test')", "action": { "type": "require_approval" } } ] }
                """),
        };
        (await admin.PostAsJsonAsync("/api/rule-sets", rules)).EnsureSuccessStatusCode();
        var workflow = await CreateWorkflowAsync(admin, ActionGraph(ActionConfig(ruleSetId: "create-policy")));

        var denied = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["name"] = "vip-1" }), "completed", "failed");
        var asked = await StartAsync(admin, workflow, new JsonObject { ["name"] = "test-1" });
        var plain = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["name"] = "plain-1" }), "completed", "failed");

        Assert.Equal("denied", denied["output"]!["refused"]!["reason"]!.GetValue<string>());
        Assert.Equal("no-vip", denied["output"]!["refused"]!["verdict"]!["rules"]!["matched"]![0]!["ruleId"]!.GetValue<string>());
        var approval = await WaitForApprovalAsync(admin, asked);
        Assert.Equal("check-test", approval["evidence"]!["verdict"]!["rules"]!["matched"]![0]!["ruleId"]!.GetValue<string>());
        Assert.True(approval["evidence"]!["verdict"]!["gate"]!["authorized"]!.GetValue<bool>());
        Assert.NotNull(plain["output"]!["done"]);
        Assert.Equal(["plain-1"], await EntityNamesAsync(factory));
        Assert.Equal(3, (await AuditAsync(admin, "rules.evaluated")).Count);
    }

    [Fact]
    public async Task KillSwitch_WhenEngaged_RejectsEveryGovernedActionAndDryRunSaysBlocked()
    {
        using var factory = Start();
        using var admin = factory.CreateAdminClient();
        await SetGateAsync(admin, true, "trusted");
        (await admin.PutAsJsonAsync("/api/governance/kill-switch", new { engaged = true, reason = "drill" })).EnsureSuccessStatusCode();
        var workflow = await CreateWorkflowAsync(admin, ActionGraph(ActionConfig()));

        var run = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["name"] = "blocked-1" }), "completed", "failed");
        var dryRun = await admin.PostAsJsonAsync("/api/governance/dry-run",
            new { workflowId = workflow, actionType = "memory.create", server = "memory", tool = "create_entities", arguments = new { entities = Array.Empty<object>() } });

        Assert.Equal("blocked", run["output"]!["refused"]!["reason"]!.GetValue<string>());
        Assert.Empty(await EntityNamesAsync(factory));
        var body = (await dryRun.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("blocked", body["decision"]!.GetValue<string>());
        Assert.False(body["wouldExecute"]!.GetValue<bool>());
        Assert.Single(await AuditAsync(admin, "governance.kill_switch_engaged"));
        Assert.Single(await AuditAsync(admin, "governance.dry_run"));
    }

    [Fact]
    public async Task DryRun_WhenArgumentsBreakTheToolSchema_ReportsThemWithoutExecuting()
    {
        using var factory = Start();
        using var admin = factory.CreateAdminClient();
        await SetGateAsync(admin, true, "trusted");
        Assert.Empty(await EntityNamesAsync(factory)); // loads the catalog

        var bad = await (await admin.PostAsJsonAsync("/api/governance/dry-run",
            new { actionType = "memory.create", server = "memory", tool = "create_entities", arguments = new { entities = "nope" } }))
            .Content.ReadFromJsonAsync<JsonObject>();
        var good = await (await admin.PostAsJsonAsync("/api/governance/dry-run",
            new { actionType = "memory.create", server = "memory", tool = "create_entities", arguments = new { entities = Array.Empty<object>() } }))
            .Content.ReadFromJsonAsync<JsonObject>();
        var unknown = await (await admin.PostAsJsonAsync("/api/governance/dry-run", new { actionType = "memory.create", server = "nowhere", tool = "x" }))
            .Content.ReadFromJsonAsync<JsonObject>();

        Assert.False(bad!["valid"]!.GetValue<bool>());
        Assert.False(bad["checks"]!["arguments"]!["ok"]!.GetValue<bool>());
        Assert.True(good!["wouldExecute"]!.GetValue<bool>());
        Assert.Equal("execute", good["decision"]!.GetValue<string>());
        Assert.False(unknown!["checks"]!["server"]!["ok"]!.GetValue<bool>());
        Assert.Empty(await EntityNamesAsync(factory));
    }
}
