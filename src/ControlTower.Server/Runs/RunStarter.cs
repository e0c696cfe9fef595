using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
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
    string PrincipalSource = RunPrincipals.Caller,
    IReadOnlyDictionary<string, JsonNode?>? Pins = null);

/// <summary>
/// The run, and whether this call created it (false: the idempotency key named an existing run). <see cref="State"/>:
/// the state this call committed (null for an existing run), so a caller that answers from it reads nothing back.
/// </summary>
internal sealed record StartedRun(RunEntity Run, bool Created, RunState? State = null);

/// <summary>
/// Creates runs: pins the version the start names, else the one the workflow's release chooses (<see cref="Releases.ReleaseRouter"/>),
/// applies the start and commits it with its first tasks.
/// </summary>
internal sealed class RunStarter(
    IDbContextFactory<ControlTowerDbContext> contexts,
    WorkflowDefinitions definitions,
    Releases.ReleaseRouter releases,
    RunTransitions transitions,
    RunCommitQueue commits,
    AuditLog audit,
    Credentials.SecretRegistry secrets,
    NodeSwitches.NodeTypeSwitches switches,
    RunStretches stretches,
    Blobs.PayloadBlobs blobs,
    Microsoft.Extensions.Options.IOptions<EngineOptions> engine,
    TimeProvider time)
{
    /// <summary>The run an idempotency key names; compiled once per instance (a compiled query serves one model).</summary>
    private readonly Func<ControlTowerDbContext, Guid, string, CancellationToken, Task<RunEntity?>> _findByKey = EF.CompileAsyncQuery(
        (ControlTowerDbContext db, Guid workflowId, string key, CancellationToken _) =>
            db.Set<RunEntity>().AsNoTracking().SingleOrDefault(r => r.WorkflowId == workflowId && r.IdempotencyKey == key));

    public async Task<StartedRun> StartAsync(StartRunRequest request, CancellationToken cancellationToken)
    {
        var runId = Guid.NewGuid();
        (var definition, request) = await ChooseVersionAsync(request, runId, cancellationToken);
        if (request.Pins is { Count: > 0 } pins)
        {
            RunPins.Validate(definition, pins);
        }

        if (await EnsureTriggerEnabledAsync(definition, request, cancellationToken) is { } redelivered)
        {
            return new StartedRun(redelivered, false);
        }

        // The run's first side-effect-free nodes run before the transaction opens, and commit with the start
        // (in the engine's group commit, with other runs' starts and steps).
        var prepared = await PrepareAsync(definition, request, runId, parent: null, cancellationToken);
        var run = prepared.Run;
        IReadOnlyList<CancelledAttempt> cancelled;
        RunEntity? existing = null;
        try
        {
            cancelled = await commits.CommitAsync(async (db, ct) =>
            {
                // A redelivery is an expected outcome, so the key is looked up (a key violation would be logged as a
                // database error), in the commit's own transaction: no connection of its own, and on SQLite (one writer)
                // no start can slip in between. The unique key still settles starts that race on PostgreSQL or MySQL.
                if (request.IdempotencyKey is { } key && await _findByKey(db, request.WorkflowId, key, ct) is { } earlier)
                {
                    existing = earlier;
                    return [];
                }

                var written = await WriteAsync(db, definition, prepared, ct);
                if (request.Pins is { Count: > 0 } pinned)
                {
                    RunPins.Add(db, run.Id, pinned.ToDictionary(p => p.Key, p => secrets.Redactor.Redact(p.Value), StringComparer.Ordinal), prepared.Now);
                }
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
            return new StartedRun(await FindByKeyAsync(request.WorkflowId, request.IdempotencyKey, cancellationToken) ?? throw new InvalidOperationException(
                $"Run start with idempotency key '{request.IdempotencyKey}' conflicted, but no run holds the key."), false);
        }

        if (existing is not null)
        {
            return new StartedRun(existing, false);
        }

        transitions.AfterCommit(run, cancelled, prepared.Stretch.WritesTasks);
        return new StartedRun(run, true, prepared.Stretch.Final);
    }

    /// <summary>
    /// Refuses a start through a switched-off trigger type, unless its idempotency key names a run started before the switch
    /// was turned off: that run is returned (a redelivery answers as it did the first time). Null: the trigger is on.
    /// </summary>
    private async Task<RunEntity?> EnsureTriggerEnabledAsync(WorkflowDefinition definition, StartRunRequest request, CancellationToken cancellationToken)
    {
        var trigger = request.TriggerNodeId is { } triggerId ? definition.Plan.Node(triggerId) : definition.Plan.Nodes.FirstOrDefault(n => n.IsTrigger);
        if (trigger is null)
        {
            return null;
        }

        try
        {
            await switches.EnsureTriggerEnabledAsync(trigger.Type, cancellationToken);
            return null;
        }
        catch (ControlTowerException) when (request.IdempotencyKey is not null)
        {
            var earlier = await FindByKeyAsync(request.WorkflowId, request.IdempotencyKey, cancellationToken);
            if (earlier is null)
            {
                throw;
            }

            return earlier;
        }
    }

    /// <summary>Adds a new, started run to the unit of work (used for top-level and child runs alike).</summary>
    public async Task<(RunEntity Run, IReadOnlyList<CancelledAttempt> Cancelled)> AddRunAsync(
        ControlTowerDbContext db,
        WorkflowDefinition definition,
        StartRunRequest request,
        (Guid RunId, string NodeId, int Attempt, string TraceId)? parent,
        CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(definition, request, Guid.NewGuid(), parent, cancellationToken, db);
        return (prepared.Run, await WriteAsync(db, definition, prepared, cancellationToken));
    }

    /// <summary>
    /// The version the request names, else the release's choice for this start, split by the trigger's idempotency key
    /// (else the new run's id); a start without a caller then acts as the author of the version chosen.
    /// </summary>
    private async Task<(WorkflowDefinition Definition, StartRunRequest Request)> ChooseVersionAsync(StartRunRequest request, Guid runId, CancellationToken cancellationToken)
    {
        if (request.WorkflowVersion is { } version)
        {
            return (await definitions.GetAsync(request.WorkflowId, version, cancellationToken), request);
        }

        var released = await releases.ChooseAsync(request.WorkflowId, request.IdempotencyKey ?? runId.ToString(), request.TriggerNodeId, cancellationToken);
        return (released, request.PrincipalSource == RunPrincipals.VersionAuthor ? request with { StartedBy = released.AuthorId } : request);
    }

    private sealed record PreparedRun(RunEntity Run, Stretch Stretch, JsonObject StartedUpdate, DateTime Now);

    /// <summary>
    /// The new run and its start applied in memory; a top-level run in checkpoint mode, in a process with a
    /// worker, also runs its first side-effect-free nodes (a child run starts inside its parent's transaction, so it does not).
    /// </summary>
    private async Task<PreparedRun> PrepareAsync(
        WorkflowDefinition definition,
        StartRunRequest request,
        Guid runId,
        (Guid RunId, string NodeId, int Attempt, string TraceId)? parent,
        CancellationToken cancellationToken,
        ControlTowerDbContext? unitOfWork = null)
    {
        var now = time.GetUtcNow();
        // A large input (a webhook body, an API start's input) is stored by reference before anything copies it.
        request = request with { Input = await blobs.OffloadAsync(runId, secrets.Redactor.Redact(request.Input), unitOfWork, cancellationToken) };
        var seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));
        var initial = RunState.Create(definition.Plan, runId.ToString(), seed);
        var started = RunScheduler.Apply(definition.Plan, initial, new RunStarted(RunTransitionWriter.ToElement(request.Input), now, request.TriggerNodeId));
        var run = new RunEntity
        {
            Id = runId,
            WorkflowId = definition.WorkflowId,
            WorkflowVersion = definition.Version,
            Status = RunTransitionWriter.StatusName(initial.Status),
            State = RunStateJson.SerializeHeader(initial),
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
        var startedUpdate = new JsonObject
        {
            ["kind"] = "run",
            ["status"] = "started",
            ["workflow_id"] = definition.WorkflowId.ToString(),
            ["version"] = definition.Version,
            ["trigger"] = request.Trigger
        };
        // An API-only process (no worker) executes no nodes: its runs' first nodes go to the workers as tasks. So do a
        // replay's and a test run's, whose recordings and pins the workers read once the start has committed.
        var stretch = parent is null && engine.Value.WorkerEnabled
            && request.Trigger is not (ReplayRecordings.Trigger or RunPins.Trigger) && RunDurability.Coalesces(definition) && started.Ignored is null
            ? await stretches.ContinueAsync(run, definition, initial, started, cancellationToken)
            : new Stretch([new CoalescedStep(initial, started)], []);
        return new PreparedRun(run, stretch, startedUpdate, now.UtcDateTime);
    }

    private static async Task<IReadOnlyList<CancelledAttempt>> WriteAsync(ControlTowerDbContext db, WorkflowDefinition definition, PreparedRun prepared, CancellationToken cancellationToken)
    {
        var (run, stretch, now) = (prepared.Run, prepared.Stretch, prepared.Now);
        db.EngineRows.AddNew(run); // inserted as it stands when the unit saves, after the steps below wrote into it
        var cancelled = new List<CancelledAttempt>();
        for (var i = 0; i < stretch.Steps.Count; i++)
        {
            var step = stretch.Steps[i];
            cancelled.AddRange(await RunTransitionWriter.WriteStepAsync(db, run, definition, step.Before, step.Written, now, i == 0 ? [prepared.StartedUpdate] : null, cancellationToken));
        }

        RunTransitionWriter.WriteCheckpoint(db, run, definition.Plan, stretch.Steps[0].Before, stretch.Final, now);
        RunStretches.AddExecutions(db, stretch.Ran, now);
        return cancelled;
    }

    private async Task<RunEntity?> FindByKeyAsync(Guid workflowId, string key, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await _findByKey(db, workflowId, key, cancellationToken);
    }
}
