namespace ControlTower.Server.Retention;

internal sealed partial class RunPruner
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Retention of workflow {WorkflowId}: {Runs} run(s), {Rows} row(s) pruned (dry run: {DryRun})")]
        public static partial void BatchPruned(ILogger logger, Guid workflowId, int runs, long rows, bool dryRun);

        [LoggerMessage(2, LogLevel.Warning, "The pruner lost its lease to another process; this pass stops here")]
        public static partial void LeaseLost(ILogger logger);
    }
}
