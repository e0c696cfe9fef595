using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Governance;
using ControlTower.Server.Mcp;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Mcp;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Governance;

public sealed class ApprovalCancellationTests
{
    [Fact]
    public async Task CancelRun_WhenWaitingOnApproval_ClosesTheApprovalAsCancelledAndDecidingIsConflict()
    {
        using var factory = new ControlTowerFactory();
        await CancelWhileWaitingAsync(factory);
    }

    [Fact]
    public async Task CancelRun_WhenWaitingOnApprovalOnPostgres_ClosesTheApprovalAsCancelledAndDecidingIsConflict()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        using var factory = new ControlTowerFactory(postgres: postgres);
        await CancelWhileWaitingAsync(factory);
    }

    [Fact]
    public async Task FailRun_WhenAnotherBranchFailsWhileApprovalWaits_ClosesTheApproval()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("ask", "approval", new() { ["title"] = "t" }),
                Node("pause", "delay", new() { ["seconds"] = 2 }),
                Node("boom", "fail", new() { ["code"] = "refill.too_early", ["message"] = "too early" }),
            ],
            [Edge("start", "ask"), Edge("start", "pause"), Edge("pause", "boom")]);
        var workflow = await CreateWorkflowAsync(admin, graph);
        var runId = await StartAsync(admin, workflow);
        var approval = await WaitForApprovalAsync(admin, runId);

        var run = await WaitForStatusAsync(admin, runId, "completed", "failed", "cancelled");
        var closed = await admin.GetFromJsonAsync<JsonObject>($"/api/approvals/{approval.Id()}");
        var decide = await DecideAsync(admin, approval.Id(), "reject", "key-1");

        Assert.Equal("failed", run.Status());
        Assert.Equal("cancelled", closed!["status"]!.GetValue<string>());
        Assert.Contains("run_failed", closed["output"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, decide.StatusCode);
        Assert.Equal("approval.closed", await CodeAsync(decide));
        Assert.Single(await AuditAsync(admin, "approval.cancelled"));
        await AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task OpenApproval_WhenRunWasCancelledWhileTheExecutorWasOnItsWay_ApprovalIsClosedAtBirthAndNothingIsPending()
    {
        using var factory = new ControlTowerFactory();
        await CancelBeforeOpenAsync(factory);
    }

    [Fact]
    public async Task OpenApproval_WhenRunWasCancelledWhileTheExecutorWasOnItsWayOnPostgres_ApprovalIsClosedAtBirthAndNothingIsPending()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        using var factory = new ControlTowerFactory(postgres: postgres);
        await CancelBeforeOpenAsync(factory);
    }

    [Fact]
    public async Task GovernedAction_WhenRunWasCancelledBeforeItAskedForApproval_ApprovalIsClosedAtBirthAndNothingRuns()
    {
        using var factory = new ControlTowerFactory();
        HeldExecutor<GovernedActionExecutor>? held = null;
        factory.WithServices(services => held = HeldExecutor<GovernedActionExecutor>.Replace(services));
        using var admin = factory.CreateAdminClient();
        // Saves check tool references: the server must be registered (the held executor never connects to it).
        factory.Services.GetRequiredService<McpServerRegistry>().Add(McpHarness.Stdio("memory", McpTestServers.Memory));
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [
                Node("start", "trigger.manual"),
                Node("act", "governed.action", new()
                {
                    ["actionType"] = "memory.create",
                    ["server"] = "memory",
                    ["tool"] = "create_entities",
                    ["arguments"] = new JsonObject { ["entities"] = new JsonArray() },
                }),
            ],
            [Edge("start", "act")]));
        var runId = await StartAsync(admin, workflow);
        await held!.Started.WaitAsync(TimeSpan.FromSeconds(60));

        (await admin.PostAsJsonAsync($"/api/runs/{runId}/cancel", new { reason = "order withdrawn" })).EnsureSuccessStatusCode();
        held.Release();
        var result = await held.Finished.WaitAsync(TimeSpan.FromSeconds(60));

        var rejected = Assert.IsType<NodeResult.Completed>(result);
        Assert.Equal("rejected", rejected.Outcome);
        Assert.Equal("cancelled", rejected.Output!["reason"]!.GetValue<string>());
        var closed = await WaitForApprovalAsync(admin, runId, "cancelled");
        Assert.Equal("order withdrawn", closed["output"]!["reason"]!.GetValue<string>());
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonObject>($"/api/approvals?runId={runId}&status=pending"))!["total"]!.GetValue<int>());
        Assert.Single(await AuditAsync(admin, "governance.action_proposed"));
        Assert.Single(await AuditAsync(admin, "approval.requested"));
        Assert.Single(await AuditAsync(admin, "approval.cancelled"));
        Assert.Empty(await AuditAsync(admin, "governance.action_executed"));
        Assert.Equal("cancelled", (await GetRunAsync(admin, runId)).Status());
        await AssertAuditIntactAsync(admin);
    }

    // The two interleavings below cannot happen on SQLite, whose write transactions are serial; on PostgreSQL
    // they are what the open's turn on the run row is for.

    [Fact]
    public async Task OpenApproval_WhenTheRunIsCancelledAfterItWasReadOnPostgres_TheTurnFailsAndTheApprovalIsClosedAtBirth()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        using var factory = new ControlTowerFactory(postgres: postgres);
        var read = CommandStop.After(sql => sql.Contains("FROM runs AS r", StringComparison.Ordinal), armed: false);
        var held = HoldApprovals(factory, read);
        using var admin = factory.CreateAdminClient();
        var runId = await StartAsync(admin, await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "t" })));
        await held().Started.WaitAsync(TimeSpan.FromSeconds(60));
        read.Arm();
        held().Release();
        await read.Reached.WaitAsync(TimeSpan.FromSeconds(60)); // the open has read the run as live, and holds no lock yet

        var cancel = await admin.PostAsJsonAsync($"/api/runs/{runId}/cancel", new { reason = "changed my mind" });
        read.Resume();
        var result = await held().Finished.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", Assert.IsType<NodeResult.Completed>(result).Outcome);
        Assert.Equal("changed my mind", (await WaitForApprovalAsync(admin, runId, "cancelled"))["output"]!["reason"]!.GetValue<string>());
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonObject>($"/api/approvals?runId={runId}&status=pending"))!["total"]!.GetValue<int>());
        Assert.Single(await AuditAsync(admin, "approval.requested"));
        Assert.Single(await AuditAsync(admin, "approval.cancelled"));
        await AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task CancelRun_WhenItReadTheRunBeforeAnApprovalTookItsTurnOnPostgres_ConflictsAndClosesTheApproval()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        using var factory = new ControlTowerFactory(postgres: postgres);
        var turn = CommandStop.After(sql => sql.Contains("\"StateVersion\" + 1", StringComparison.Ordinal));
        var auditLock = CommandStop.Seen(sql => sql.Contains("pg_advisory_xact_lock", StringComparison.Ordinal));
        var held = HoldApprovals(factory, turn, auditLock);
        using var admin = factory.CreateAdminClient();
        var runId = await StartAsync(admin, await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "t" })));
        await held().Started.WaitAsync(TimeSpan.FromSeconds(60));
        held().Release();
        await turn.Reached.WaitAsync(TimeSpan.FromSeconds(60)); // the open holds its turn (and the audit chain), uncommitted

        auditLock.Arm();
        var cancel = admin.PostAsJsonAsync($"/api/runs/{runId}/cancel", new { reason = "changed my mind" });
        await auditLock.Reached.WaitAsync(TimeSpan.FromSeconds(60)); // the cancellation has read the run and waits to audit
        turn.Resume();
        var result = await held().Finished.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, (await cancel).StatusCode);
        Assert.IsType<NodeResult.Waiting>(result);
        Assert.Equal("changed my mind", (await WaitForApprovalAsync(admin, runId, "cancelled"))["output"]!["reason"]!.GetValue<string>());
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonObject>($"/api/approvals?runId={runId}&status=pending"))!["total"]!.GetValue<int>());
        Assert.Equal("cancelled", (await GetRunAsync(admin, runId)).Status());
        Assert.Single(await AuditAsync(admin, "approval.requested"));
        Assert.Single(await AuditAsync(admin, "approval.cancelled"));
        await AssertAuditIntactAsync(admin);
    }

    private static Func<HeldExecutor<ApprovalExecutor>> HoldApprovals(ControlTowerFactory factory, params CommandStop[] stops)
    {
        HeldExecutor<ApprovalExecutor>? held = null;
        factory.WithServices(services =>
        {
            held = HeldExecutor<ApprovalExecutor>.Replace(services);
            services.ConfigureDbContext<ControlTowerDbContext>(options => options.AddInterceptors(stops));
        });
        return () => held ?? throw new InvalidOperationException("The app has not started.");
    }

    /// <summary>The engine starts the approval node, the run is cancelled, and only then does the executor open its approval.</summary>
    private static async Task CancelBeforeOpenAsync(ControlTowerFactory factory)
    {
        HeldExecutor<ApprovalExecutor>? held = null;
        factory.WithServices(services => held = HeldExecutor<ApprovalExecutor>.Replace(services));
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("late.approver", "approver");
        var workflow = await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "refill?", ["expiresAfterSeconds"] = 3600 }));
        var runId = await StartAsync(admin, workflow);
        await held!.Started.WaitAsync(TimeSpan.FromSeconds(60));

        var cancel = await admin.PostAsJsonAsync($"/api/runs/{runId}/cancel", new { reason = "patient picked up early" });
        held.Release();
        var result = await held.Finished.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", Assert.IsType<NodeResult.Completed>(result).Outcome);
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonObject>($"/api/approvals?runId={runId}&status=pending"))!["total"]!.GetValue<int>());
        var closed = await WaitForApprovalAsync(admin, runId, "cancelled");
        Assert.Equal("patient picked up early", closed["output"]!["reason"]!.GetValue<string>());
        Assert.NotNull(closed["resolvedAt"]);
        var decide = await DecideAsync(approver, closed.Id(), "approve", "late-key");
        Assert.Equal(HttpStatusCode.Conflict, decide.StatusCode);
        Assert.Equal("approval.closed", await CodeAsync(decide));
        Assert.Equal("cancelled", (await GetRunAsync(admin, runId)).Status());
        Assert.Equal($"approval:{closed.Id()}", Assert.Single(await AuditAsync(admin, "approval.requested"))["target"]!.GetValue<string>());
        var cancelled = Assert.Single(await AuditAsync(admin, "approval.cancelled"));
        Assert.Equal("system:approvals", cancelled["actor"]!.GetValue<string>());
        Assert.Equal($"approval:{closed.Id()}", cancelled["target"]!.GetValue<string>());
        await AssertAuditIntactAsync(admin);
    }

    private static async Task CancelWhileWaitingAsync(ControlTowerFactory factory)
    {
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("cy.approver", "approver");
        var workflow = await CreateWorkflowAsync(admin, ApprovalGraph(new() { ["title"] = "t" }));
        var runId = await StartAsync(admin, workflow);
        var approval = await WaitForApprovalAsync(admin, runId);

        var cancel = await admin.PostAsJsonAsync($"/api/runs/{runId}/cancel", new { reason = "patient picked up early" });
        var closed = await admin.GetFromJsonAsync<JsonObject>($"/api/approvals/{approval.Id()}");
        var inbox = await admin.GetFromJsonAsync<JsonObject>($"/api/approvals?runId={runId}&status=pending");
        var decide = await DecideAsync(approver, approval.Id(), "approve", "key-1");

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", closed!["status"]!.GetValue<string>());
        Assert.Equal("cancelled", closed["output"]!["outcome"]!.GetValue<string>());
        Assert.NotNull(closed["resolvedAt"]);
        Assert.Equal(0, inbox!["total"]!.GetValue<int>());
        Assert.Equal(approval.Id(), (await WaitForApprovalAsync(admin, runId, "cancelled")).Id());
        Assert.Equal(HttpStatusCode.Conflict, decide.StatusCode);
        Assert.Equal("approval.closed", await CodeAsync(decide));
        Assert.Equal("cancelled", (await GetRunAsync(admin, runId)).Status());
        var audit = Assert.Single(await AuditAsync(admin, "approval.cancelled"));
        Assert.Equal("system:approvals", audit["actor"]!.GetValue<string>());
        Assert.Equal($"approval:{approval.Id()}", audit["target"]!.GetValue<string>());
        Assert.Empty(await AuditAsync(admin, "approval.decided"));
        await AssertAuditIntactAsync(admin);
    }
}
