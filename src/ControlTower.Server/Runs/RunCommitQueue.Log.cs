namespace ControlTower.Server.Runs;

internal sealed partial class RunCommitQueue
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "A group commit of {Units} units failed; each unit's caller gets the failure")]
        public static partial void GroupCommitFailed(ILogger logger, Exception exception, int units);
    }
}
