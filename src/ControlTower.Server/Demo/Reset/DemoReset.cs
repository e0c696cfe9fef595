using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Audit;
using ControlTower.Server.Demo.Simulation;
using ControlTower.Server.Governance;
using ControlTower.Server.Pharmacy;
using ControlTower.Server.Platform;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Triggers;
using ControlTower.Server.Trust;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Demo.Reset;

/// <summary>What a reset removed, table by table, before the seeders put the demo back.</summary>
internal sealed record ResetResult(IReadOnlyDictionary<string, int> Removed, DateTimeOffset At);

/// <summary>
/// <c>POST /api/demo/reset</c>: back to the seeded state. In one transaction with its <c>demo.reset</c> audit entry, it removes
/// every run (events, tasks, node executions, replays), approval (decisions, comments), governed execution, trust event,
/// scope, stage change and model, every gate (and its history) and the kill switch, and the demo's seeded workflows (so the
/// seeders run again); then it deletes the inventory file and runs the demo seeders (<see cref="DemoSeeder"/>,
/// <see cref="PharmacyDemoSeeder"/>), which write the shelf, gates, pin, workflows and sample runs anew, and reloads the trust
/// models (none: cold start). The audit log is append-only and kept, so <c>audit verify</c> still passes; people, API keys,
/// credentials, MCP servers, rule sets and other workflows are kept too. Refused while a simulation runs.
/// </summary>
internal sealed class DemoReset(
    IDbContextFactory<ControlTowerDbContext> contexts,
    AuditLog audit,
    SimulationService simulations,
    DemoSeeder people,
    PharmacyDemoSeeder pharmacy,
    TrustModelService models,
    DemoMode demo,
    Governance.GateService gates,
    Releases.WorkflowRoutes routes,
    IOptions<PlatformOptions> platform,
    TimeProvider time)
{
    /// <summary>The workflows the pharmacy seeder creates; removed so that it seeds them (and their sample runs) again.</summary>
    public static readonly IReadOnlyList<string> SeededWorkflows = [PharmacyDemo.RefillWorkflowName, PharmacyDemo.DeliveryWorkflowName];

    private readonly SemaphoreSlim _one = new(1, 1);

    public async Task<ResetResult> ResetAsync(string actor, CancellationToken cancellationToken)
    {
        demo.Require();
        await _one.WaitAsync(cancellationToken);
        try
        {
            if (simulations.IsRunning)
            {
                throw new ControlTowerException(ErrorKind.Conflict, DemoErrorCodes.SimulationRunning, "A simulation is running: cancel it before resetting the demo.");
            }

            var removed = await ClearAsync(actor, cancellationToken);
            await gates.InvalidateCachedAsync(cancellationToken);
            File.Delete(PharmacyDemoSeeder.InventoryFile(platform.Value));
            await models.LoadActiveAsync(cancellationToken);
            await people.SeedAsync(cancellationToken);
            await pharmacy.SeedAsync(cancellationToken);
            return new ResetResult(removed, time.GetUtcNow());
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<Dictionary<string, int>> ClearAsync(string actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var workflows = await db.Set<WorkflowEntity>().Where(w => SeededWorkflows.Contains(w.Name)).Select(w => w.Id).ToListAsync(cancellationToken);
        var removed = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["approval_decisions"] = await db.Set<ApprovalDecisionEntity>().ExecuteDeleteAsync(cancellationToken),
            ["approval_comments"] = await db.Set<ApprovalCommentEntity>().ExecuteDeleteAsync(cancellationToken),
            ["approvals"] = await db.Set<ApprovalEntity>().ExecuteDeleteAsync(cancellationToken),
            ["governed_executions"] = await db.Set<ExecutionEntity>().ExecuteDeleteAsync(cancellationToken),
            ["run_events"] = await db.Set<RunEventEntity>().ExecuteDeleteAsync(cancellationToken),
            ["run_tasks"] = await db.Set<RunTaskEntity>().ExecuteDeleteAsync(cancellationToken),
            ["node_executions"] = await db.Set<NodeExecutionEntity>().ExecuteDeleteAsync(cancellationToken),
            ["run_replays"] = await db.Set<RunReplayEntity>().ExecuteDeleteAsync(cancellationToken),
            ["runs"] = await db.Set<RunEntity>().ExecuteDeleteAsync(cancellationToken),
            ["trust_events"] = await db.Set<TrustEventEntity>().ExecuteDeleteAsync(cancellationToken),
            ["trust_stage_changes"] = await db.Set<TrustStageChangeEntity>().ExecuteDeleteAsync(cancellationToken),
            ["trust_scopes"] = await db.Set<TrustScopeEntity>().ExecuteDeleteAsync(cancellationToken),
            ["trust_models"] = await db.Set<TrustModelEntity>().ExecuteDeleteAsync(cancellationToken),
            ["trust_leases"] = await db.Set<TrustLeaseEntity>().ExecuteDeleteAsync(cancellationToken),
            ["gate_history"] = await db.Set<GateHistoryEntity>().ExecuteDeleteAsync(cancellationToken),
            ["gates"] = await db.Set<GateEntity>().ExecuteDeleteAsync(cancellationToken),
            ["governance_switches"] = await db.Set<GovernanceSwitchEntity>().ExecuteDeleteAsync(cancellationToken),
            ["schedule_states"] = await db.Set<ScheduleStateEntity>().Where(s => workflows.Contains(s.WorkflowId)).ExecuteDeleteAsync(cancellationToken),
            ["workflow_shares"] = await db.Set<WorkflowShareEntity>().Where(s => workflows.Contains(s.WorkflowId)).ExecuteDeleteAsync(cancellationToken),
            ["workflow_versions"] = await db.Set<WorkflowVersionEntity>().Where(v => workflows.Contains(v.WorkflowId)).ExecuteDeleteAsync(cancellationToken),
            ["workflows"] = await db.Set<WorkflowEntity>().Where(w => workflows.Contains(w.Id)).ExecuteDeleteAsync(cancellationToken),
        };
        var data = new JsonObject { ["removed"] = new JsonObject([.. removed.Select(r => KeyValuePair.Create(r.Key, (JsonNode?)r.Value))]) };
        await audit.CommitAsync(db, new AuditEvent(actor, "demo.reset", "demo", "the demo is put back to its seeded state (the audit log is kept)", data), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var workflowId in workflows)
        {
            await routes.InvalidateAsync(workflowId);
        }

        return removed;
    }
}
