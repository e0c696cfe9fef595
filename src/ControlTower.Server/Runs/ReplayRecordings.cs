using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>
/// What a replay run's side-effecting nodes get instead of acting: the original run's recorded
/// attempts of the same node, matched in attempt order (the replay's k-th attempt of a node gets the
/// original's k-th). A recorded failure is retryable when the original tried again after it. An
/// attempt the original never recorded fails with <c>replay.no_recording</c>: a replay never
/// repeats a side effect.
/// </summary>
internal sealed class ReplayRecordings(IDbContextFactory<ControlTowerDbContext> contexts)
{
    public const string Trigger = "replay";

    private const int CacheCapacity = 4096;
    private readonly ConcurrentDictionary<Guid, Guid> _sources = new();

    public async Task<NodeResult> RecordedResultAsync(Guid replayRunId, string nodeId, int attempt, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var source = await SourceAsync(db, replayRunId, cancellationToken);
        var recorded = await db.Set<NodeExecutionEntity>().AsNoTracking()
            .Where(e => e.RunId == source && e.NodeId == nodeId).OrderBy(e => e.Attempt).ToListAsync(cancellationToken);
        var ordinal = await db.Set<NodeExecutionEntity>().CountAsync(e => e.RunId == replayRunId && e.NodeId == nodeId && e.Attempt < attempt, cancellationToken);
        if (ordinal >= recorded.Count)
        {
            return Missing(source, nodeId, ordinal + 1);
        }

        var row = recorded[ordinal];
        var isLast = ordinal == recorded.Count - 1;
        return row.Status switch
        {
            "succeeded" => new NodeResult.Completed(row.Outcome ?? "success", Parse(row.Output)),
            "failed" => new NodeResult.Failed(row.ErrorCode ?? RunErrorCodes.NodeFailed, row.ErrorMessage ?? "", Retryable: !isLast),
            // The attempt's row never got its result (a subworkflow or a wait resolved later): the original's final node state has it.
            _ when isLast => await FinalResultAsync(db, source, nodeId, cancellationToken) ?? Missing(source, nodeId, ordinal + 1),
            _ => Missing(source, nodeId, ordinal + 1),
        };
    }

    public async Task<Guid> SourceAsync(ControlTowerDbContext db, Guid replayRunId, CancellationToken cancellationToken)
    {
        if (_sources.TryGetValue(replayRunId, out var cached))
        {
            return cached;
        }

        var source = await db.Set<RunReplayEntity>().Where(r => r.RunId == replayRunId).Select(r => (Guid?)r.SourceRunId).SingleOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException($"Run {replayRunId} is marked as a replay but names no source run.");
        if (_sources.Count >= CacheCapacity)
        {
            _sources.Clear();
        }

        _sources[replayRunId] = source;
        return source;
    }

    private static async Task<NodeResult?> FinalResultAsync(ControlTowerDbContext db, Guid source, string nodeId, CancellationToken cancellationToken)
    {
        var state = await RunStateRows.LoadAsync(db, source, cancellationToken);
        var node = state.Nodes.FirstOrDefault(n => n.NodeId == nodeId);
        return node?.Status switch
        {
            NodeStatus.Succeeded => new NodeResult.Completed(node.Outcome ?? "success", node.Output is { } o ? JsonNode.Parse(o.GetRawText()) : null),
            NodeStatus.Failed when node.Error is { } error => new NodeResult.Failed(error.Code, error.Message, false),
            _ => null,
        };
    }

    private static NodeResult.Failed Missing(Guid source, string nodeId, int ordinal) =>
        new(ReplayErrorCodes.NoRecording, $"The original run {source} recorded no attempt #{ordinal} of node '{nodeId}'; a replay never repeats a side effect.", false);

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);
}
