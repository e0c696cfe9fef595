namespace ControlTower.Server.Releases;

internal sealed partial class CanaryMonitor
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Canary of workflow {WorkflowId}: {Action} because {Reason}")]
        public static partial void Decided(ILogger logger, Guid workflowId, string action, string reason);

        [LoggerMessage(2, LogLevel.Debug, "Canary check of workflow {WorkflowId} lost a race with another change; it looks again next time")]
        public static partial void Raced(ILogger logger, Guid workflowId);
    }
}
