namespace ControlTower.Server.Runs;

internal sealed partial class RunTaskProcessor
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Run {RunId} node {NodeId} attempt {Attempt} found an intent without a result (a crash between acting and recording); policy {Policy}")]
        public static partial void OutcomeUnknown(ILogger logger, Guid runId, string nodeId, int attempt, string policy);
    }
}
