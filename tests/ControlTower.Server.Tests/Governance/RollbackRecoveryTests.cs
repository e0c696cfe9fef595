using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Governance;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Governance;

/// <summary>
/// A rollback that fails, is cancelled mid-call, or whose process died never leaves the execution <c>rolling_back</c>
/// for good: it is back to <c>executed</c> with its last error (audited) and may be retried inside the window.
/// </summary>
public sealed class RollbackRecoveryTests : IAsyncLifetime
{
    private readonly FakeWallClock _clock = new(DateTimeOffset.UtcNow);
    private CompensationMcpServer _server = null!;
    private ControlTowerFactory _factory = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _server = await CompensationMcpServer.StartAsync();
        _factory = new ControlTowerFactory().WithServices(s => s.AddSingleton<TimeProvider>(_clock));
        _admin = _factory.CreateAdminClient();
        _factory.Services.GetRequiredService<McpServerRegistry>().Add(_server.Definition("clerk"));
        (await _admin.PutAsJsonAsync("/api/gates", new { nodeType = "governed.action", actionType = "clerk.create", authorized = true, reason = "trusted clerk" })).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _factory.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Rollback_WhenCompensationReportsAnError_IsBackToExecutedWithTheErrorAndMayBeRetried()
    {
        var executionId = await ExecuteAsync();
        _server.Script(UndoBehaviour.ReportError);

        var failed = await RollbackAsync(executionId, "wrong record");
        var afterFailure = await GetExecutionAsync(executionId);
        var retried = await RollbackAsync(executionId, "second try");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("governance.rollback_failed", await CodeAsync(failed));
        Assert.Equal("executed", afterFailure.Status());
        Assert.Equal("governance.rollback_failed", afterFailure["lastRollbackError"]!["code"]!.GetValue<string>());
        Assert.Contains("locked by another clerk", afterFailure["lastRollbackError"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(afterFailure["rollbackLeaseUntil"]);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var rolledBack = (await retried.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("rolled_back", rolledBack.Status());
        Assert.Null(rolledBack["lastRollbackError"]);
        Assert.Equal((2, 1), (_server.UndoCalls, _server.Undone));
        Assert.All(_server.UndoKeys, key => Assert.Equal($"rollback:{executionId}", key));
        var failure = Assert.Single(await AuditAsync(_admin, "governance.rollback_failed"));
        Assert.Equal("governance.rollback_failed", failure["data"]!["code"]!.GetValue<string>());
        Assert.Equal("wrong record", failure["reason"]!.GetValue<string>());
        Assert.Equal(2, (await AuditAsync(_admin, "governance.rollback_started")).Count);
        Assert.Single(await AuditAsync(_admin, "governance.action_rolled_back"));
        await AssertAuditIntactAsync(_admin);
    }

    [Fact]
    public async Task Rollback_WhenTheCallerGoesAwayMidCall_GivesTheClaimBackAsInterruptedAndMayBeRetried()
    {
        var executionId = await ExecuteAsync();
        _server.Script(UndoBehaviour.HangUntilCancelled);
        using var caller = new CancellationTokenSource();

        var abandoned = _admin.PostAsJsonAsync($"/api/executions/{executionId}/rollback", new { reason = "undo the order" }, caller.Token);
        await _server.Hanging.WaitAsync(TimeSpan.FromSeconds(60));
        var during = await GetExecutionAsync(executionId);
        var concurrent = await RollbackAsync(executionId, "me too");
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        var released = await WaitForExecutionAsync(executionId, e => e.Status() != "rolling_back");
        var retried = await RollbackAsync(executionId, "undo the order, again");

        Assert.Equal("rolling_back", during.Status());
        Assert.NotNull(during["rollbackStartedBy"]);
        Assert.NotNull(during["rollbackLeaseUntil"]);
        Assert.Equal(HttpStatusCode.Conflict, concurrent.StatusCode);
        Assert.Equal("governance.rollback_in_progress", await CodeAsync(concurrent));
        Assert.Equal("executed", released.Status());
        Assert.Equal("governance.rollback_interrupted", released["lastRollbackError"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("rolled_back", (await retried.Content.ReadFromJsonAsync<JsonObject>())!.Status());
        Assert.Equal(1, _server.Undone);
        var failure = Assert.Single(await AuditAsync(_admin, "governance.rollback_failed"));
        Assert.Equal("governance.rollback_interrupted", failure["data"]!["code"]!.GetValue<string>());
        Assert.Equal("governance.rollback_in_progress", Assert.Single(await AuditAsync(_admin, "governance.rollback_refused"))["data"]!["code"]!.GetValue<string>());
        Assert.Single(await AuditAsync(_admin, "governance.action_rolled_back"));
        await AssertAuditIntactAsync(_admin);
    }

    [Fact]
    public async Task Rollback_WhenAClaimWasAbandonedByADeadProcess_IsInProgressUntilItsLeaseEndsThenTakenOver()
    {
        var executionId = await ExecuteAsync();
        var leaseUntil = await AbandonClaimAsync(executionId);

        var early = await RollbackAsync(executionId, "is it done?");
        _clock.Advance(leaseUntil - _clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        var takenOver = await RollbackAsync(executionId, "finish the undo");

        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("governance.rollback_in_progress", await CodeAsync(early));
        Assert.Equal(HttpStatusCode.OK, takenOver.StatusCode);
        var view = (await takenOver.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("rolled_back", view.Status());
        Assert.Equal("finish the undo", view["rollbackReason"]!.GetValue<string>());
        Assert.Equal(1, _server.Undone);
        var interrupted = Assert.Single(await AuditAsync(_admin, "governance.rollback_failed"));
        Assert.Equal("system:governance", interrupted["actor"]!.GetValue<string>());
        Assert.Equal("governance.rollback_interrupted", interrupted["data"]!["code"]!.GetValue<string>());
        Assert.Equal("user:crashed.clerk", interrupted["data"]!["startedBy"]!.GetValue<string>());
        Assert.True(Assert.Single(await AuditAsync(_admin, "governance.rollback_started"))["data"]!["takesOverAbandonedClaim"]!.GetValue<bool>());
        Assert.Single(await AuditAsync(_admin, "governance.action_rolled_back"));
        await AssertAuditIntactAsync(_admin);
    }

    [Fact]
    public async Task Rollback_WhenAnAbandonedClaimOutlivedTheWindow_IsSettledBackToExecutedAndRefused()
    {
        var executionId = await ExecuteAsync();
        await AbandonClaimAsync(executionId);
        _clock.Advance(TimeSpan.FromMinutes(11));

        var late = await RollbackAsync(executionId, "too late?");
        var settled = await GetExecutionAsync(executionId);

        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("governance.rollback_window_closed", await CodeAsync(late));
        Assert.Equal("executed", settled.Status());
        Assert.Equal("governance.rollback_interrupted", settled["lastRollbackError"]!["code"]!.GetValue<string>());
        Assert.Null(settled["rollbackLeaseUntil"]);
        Assert.Equal(0, _server.UndoCalls);
        Assert.Single(await AuditAsync(_admin, "governance.rollback_failed"));
        Assert.Equal("governance.rollback_window_closed", Assert.Single(await AuditAsync(_admin, "governance.rollback_refused"))["data"]!["code"]!.GetValue<string>());
        await AssertAuditIntactAsync(_admin);
    }

    /// <summary>A gate-authorized action with a 10-minute compensation window; returns its execution id.</summary>
    private async Task<Guid> ExecuteAsync()
    {
        var workflow = await CreateWorkflowAsync(_admin, Graph(
            [
                Node("start", "trigger.manual"),
                Node("act", "governed.action", new()
                {
                    ["actionType"] = "clerk.create",
                    ["server"] = "clerk",
                    ["tool"] = "create",
                    ["arguments"] = new JsonObject { ["order"] = "{{ input.order }}" },
                    ["compensation"] = new JsonObject { ["tool"] = "undo", ["arguments"] = new JsonObject { ["order"] = "{{ input.order }}" }, ["windowSeconds"] = 600 },
                }),
                Node("done", "transform", new() { ["expression"] = "nodes.act.output" }),
            ],
            [Edge("start", "act"), Edge("act", "done")]));
        var run = await WaitForStatusAsync(_admin, await StartAsync(_admin, workflow, new JsonObject { ["order"] = "o-17" }), "completed", "failed");
        Assert.Equal("completed", run.Status());
        return run["output"]!["done"]!["executionId"]!.GetValue<Guid>();
    }

    /// <summary>
    /// Leaves the row as a rollback leaves it when its process dies mid-call: claimed (rolling_back, claim id, who,
    /// when, lease of the server's call timeout plus the margin), no outcome. Returns the lease's end.
    /// </summary>
    private async Task<DateTimeOffset> AbandonClaimAsync(Guid executionId)
    {
        var now = _clock.GetUtcNow();
        var leaseUntil = now + McpServerLimits.Default.CallTimeout + GovernedRollbacks.LeaseMargin;
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Set<ExecutionEntity>().Where(e => e.Id == executionId && e.Status == GovernedActions.Executed).ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Status, GovernedActions.RollingBack)
            .SetProperty(e => e.RollbackClaimId, Guid.NewGuid())
            .SetProperty(e => e.RollbackStartedAt, now.UtcDateTime)
            .SetProperty(e => e.RollbackStartedBy, "user:crashed.clerk")
            .SetProperty(e => e.RollbackLeaseUntil, leaseUntil.UtcDateTime)));
        return leaseUntil;
    }

    private Task<HttpResponseMessage> RollbackAsync(Guid executionId, string reason) =>
        _admin.PostAsJsonAsync($"/api/executions/{executionId}/rollback", new { reason });

    private async Task<JsonObject> GetExecutionAsync(Guid executionId) =>
        (await _admin.GetFromJsonAsync<JsonObject>($"/api/executions/{executionId}"))!;

    private async Task<JsonObject> WaitForExecutionAsync(Guid executionId, Func<JsonObject, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var execution = await GetExecutionAsync(executionId);
            if (condition(execution) || DateTime.UtcNow > deadline)
            {
                return execution;
            }

            await Task.Delay(50);
        }
    }
}
