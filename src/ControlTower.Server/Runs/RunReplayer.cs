using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ControlTower.Core.Errors;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ReplayRunBody(int? Version = null);

/// <summary>One node's end state in a run: <c>absent</c> when the node is not in that version.</summary>
internal sealed record ReplayNodeResult(string Status, string? Outcome, JsonNode? Output, JsonObject? Error);

internal sealed record ReplayNodeDifference(string NodeId, string? NodeType, ReplayNodeResult Original, ReplayNodeResult Replay, bool Differs);

/// <summary>A replay against its original, node by node (the replay's graph order, then nodes only the original had).</summary>
internal sealed record ReplayReport(
    Guid RunId,
    Guid SourceRunId,
    int SourceVersion,
    int ReplayVersion,
    string SourceStatus,
    string Status,
    bool Finished,
    int Differences,
    IReadOnlyList<ReplayNodeDifference> Nodes);

/// <summary>
/// Replays a finished run against the same or another version of its workflow: a new run (trigger
/// <c>replay</c>) with the original's input and trigger node, in which side-effecting nodes get the
/// original's recorded results (<see cref="ReplayRecordings"/>) and pure nodes run for real. Delay
/// timers do not wait in a replay. The report compares every node's status, outcome, output and error.
/// </summary>
internal sealed class RunReplayer(
    IDbContextFactory<ControlTowerDbContext> contexts,
    WorkflowDefinitions definitions,
    RunStarter starter,
    RunTransitions transitions,
    ReplayRecordings recordings,
    RunEventNotifier notifier,
    AuditLog audit,
    TimeProvider time)
{
    /// <summary>Starts the replay and waits up to <paramref name="wait"/> for it; the report says whether it finished.</summary>
    public async Task<ReplayReport> ReplayAsync(string actor, Guid actorId, Guid sourceRunId, int? version, TimeSpan wait, CancellationToken cancellationToken)
    {
        var runId = await StartAsync(actor, actorId, sourceRunId, version, cancellationToken);
        await WaitAsync(runId, wait, cancellationToken);
        return await ReportAsync(runId, cancellationToken);
    }

    public Task<Guid> StartAsync(string actor, Guid actorId, Guid sourceRunId, int? version, CancellationToken cancellationToken) =>
        StartAsync(actor, actorId, sourceRunId, version, alongside: null, cancellationToken);

    /// <summary>Starts the replay; <paramref name="alongside"/> adds rows (given the replay's id) that commit with it.</summary>
    public async Task<Guid> StartAsync(string actor, Guid actorId, Guid sourceRunId, int? version, Action<ControlTowerDbContext, Guid>? alongside, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var source = await db.Set<RunEntity>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == sourceRunId, cancellationToken)
            ?? throw RunTransitions.NotFound(sourceRunId);
        if (!IsFinished(source.Status))
        {
            throw new ControlTowerException(ErrorKind.Conflict, ReplayErrorCodes.SourceNotFinished, $"Run {sourceRunId} is {source.Status}: only a finished run can be replayed.");
        }

        var definition = await definitions.GetAsync(source.WorkflowId, version ?? source.WorkflowVersion, cancellationToken);
        var sourceState = await RunStateRows.LoadAsync(db, source, cancellationToken);
        var request = new StartRunRequest(source.WorkflowId, source.Input is null ? null : JsonNode.Parse(source.Input), ReplayRecordings.Trigger,
            actorId, actor, TriggerNodeId: sourceState.TriggerNodeId, WorkflowVersion: definition.Version);
        var (run, cancelled) = await starter.AddRunAsync(db, definition, request, parent: null, cancellationToken);
        db.Add(new RunReplayEntity { RunId = run.Id, SourceRunId = source.Id, CreatedAt = time.GetUtcNow().UtcDateTime });
        alongside?.Invoke(db, run.Id);
        await audit.CommitAsync(db, new AuditEvent(actor, "run.replayed", $"run:{run.Id}", $"replay of run {source.Id}",
            new JsonObject { ["sourceRunId"] = source.Id.ToString(), ["sourceVersion"] = source.WorkflowVersion, ["version"] = definition.Version }), cancellationToken);
        transitions.AfterCommit(run, cancelled);
        return run.Id;
    }

    public async Task<ReplayReport> ReportAsync(Guid replayRunId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var replay = await db.Set<RunEntity>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == replayRunId, cancellationToken)
            ?? throw RunTransitions.NotFound(replayRunId);
        if (replay.Trigger != ReplayRecordings.Trigger)
        {
            throw new ControlTowerException(ErrorKind.NotFound, ReplayErrorCodes.NotAReplay, $"Run {replayRunId} is not a replay.");
        }

        var sourceId = await recordings.SourceAsync(db, replayRunId, cancellationToken);
        var source = await db.Set<RunEntity>().AsNoTracking().SingleAsync(r => r.Id == sourceId, cancellationToken);
        var sourcePlan = (await definitions.GetAsync(source.WorkflowId, source.WorkflowVersion, cancellationToken)).Plan;
        var replayPlan = (await definitions.GetAsync(replay.WorkflowId, replay.WorkflowVersion, cancellationToken)).Plan;
        var before = (await RunStateRows.LoadAsync(db, source, cancellationToken)).Nodes.ToDictionary(n => n.NodeId, StringComparer.Ordinal);
        var after = (await RunStateRows.LoadAsync(db, replay, cancellationToken)).Nodes.ToDictionary(n => n.NodeId, StringComparer.Ordinal);
        var ids = replayPlan.Nodes.Select(n => n.Id).Concat(sourcePlan.Nodes.Select(n => n.Id).Where(id => !after.ContainsKey(id)));
        var nodes = ids.Select(id =>
        {
            var original = Result(before.GetValueOrDefault(id));
            var replayed = Result(after.GetValueOrDefault(id));
            var type = after.ContainsKey(id) ? replayPlan.Node(id).Type : sourcePlan.Node(id).Type;
            return new ReplayNodeDifference(id, type, original, replayed, !Same(original, replayed));
        }).ToList();
        return new ReplayReport(replay.Id, source.Id, source.WorkflowVersion, replay.WorkflowVersion, source.Status, replay.Status,
            IsFinished(replay.Status), nodes.Count(n => n.Differs), nodes);
    }

    /// <summary>By status, not <c>FinishedAt</c>: a failed run retried from its failed node runs again.</summary>
    public static bool IsFinished(string status) => status is "completed" or "failed" or "cancelled";

    private async Task WaitAsync(Guid runId, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(wait);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        while (true)
        {
            var next = notifier.NextAsync(runId);
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                if (await db.Set<RunEntity>().AnyAsync(r => r.Id == runId && (r.Status == "completed" || r.Status == "failed" || r.Status == "cancelled"), cancellationToken))
                {
                    return;
                }
            }

            await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(250), linked.Token));
            cancellationToken.ThrowIfCancellationRequested();
            if (timeout.IsCancellationRequested)
            {
                return; // Not finished in time: the report says so, and GET /api/runs/{id}/replay reads it later.
            }
        }
    }

    private static ReplayNodeResult Result(NodeRunState? node) => node is null
        ? new ReplayNodeResult("absent", null, null, null)
        : new ReplayNodeResult(
            node.Status.ToString().ToLowerInvariant(),
            node.Outcome,
            node.Output is { } output ? JsonNode.Parse(output.GetRawText()) : null,
            node.Error is { } error ? new JsonObject { ["code"] = error.Code, ["message"] = error.Message } : null);

    private static bool Same(ReplayNodeResult a, ReplayNodeResult b) =>
        a.Status == b.Status && a.Outcome == b.Outcome && JsonNode.DeepEquals(a.Output, b.Output) && JsonNode.DeepEquals(a.Error, b.Error);
}
