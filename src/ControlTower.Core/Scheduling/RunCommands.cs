using System.Text.Json;

namespace ControlTower.Core.Scheduling;

/// <summary>What <see cref="RunScheduler.Apply"/> asks the runner to do, in order, after it commits the new state.</summary>
public abstract record RunCommand;

/// <summary>
/// Run attempt <see cref="Attempt"/> of a node. Pass <see cref="IdempotencyKey"/>
/// (<c>runId:nodeId:attempt</c>) to side effects; evaluate CEL over <see cref="Activation"/>;
/// enforce <see cref="Timeout"/> (null: none) by sending a retryable <see cref="NodeFailed"/> with code <c>node.timeout</c>.
/// </summary>
public sealed record ExecuteNode(string NodeId, string NodeType, int Attempt, string IdempotencyKey, NodeActivation Activation, TimeSpan? Timeout) : RunCommand;

/// <summary>Send <see cref="RetryDue"/>(NodeId, NextAttempt) at <see cref="DueAt"/> (a durable timer row).</summary>
public sealed record ScheduleRetry(string NodeId, int NextAttempt, DateTimeOffset DueAt) : RunCommand;

/// <summary>Stop attempt <see cref="Attempt"/> of a node (and drop its timers); its late results will be ignored.</summary>
public sealed record CancelNode(string NodeId, int Attempt, string Reason) : RunCommand;

/// <summary>The run completed with <see cref="Output"/>.</summary>
public sealed record CompleteRun(JsonElement? Output) : RunCommand;

/// <summary>The run failed at <see cref="NodeId"/> (null when no single node is to blame) with a stable code.</summary>
public sealed record FailRun(string? NodeId, string Code, string Message) : RunCommand;

/// <summary>The run was cancelled.</summary>
public sealed record CancelRun(string Reason) : RunCommand;

/// <summary>
/// The result of one <see cref="RunScheduler.Apply"/>. <see cref="Ignored"/> is null when the
/// event was applied; otherwise one of <see cref="SchedulerIgnoredReasons"/> saying why it changed nothing;
/// then <see cref="State"/> is the input state and <see cref="Commands"/> is empty.
/// </summary>
public sealed record SchedulerResult(RunState State, IReadOnlyList<RunCommand> Commands, string? Ignored = null);
