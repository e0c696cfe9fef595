namespace ControlTower.Server.Runs;

internal sealed partial class RunTransitions
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Run {RunId} changed underneath transition attempt {Attempt}; applying the event again")]
        public static partial void TransitionRetried(ILogger logger, Guid runId, int attempt);

        [LoggerMessage(2, LogLevel.Debug, "Run {RunId} ignored {Event}: {Reason}")]
        public static partial void EventIgnored(ILogger logger, Guid runId, string @event, string reason);
    }
}
