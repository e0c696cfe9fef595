namespace ControlTower.Server.Runs;

internal sealed partial class RunWorker
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Run worker {Owner} started with {Concurrency} slots")]
        public static partial void Started(ILogger logger, string owner, int concurrency);

        [LoggerMessage(2, LogLevel.Warning, "Claiming tasks failed; trying again after the poll interval")]
        public static partial void ClaimFailed(ILogger logger, Exception exception);

        [LoggerMessage(3, LogLevel.Error, "Task {Kind} of run {RunId} node {NodeId} attempt {Attempt} failed; it is taken again when its lease runs out")]
        public static partial void TaskFailed(ILogger logger, Exception exception, string kind, Guid runId, string nodeId, int attempt);

        [LoggerMessage(4, LogLevel.Debug, "No longer holds the lease of run {RunId} node {NodeId} attempt {Attempt} (its result was just committed, or another worker took it over)")]
        public static partial void LeaseLost(ILogger logger, Guid runId, string nodeId, int attempt);


        [LoggerMessage(5, LogLevel.Warning, "Renewing the lease of run {RunId} node {NodeId} failed; trying again at the next heartbeat")]
        public static partial void RenewFailed(ILogger logger, Exception exception, Guid runId, string nodeId);
    }
}
