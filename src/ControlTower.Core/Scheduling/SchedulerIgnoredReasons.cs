namespace ControlTower.Core.Scheduling;

/// <summary>
/// Why <see cref="RunScheduler.Apply"/> left a run unchanged (<see cref="SchedulerResult.Ignored"/>). Not error
/// codes: an ignored event is normal (a late or duplicate delivery); a caller that refuses a person's request
/// because of one answers with its own code (e.g. 409 <c>run.finished</c>) and names the reason in the message.
/// </summary>
public static class SchedulerIgnoredReasons
{
    public const string StaleAttempt = "event.stale_attempt";
    public const string NodeNotRunning = "event.node_not_running";
    public const string NodeUnknown = "event.node_unknown";
    public const string RetryStale = "event.retry_stale";
    public const string NodeNotWaiting = "event.node_not_waiting";
    public const string RunNotStarted = "run.not_started";
    public const string RunAlreadyStarted = "run.already_started";
    public const string RunFinished = "run.finished";
    public const string RunNotRetryable = "run.not_retryable";
}
