using ControlTower.Core.Scheduling;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.NodeSwitches;

/// <summary>
/// What the engine does with an attempt whose node type is switched off: it does not run. The node waits
/// (reason <see cref="WaitReason"/>, visible in the run and its events) and its task becomes a parked row holding
/// the attempt's activation, all in the transition's one transaction: nothing runs, nothing is lost, no thread
/// waits. Switching the type back on makes the parked rows due (<see cref="NodeTypeSwitches.SetAsync"/>); each is
/// then resumed (<see cref="NodeResumed"/>: running again, same attempt, same idempotency key) with an execute task
/// carrying the same activation. A parked row also comes due every recheck interval, the safety net for any
/// wake-up that raced with its parking. A cancelled run or node deletes its parked rows like any other task.
/// </summary>
internal sealed partial class NodeTypeParking(
    IDbContextFactory<ControlTowerDbContext> contexts,
    RunTransitions transitions,
    NodeTypeSwitches switches,
    IOptions<EngineOptions> options,
    EngineMetrics metrics,
    TimeProvider time,
    ILogger<NodeTypeParking> logger)
{
    public const string WaitReason = "node_type_disabled";

    /// <summary>Parks a claimed execute task when its node type is switched off; false (nothing done) when it may run.</summary>
    public async Task<bool> ParkIfDisabledAsync(RunTaskEntity task, string nodeType, CancellationToken cancellationToken)
    {
        // The cached answer lets enabled types through; "off" is confirmed against the database (it may have just changed).
        if (await switches.IsEnabledAsync(nodeType, cancellationToken) || await switches.IsEnabledNowAsync(nodeType, cancellationToken))
        {
            return false;
        }

        var parked = false;
        await transitions.ApplyAsync(
            task.RunId,
            now => new NodeWaiting(task.NodeId, task.Attempt, WaitReason, now),
            async scope =>
            {
                parked = false;
                var deleted = await scope.Db.Set<RunTaskEntity>().Where(t => t.Id == task.Id).ExecuteDeleteAsync(cancellationToken);
                if (deleted == 0 || !IsParked(scope.State, task))
                {
                    return; // the run moved on (cancelled, finished) while we looked: the task just goes
                }

                // Read again under the transaction: switched back on meanwhile means due at once, not at the next recheck.
                var due = await NodeTypeSwitches.IsEnabledInAsync(scope.Db, nodeType, cancellationToken) ? scope.Now : scope.Now + options.Value.ParkedRecheck;
                scope.Db.Add(new RunTaskEntity
                {
                    Id = Guid.NewGuid(),
                    RunId = task.RunId,
                    NodeId = task.NodeId,
                    Attempt = task.Attempt,
                    Kind = RunTaskKinds.Parked,
                    NodeType = nodeType,
                    DueAt = due,
                    Payload = task.Payload,
                    CreatedAt = scope.Now,
                });
                parked = true;
            },
            cancellationToken);
        if (parked)
        {
            Log.Parked(logger, task.RunId, task.NodeId, task.Attempt, nodeType);
            metrics.RecordSwitchParking(nodeType, "parked");
        }

        return true;
    }

    /// <summary>A parked task fell due: resume its attempt when the type is on again, else park it until the next recheck.</summary>
    public async Task ProcessAsync(RunTaskEntity task, CancellationToken cancellationToken)
    {
        var nodeType = task.NodeType ?? throw new InvalidOperationException($"Parked task {task.Id} names no node type.");
        bool enabled;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            enabled = await NodeTypeSwitches.IsEnabledInAsync(db, nodeType, cancellationToken);
            if (!enabled)
            {
                // Only when nobody woke it meanwhile (a wake-up sets DueAt): then it is claimed again at once.
                var next = time.GetUtcNow().UtcDateTime + options.Value.ParkedRecheck;
                await db.Set<RunTaskEntity>().Where(t => t.Id == task.Id && t.DueAt == task.DueAt)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.DueAt, next), cancellationToken);
                await db.Set<RunTaskEntity>().Where(t => t.Id == task.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.LeaseOwner, (string?)null).SetProperty(t => t.LeaseExpiresAt, (DateTime?)null), cancellationToken);
                return;
            }
        }

        var resumed = false;
        await transitions.ApplyAsync(
            task.RunId,
            now => new NodeResumed(task.NodeId, task.Attempt, now),
            async scope =>
            {
                resumed = false;
                var deleted = await scope.Db.Set<RunTaskEntity>().Where(t => t.Id == task.Id).ExecuteDeleteAsync(cancellationToken);
                var node = scope.State.Nodes.FirstOrDefault(n => n.NodeId == task.NodeId);
                if (deleted == 0 || node is null || node.Status != NodeStatus.Running || node.Attempt != task.Attempt)
                {
                    return; // stale: the node was cancelled, resolved by a person or resumed by another worker
                }

                RunTransitionWriter.AddTask(scope.Db, task.RunId, task.NodeId, task.Attempt, RunTaskKinds.Execute, scope.Now, task.Payload, scope.Now);
                resumed = true;
            },
            cancellationToken);
        if (resumed)
        {
            Log.Resumed(logger, task.RunId, task.NodeId, task.Attempt, nodeType);
            metrics.RecordSwitchParking(nodeType, "resumed");
        }
    }

    private static bool IsParked(RunState state, RunTaskEntity task) =>
        state.Nodes.FirstOrDefault(n => n.NodeId == task.NodeId) is { Status: NodeStatus.Waiting, WaitReason: WaitReason } node && node.Attempt == task.Attempt;
}
