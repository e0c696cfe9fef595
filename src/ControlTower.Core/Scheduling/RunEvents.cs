using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlTower.Core.Scheduling;

/// <summary>
/// Something that happened to a run, fed to <see cref="RunScheduler.Apply"/>. Every event carries
/// the time it happened (<see cref="Now"/>): the scheduler never reads a clock. Events about a node
/// carry the attempt they concern; an event for another attempt, for a node not in the matching
/// state, or for a finished run is ignored (see <see cref="SchedulerResult.Ignored"/>), which makes
/// duplicate and late deliveries harmless. Serializable with System.Text.Json (discriminator <c>type</c>).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RunStarted), "run_started")]
[JsonDerivedType(typeof(NodeCompleted), "node_completed")]
[JsonDerivedType(typeof(NodeFailed), "node_failed")]
[JsonDerivedType(typeof(NodeWaiting), "node_waiting")]
[JsonDerivedType(typeof(NodeResumed), "node_resumed")]
[JsonDerivedType(typeof(RetryDue), "retry_due")]
[JsonDerivedType(typeof(NodeRetryRequested), "node_retry_requested")]
[JsonDerivedType(typeof(CancelRequested), "cancel_requested")]
[JsonDerivedType(typeof(RunRetryRequested), "run_retry_requested")]
public abstract record RunEvent(DateTimeOffset Now);

/// <summary>
/// Starts the run: the trigger <see cref="TriggerNodeId"/> (default: the graph's first trigger)
/// succeeds at once with the run input as its output; the other triggers are skipped.
/// </summary>
public sealed record RunStarted(JsonElement? Input, DateTimeOffset Now, string? TriggerNodeId = null) : RunEvent(Now);

/// <summary>The executor finished attempt <see cref="Attempt"/> with <see cref="Outcome"/> (one the node declares; never <c>error</c>).</summary>
public sealed record NodeCompleted(string NodeId, int Attempt, string Outcome, JsonElement? Output, DateTimeOffset Now) : RunEvent(Now);

/// <summary>
/// Attempt <see cref="Attempt"/> failed. Retryable failures are retried per the node's policy;
/// otherwise (or when retries are spent) the node takes its <c>error</c> outcome if wired, else the run fails.
/// Timeouts are failures too (the runner sends code <c>node.timeout</c>, retryable).
/// </summary>
public sealed record NodeFailed(string NodeId, int Attempt, string ErrorCode, string Message, bool Retryable, DateTimeOffset Now) : RunEvent(Now);

/// <summary>The executor parked the node (reason <c>approval</c>, <c>timer</c>, <c>outcome_unknown</c>, <c>subworkflow</c>, ...);
/// a later completion or failure of the same attempt resumes it.</summary>
public sealed record NodeWaiting(string NodeId, int Attempt, string Reason, DateTimeOffset Now) : RunEvent(Now);

/// <summary>
/// A node parked before its attempt <see cref="Attempt"/> ran (its node type was switched off) may run it now:
/// it is running again with the same attempt, so no try is spent and the idempotency key stays the same. No command
/// is issued: the runner kept the attempt's activation when it parked it and hands it to the executor again.
/// </summary>
public sealed record NodeResumed(string NodeId, int Attempt, DateTimeOffset Now) : RunEvent(Now);

/// <summary>The retry scheduled by <see cref="ScheduleRetry"/> for attempt <see cref="Attempt"/> fell due.</summary>
public sealed record RetryDue(string NodeId, int Attempt, DateTimeOffset Now) : RunEvent(Now);

/// <summary>
/// A person chose "retry" for a waiting node (typically <c>outcome_unknown</c>): a new attempt is
/// issued (it counts toward the retry policy). "Skip" is <see cref="NodeCompleted"/> with outcome
/// <c>success</c> and no output; "fail" is a non-retryable <see cref="NodeFailed"/>.
/// </summary>
public sealed record NodeRetryRequested(string NodeId, DateTimeOffset Now) : RunEvent(Now);

/// <summary>Cancels the run now: unfinished nodes are cancelled (running ones get <see cref="CancelNode"/>).</summary>
public sealed record CancelRequested(DateTimeOffset Now, string Reason = "cancelled") : RunEvent(Now);

/// <summary>"Retry from the failed node" on a run that failed at a node; ignored (<c>run.not_retryable</c>) otherwise.</summary>
public sealed record RunRetryRequested(DateTimeOffset Now) : RunEvent(Now);
