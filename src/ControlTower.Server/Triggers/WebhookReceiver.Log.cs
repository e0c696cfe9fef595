namespace ControlTower.Server.Triggers;

internal sealed partial class WebhookReceiver
{
    private static partial class Log
    {
        // Debug: one line per delivery is the hot path's costliest write; the run, its events and its audit record it already.
        [LoggerMessage(1, LogLevel.Debug, "Webhook {TriggerNodeId} of workflow {WorkflowId} delivered run {RunId} (duplicate: {Duplicate})")]
        public static partial void Delivered(ILogger logger, Guid workflowId, string triggerNodeId, Guid runId, bool duplicate);

        [LoggerMessage(2, LogLevel.Warning, "Webhook {TriggerNodeId} of workflow {WorkflowId} refused a delivery: {Code}")]
        public static partial void Refused(ILogger logger, Guid workflowId, string triggerNodeId, string code);

        [LoggerMessage(3, LogLevel.Error, "Webhook {TriggerNodeId} of workflow {WorkflowId} cannot load its signing secret: {Code}")]
        public static partial void SecretUnavailable(ILogger logger, Guid workflowId, string triggerNodeId, string code);
    }
}
