namespace ControlTower.Server.Releases;

internal sealed partial class ShadowRuns
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Shadow of run {LiveRunId} (workflow {WorkflowId}) started on version {CandidateVersion}: run {ShadowRunId}")]
        public static partial void Started(ILogger logger, Guid workflowId, Guid liveRunId, Guid shadowRunId, int candidateVersion);

        [LoggerMessage(2, LogLevel.Debug, "Run {LiveRunId} was shadowed by another process first")]
        public static partial void AlreadyShadowed(ILogger logger, Guid liveRunId);

        [LoggerMessage(3, LogLevel.Warning, "Shadow of run {LiveRunId} (workflow {WorkflowId}) not started: {Code} {Reason}")]
        public static partial void NotStarted(ILogger logger, Guid workflowId, Guid liveRunId, string code, string reason);
    }
}
