namespace ControlTower.Server.Runs;

internal sealed partial class NodeAttemptRunner
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Run {RunId} node {NodeId} attempt {Attempt} abandoned ({Why})")]
        public static partial void AttemptAbandoned(ILogger logger, Guid runId, string nodeId, int attempt, string why);

        [LoggerMessage(2, LogLevel.Warning, "A progress update of run {RunId} node {NodeId} could not be stored")]
        public static partial void ProgressLost(ILogger logger, Exception exception, Guid runId, string nodeId);

        [LoggerMessage(3, LogLevel.Error, "The {NodeType} executor crashed in run {RunId} node {NodeId}")]
        public static partial void ExecutorCrashed(ILogger logger, Exception exception, Guid runId, string nodeId, string nodeType);
    }
}
