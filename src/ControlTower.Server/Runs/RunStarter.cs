using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>How a run is asked for. <see cref="StartedBy"/> is the principal the run acts as (<see cref="RunPrincipals"/>).</summary>
internal sealed record StartRunRequest(
    Guid WorkflowId,
    JsonNode? Input,
    string Trigger,
    Guid StartedBy,
    string Actor,
    string? IdempotencyKey = null,
    string? TriggerNodeId = null,
    int? WorkflowVersion = null,
    string PrincipalSource = RunPrincipals.Caller);

/// <summary>The run, and whether this call created it (false: the idempotency key named an existing run).</summary>
internal sealed record StartedRun(RunEntity Run, bool Created);

/// <summary>Creates runs: pins the workflow's latest version, applies the start and commits it with its first tasks.</summary>
internal sealed class RunStarter(
    IDbContextFactory<ControlTowerDbContext> contexts,
    WorkflowDefinitions definitions,
    RunTransitions transitions,
    RunCommitQueue commits,
    AuditLog audit,
    Credentials.SecretRegistry secrets,
    NodeSwitches.NodeTypeSwitches switches,
    RunStretches stretches,
    Microsoft.Extensions.Options.IOptions<EngineOptions> engine,
    TimeProvider time)
{
    public async Task<StartedRun> StartAsync(StartRunRequest request, CancellationToken cancellationToken)
    {
        var definition = request.WorkflowVersion is { } version
            ? await definitions.GetAsync(request.WorkflowId, version, cancellationToken)
            : await definitions.GetLatestRunnableAsync(request.WorkflowId, cancellationToken);
        // A redelivery is an expected outcome, so the key is looked up first (a key violation would be logged as a
        // database error); the unique key still settles two starts that race past this check.
        if (await FindByKeyAsync(request, cancellationToken) is { } existing)
        {
            return new StartedRun(existing, false);
        }

        if ((request.TriggerNodeId is { } triggerId ? definition.Plan.Node(triggerId) : definition.Plan.Nodes.FirstOrDefault(n => n.IsTrigger)) is { } trigger)
        {
            await switches.EnsureTriggerEnabledAsync(trigger.Type, cancellationToken);
        }

        // The run's first side-effect-free nodes run before the transaction opens, and commit with the start
        // (in the engine's group commit, with other runs' starts and steps).
        var prepared = await PrepareAsync(definition, request, parent: null, cancellationToken);
        var run = prepared.Run;
        IReadOnlyList<CancelledAttempt> cancelled;
        try
        {
            cancelled = await commits.CommitAsync(async (db, ct) =>
            {
                var written = await WriteAsync(db, definition, prepared, ct);
                await RunTransitions.NotifyOtherProcessesAsync(db, run.Id, ct);
                await audit.CommitAsync(db, new AuditEvent(request.Actor, "run.started", $"run:{run.Id}", $"started by {request.Trigger}",
                    new JsonObject
                    {
                        ["workflowId"] = definition.WorkflowId.ToString(),
                        ["version"] = definition.Version,
                        ["principal"] = request.StartedBy.ToString(),
                        ["principalSource"] = request.PrincipalSource,
                    }), ct);
                return written;
            }, cancellationToken);
        }
        catch (DbUpdateException) when (request.IdempotencyKey is not null)
        {
            // Another request with the same key won the race (unique index); that run is the answer.
            return new StartedRun(await FindByKeyAsync(request, cancellationToken) ?? throw new InvalidOperationException(
                $"Run start with idempotency key '{request.IdempotencyKey}' conflicted, but no run holds the key."), false);
        }

        transitions.AfterCommit(run, cancelled, prepared.Stretch.WritesTasks);
        return new StartedRun(run, true);
    }

    /// <summary>Adds a new, started run to the unit of work (used for top-level and child runs alike).</summary>
    public async Task<(RunEntity Run, IReadOnlyList<CancelledAttempt> Cancelled)> AddRunAsync(
        ControlTowerDbContext db,
        WorkflowDefinition definition,
        StartRunRequest request,
        (Guid RunId, string NodeId, int Attempt, string TraceId)? parent,
        CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(definition, request, parent, cancellationToken);
        return (prepared.Run, await WriteAsync(db, definition, prepared, cancellationToken));
    }

    private sealed record PreparedRun(RunEntity Run, Stretch Stretch, JsonObject StartedUpdate, DateTime Now);

    /// <summary>
    /// The new run and its start applied in memory; a top-level run in checkpoint mode, in a process with a
    /// worker, also runs its first side-effect-free nodes (a child run starts inside its parent's transaction, so it does not).
    /// </summary>
    private async Task<PreparedRun> PrepareAsync(
        WorkflowDefinition definition,
        StartRunRequest request,
        (Guid RunId, string NodeId, int Attempt, string TraceId)? parent,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var runId = Guid.NewGuid();
        request = request with { Input = secrets.Redactor.Redact(request.Input) };
        var seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));
        var initial = RunState.Create(definition.Plan, runId.ToString(), seed);
        var started = RunScheduler.Apply(definition.Plan, initial, new RunStarted(RunTransitionWriter.ToElement(request.Input), now, request.TriggerNodeId));
        var run = new RunEntity
        {
            Id = runId,
            WorkflowId = definition.WorkflowId,
            WorkflowVersion = definition.Version,
            Status = RunTransitionWriter.StatusName(initial.Status),
            State = RunStateJson.Serialize(initial),
            Input = request.Input?.ToJsonString(),
            Seed = seed,
            IdempotencyKey = request.IdempotencyKey,
            Trigger = request.Trigger,
            StartedBy = request.StartedBy,
            PrincipalSource = request.PrincipalSource,
            TraceId = parent?.TraceId ?? Activity.Current?.TraceId.ToString() ?? ActivityTraceId.CreateRandom().ToString(),
            ParentRunId = parent?.RunId,
            ParentNodeId = parent?.NodeId,
            ParentAttempt = parent?.Attempt,
            CreatedAt = now.UtcDateTime,
            UpdatedAt = now.UtcDateTime,
        };
        var startedUpdate = new JsonObject { ["kind"] = "run", ["status"] = "started", ["workflow_id"] = definition.WorkflowId.ToString(), ["version"] = definition.Version, ["trigger"] = request.Trigger };
        // An API-only process (no worker) executes no nodes: its runs' first nodes go to the workers as tasks.
        var stretch = parent is null && engine.Value.WorkerEnabled && request.Trigger != ReplayRecordings.Trigger && RunDurability.Coalesces(definition) && started.Ignored is null
            ? await stretches.ContinueAsync(run, definition, initial, started, cancellationToken)
            : new Stretch([new CoalescedStep(initial, started)], []);
        return new PreparedRun(run, stretch, startedUpdate, now.UtcDateTime);
    }

    private static async Task<IReadOnlyList<CancelledAttempt>> WriteAsync(ControlTowerDbContext db, WorkflowDefinition definition, PreparedRun prepared, CancellationToken cancellationToken)
    {
        var (run, stretch, now) = (prepared.Run, prepared.Stretch, prepared.Now);
        db.Add(run);
        var cancelled = new List<CancelledAttempt>();
        for (var i = 0; i < stretch.Steps.Count; i++)
        {
            var step = stretch.Steps[i];
            cancelled.AddRange(await RunTransitionWriter.WriteStepAsync(db, run, definition, step.Before, step.Written, now, i == 0 ? [prepared.StartedUpdate] : null, cancellationToken));
        }

        RunTransitionWriter.WriteCheckpoint(run, stretch.Final, now);
        RunStretches.AddExecutions(db, stretch.Ran, now);
        return cancelled;
    }

    private async Task<RunEntity?> FindByKeyAsync(StartRunRequest request, CancellationToken cancellationToken)
    {
        if (request.IdempotencyKey is null)
        {
            return null;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<RunEntity>().AsNoTracking()
            .SingleOrDefaultAsync(r => r.WorkflowId == request.WorkflowId && r.IdempotencyKey == request.IdempotencyKey, cancellationToken);
    }
}
