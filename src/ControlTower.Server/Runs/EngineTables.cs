using ControlTower.Server.Audit;

namespace ControlTower.Server.Runs;

/// <summary>One table <see cref="EngineRows"/> inserts into: its columns, each with how to read it from a row.</summary>
internal sealed record EngineTable<T>(string Name, (string Column, Func<T, object?> Value)[] Columns);

/// <summary>
/// The tables of <see cref="EngineRows"/>, every mapped column of each (<c>EngineRowsTests</c> holds them to the EF model, so a
/// property added to one of these entities cannot be left out of its insert).
/// </summary>
internal static class EngineTables
{
    public static readonly EngineTable<RunEntity> Runs = new("runs",
    [
        ("Id", r => r.Id), ("WorkflowId", r => r.WorkflowId), ("WorkflowVersion", r => r.WorkflowVersion), ("Status", r => r.Status),
        ("Phase", r => r.Phase), ("State", r => r.State), ("StateVersion", r => r.StateVersion), ("NextEventSeq", r => r.NextEventSeq),
        ("Input", r => r.Input), ("Output", r => r.Output), ("ErrorNodeId", r => r.ErrorNodeId), ("ErrorCode", r => r.ErrorCode),
        ("ErrorMessage", r => r.ErrorMessage), ("Seed", r => r.Seed), ("IdempotencyKey", r => r.IdempotencyKey), ("Trigger", r => r.Trigger),
        ("StartedBy", r => r.StartedBy), ("PrincipalSource", r => r.PrincipalSource), ("TraceId", r => r.TraceId),
        ("ParentRunId", r => r.ParentRunId), ("ParentNodeId", r => r.ParentNodeId), ("ParentAttempt", r => r.ParentAttempt),
        ("CreatedAt", r => r.CreatedAt), ("UpdatedAt", r => r.UpdatedAt), ("FinishedAt", r => r.FinishedAt),
    ]);

    public static readonly EngineTable<RunNodeStateEntity> NodeStates = new("run_node_states",
    [
        ("RunId", n => n.RunId), ("NodeId", n => n.NodeId), ("Version", n => n.Version), ("State", n => n.State), ("Output", n => n.Output),
    ]);

    public static readonly EngineTable<RunEventEntity> Events = new("run_events",
    [
        ("RunId", e => e.RunId), ("Seq", e => e.Seq), ("Type", e => e.Type), ("Timestamp", e => e.Timestamp), ("Data", e => e.Data),
        ("TraceId", e => e.TraceId),
    ]);

    public static readonly EngineTable<NodeExecutionEntity> Executions = new("node_executions",
    [
        ("RunId", e => e.RunId), ("NodeId", e => e.NodeId), ("Attempt", e => e.Attempt), ("NodeType", e => e.NodeType),
        ("IdempotencyKey", e => e.IdempotencyKey), ("Status", e => e.Status), ("Input", e => e.Input), ("Output", e => e.Output),
        ("Outcome", e => e.Outcome), ("ErrorCode", e => e.ErrorCode), ("ErrorMessage", e => e.ErrorMessage),
        ("StartedAt", e => e.StartedAt), ("FinishedAt", e => e.FinishedAt),
    ]);

    public static readonly EngineTable<AuditEntryEntity> AuditEntries = new("audit_entries",
    [
        ("Sequence", a => a.Sequence), ("Timestamp", a => a.Timestamp), ("Actor", a => a.Actor), ("Action", a => a.Action),
        ("Target", a => a.Target), ("Reason", a => a.Reason), ("Data", a => a.Data), ("PreviousHash", a => a.PreviousHash), ("Hash", a => a.Hash),
    ]);
}
