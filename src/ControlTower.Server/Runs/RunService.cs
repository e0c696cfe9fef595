using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>What people and clients do with runs: read them, cancel, retry from the failed node, answer an unknown outcome.</summary>
internal sealed class RunService(
    IDbContextFactory<ControlTowerDbContext> contexts,
    RunTransitions transitions,
    Workflows.WorkflowDefinitions definitions,
    AuditLog audit)
{
    public const int MaxPageSize = 200;

    public async Task<RunView> GetAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.Set<RunEntity>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, cancellationToken)
            ?? throw RunTransitions.NotFound(runId);
        var definition = await definitions.GetAsync(run.WorkflowId, run.WorkflowVersion, cancellationToken);
        var types = definition.Plan.Nodes.ToDictionary(n => n.Id, n => n.Type, StringComparer.Ordinal);
        return ToView(run, await RunStateRows.LoadAsync(db, run, cancellationToken), types, definition.Plan.OutcomeOf(run.Phase));
    }

    public async Task<RunPage> ListAsync(RunFilter filter, DateTimeOffset? before, int limit, CancellationToken cancellationToken)
    {
        Validate(filter, limit);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Set<RunEntity>().AsNoTracking();
        query = filter.WorkflowId is { } id ? query.Where(r => r.WorkflowId == id) : query;
        query = filter.Status is { } status ? query.Where(r => r.Status == status) : query;
        query = filter.Phase is { } phase ? query.Where(r => r.Phase == phase) : query;
        if (filter.From is { } from)
        {
            var fromUtc = from.UtcDateTime;
            query = query.Where(r => r.CreatedAt >= fromUtc);
        }

        if (filter.To is { } to)
        {
            var toUtc = to.UtcDateTime;
            query = query.Where(r => r.CreatedAt < toUtc);
        }

        if (before is { } cursor)
        {
            var cursorUtc = cursor.UtcDateTime;
            query = query.Where(r => r.CreatedAt < cursorUtc);
        }

        var rows = await query.OrderByDescending(r => r.CreatedAt).Take(limit + 1).ToListAsync(cancellationToken);
        var items = new List<RunView>(Math.Min(rows.Count, limit));
        foreach (var row in rows.Take(limit))
        {
            items.Add(ToView(row, null, null, await OutcomeAsync(row, cancellationToken)));
        }

        return new RunPage(items, rows.Count > limit ? items[^1].CreatedAt : null);
    }

    private static readonly string[] StatusNames = [.. Enum.GetValues<RunStatus>().Select(RunTransitionWriter.StatusName)];

    private static void Validate(RunFilter filter, int limit)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            throw new ControlTowerException(ErrorKind.Validation, Platform.Errors.ErrorCodes.InvalidRequest, $"limit must be between 1 and {MaxPageSize}.");
        }

        if (filter.Status is { } status && !StatusNames.Contains(status, StringComparer.Ordinal))
        {
            throw new ControlTowerException(ErrorKind.Validation, Platform.Errors.ErrorCodes.InvalidRequest, $"status must be one of {string.Join(", ", StatusNames)}.");
        }

        if (filter is { From: { } from, To: { } to } && to <= from)
        {
            throw new ControlTowerException(ErrorKind.Validation, Platform.Errors.ErrorCodes.InvalidRequest, "to must be later than from.");
        }
    }

    /// <summary>The run's business outcome from its workflow's <c>config.outcomes</c> (definitions are cached per version).</summary>
    private async Task<string?> OutcomeAsync(RunEntity run, CancellationToken cancellationToken) =>
        run.Phase is null ? null : (await definitions.GetAsync(run.WorkflowId, run.WorkflowVersion, cancellationToken)).Plan.OutcomeOf(run.Phase);

    public async Task<IReadOnlyList<NodeAttemptView>> AttemptsAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.Set<RunEntity>().Where(r => r.Id == runId).Select(r => new { r.Input }).SingleOrDefaultAsync(cancellationToken)
            ?? throw RunTransitions.NotFound(runId);
        var rows = await db.Set<NodeExecutionEntity>().AsNoTracking().Where(e => e.RunId == runId).ToListAsync(cancellationToken);
        // An inline attempt's input refers to the run input and to other records' outputs (NodeInputRecords): resolved here.
        var records = rows.ToDictionary(e => (e.NodeId, e.Attempt), e => (e.Outcome, e.Output));
        return rows.OrderBy(e => e.StartedAt).ThenBy(e => e.NodeId, StringComparer.Ordinal).ThenBy(e => e.Attempt).Select(e => new NodeAttemptView(
            e.NodeId, e.NodeType, e.Attempt, e.Status, e.IdempotencyKey, NodeInputRecords.Resolve(e.Input, run.Input, records), Parse(e.Output), e.Outcome, e.ErrorCode, e.ErrorMessage,
            Utc(e.StartedAt), e.FinishedAt is { } f ? Utc(f) : null, e.FinishedAt is { } end ? (end - e.StartedAt).TotalMilliseconds : null)).ToList();
    }

    public async Task<IReadOnlyList<RunEventView>> EventsAsync(Guid runId, long after, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<RunEventEntity>().AsNoTracking()
            .Where(e => e.RunId == runId && e.Seq > after).OrderBy(e => e.Seq).Take(limit).ToListAsync(cancellationToken);
        if (rows.Count == 0 && !await db.Set<RunEntity>().AnyAsync(r => r.Id == runId, cancellationToken))
        {
            throw RunTransitions.NotFound(runId);
        }

        return rows.ConvertAll(e => new RunEventView(e.Type, Utc(e.Timestamp), JsonNode.Parse(e.Data), e.TraceId, e.Seq, RunEventTypes.SchemaVersion));
    }

    public Task<RunView> CancelAsync(string actor, Guid runId, string? reason, CancellationToken cancellationToken) =>
        ActAsync(actor, runId, "run.cancelled", reason ?? "cancelled by a person", now => new CancelRequested(now, reason ?? "cancelled"), RunErrorCodes.Finished, cancellationToken);

    public Task<RunView> RetryAsync(string actor, Guid runId, CancellationToken cancellationToken) =>
        ActAsync(actor, runId, "run.retried", "retry from the failed node", now => new RunRetryRequested(now), RunErrorCodes.NotRetryable, cancellationToken);

    public Task<RunView> ResolveNodeAsync(string actor, Guid runId, string nodeId, ResolveNodeBody body, CancellationToken cancellationToken)
    {
        Func<DateTimeOffset, RunState, RunEvent> decide = body.Action switch
        {
            "retry" => (now, _) => new NodeRetryRequested(nodeId, now),
            "skip" => (now, state) => new NodeCompleted(nodeId, state.Node(nodeId).Attempt, "success", null, now),
            "fail" => (now, state) => new NodeFailed(nodeId, state.Node(nodeId).Attempt, RunErrorCodes.FailedByPerson, body.Reason ?? "a person chose to fail it", false, now),
            _ => throw new ControlTowerException(ErrorKind.Validation, RunErrorCodes.ResolutionInvalid, "action must be retry, skip or fail."),
        };
        return ActOnStateAsync(actor, runId, $"run.node_{body.Action}", body.Reason ?? $"a person chose {body.Action} for node {nodeId}", nodeId, decide, cancellationToken);
    }

    private Task<RunView> ActAsync(string actor, Guid runId, string action, string reason, Func<DateTimeOffset, RunEvent> makeEvent, string refusedCode, CancellationToken cancellationToken) =>
        ActOnStateAsync(actor, runId, action, reason, null, (now, _) => makeEvent(now), cancellationToken, refusedCode);

    /// <summary>Applies a person's decision and audits it in the same transaction; a decision the run cannot take is a 409.</summary>
    private async Task<RunView> ActOnStateAsync(
        string actor,
        Guid runId,
        string action,
        string reason,
        string? nodeId,
        Func<DateTimeOffset, RunState, RunEvent> decide,
        CancellationToken cancellationToken,
        string refusedCode = RunErrorCodes.NotWaiting)
    {
        var current = await LoadStateAsync(runId, cancellationToken);
        if (nodeId is not null && current.Nodes.All(n => n.NodeId != nodeId || n.Status != NodeStatus.Waiting))
        {
            throw new ControlTowerException(ErrorKind.Conflict, RunErrorCodes.NotWaiting, $"Node '{nodeId}' of run {runId} is not waiting for a decision.");
        }

        var result = await transitions.ApplyAsync(
            runId,
            now => decide(now, current),
            scope => scope.State == current ? Task.CompletedTask : audit.CommitAsync(scope.Db, new AuditEvent(actor, action, $"run:{runId}", reason,
                nodeId is null ? null : new JsonObject { ["nodeId"] = nodeId }), cancellationToken),
            cancellationToken);
        if (result.Ignored is { } ignored)
        {
            throw new ControlTowerException(ErrorKind.Conflict, refusedCode, $"The run cannot do that now ({ignored}).");
        }

        return await GetAsync(runId, cancellationToken);
    }

    private async Task<RunState> LoadStateAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await RunStateRows.LoadAsync(db, runId, cancellationToken);
    }

    public static RunView ToView(RunEntity run, RunState? state, IReadOnlyDictionary<string, string>? nodeTypes, string? outcome = null) => new(
        run.Id,
        run.WorkflowId,
        run.WorkflowVersion,
        run.Status,
        run.Phase,
        run.Trigger,
        run.StartedBy,
        run.PrincipalSource,
        Parse(run.Input),
        Parse(run.Output),
        run.ErrorCode is null ? null : new JsonObject { ["node_id"] = run.ErrorNodeId, ["code"] = run.ErrorCode, ["message"] = run.ErrorMessage },
        run.TraceId,
        run.ParentRunId,
        Utc(run.CreatedAt),
        Utc(run.UpdatedAt),
        run.FinishedAt is { } finished ? Utc(finished) : null,
        state?.Nodes.Select(n => new RunNodeView(
            n.NodeId,
            nodeTypes?.GetValueOrDefault(n.NodeId) ?? "",
            n.Status.ToString().ToLowerInvariant(),
            n.Attempt,
            n.Outcome,
            n.Output is { } output ? JsonNode.Parse(output.GetRawText()) : null,
            n.Error is { } error ? new JsonObject { ["code"] = error.Code, ["message"] = error.Message } : null,
            n.WaitReason,
            n.StartedAt,
            n.FinishedAt)).ToList(),
        outcome);

    private static DateTimeOffset Utc(DateTime value) => new(value, TimeSpan.Zero);

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);
}
