namespace ControlTower.Server.Triggers;

internal sealed partial class ScheduleTriggers
{
    public static void LogTickFailed(ILogger logger, Exception exception) => Log.TickFailed(logger, exception);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Schedule {TriggerNodeId} of workflow {WorkflowId} fires next at {NextFireAt:O}")]
        public static partial void Scheduled(ILogger logger, Guid workflowId, string triggerNodeId, DateTime nextFireAt);

        [LoggerMessage(2, LogLevel.Information, "Schedule {TriggerNodeId} of workflow {WorkflowId} fired for {FireTime:O}: run {RunId} (new: {Created}, advanced here: {Advanced})")]
        public static partial void Fired(ILogger logger, Guid workflowId, string triggerNodeId, DateTime fireTime, Guid runId, bool created, bool advanced);

        [LoggerMessage(3, LogLevel.Warning, "Schedule {TriggerNodeId} of workflow {WorkflowId} is not scheduled: {Code} {Reason}")]
        public static partial void ScheduleInvalid(ILogger logger, Guid workflowId, string triggerNodeId, string code, string reason);

        [LoggerMessage(4, LogLevel.Debug, "Schedule sync raced with another scheduler ({Error}); the next tick looks again")]
        public static partial void SyncRaced(ILogger logger, string error);

        [LoggerMessage(5, LogLevel.Warning, "Schedule tick failed; retrying after the poll interval")]
        public static partial void TickFailed(ILogger logger, Exception exception);
    }
}
