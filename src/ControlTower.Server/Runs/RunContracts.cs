using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ControlTower.Server.Runs;

/// <summary><c>pins</c>: node id → output, for a manual test run (see <see cref="RunPins"/>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record StartRunBody(JsonNode? Input = null, Dictionary<string, JsonNode?>? Pins = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CancelRunBody(string? Reason = null);

/// <summary>A person's answer to a node waiting with <c>outcome_unknown</c>: <c>retry</c>, <c>skip</c> or <c>fail</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ResolveNodeBody(string Action, string? Reason = null);

internal sealed record RunNodeView(
    string NodeId,
    string NodeType,
    string Status,
    int Attempt,
    string? Outcome,
    JsonNode? Output,
    JsonObject? Error,
    string? WaitReason,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

internal sealed record RunView(
    Guid Id,
    Guid WorkflowId,
    int WorkflowVersion,
    string Status,
    string? Phase,
    string Trigger,
    Guid StartedBy,
    string PrincipalSource,
    JsonNode? Input,
    JsonNode? Output,
    JsonObject? Error,
    string TraceId,
    Guid? ParentRunId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<RunNodeView>? Nodes,
    string? Outcome = null);

/// <summary>
/// Filters of <c>GET /api/runs</c>: <c>status</c> (one run status), <c>phase</c>, and a creation window
/// <c>from</c> (inclusive) .. <c>to</c> (exclusive).
/// </summary>
internal sealed record RunFilter(Guid? WorkflowId, string? Status, string? Phase, DateTimeOffset? From, DateTimeOffset? To);

internal sealed record RunPage(IReadOnlyList<RunView> Items, DateTimeOffset? NextBefore);

/// <summary>One attempt of one node: input, output or error, and how long it took.</summary>
internal sealed record NodeAttemptView(
    string NodeId,
    string NodeType,
    int Attempt,
    string Status,
    string IdempotencyKey,
    JsonNode? Input,
    JsonNode? Output,
    string? Outcome,
    string? ErrorCode,
    string? ErrorMessage,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    double? DurationMs);

/// <summary>The event schema of record (DESIGN.md §2).</summary>
internal sealed record RunEventView(
    string Type,
    DateTimeOffset Timestamp,
    JsonNode? Data,
    [property: JsonPropertyName("trace_id")] string TraceId,
    long Seq,
    string Version);
