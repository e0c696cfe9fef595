namespace ControlTower.Server.Runs;

internal sealed partial class PostgresRunNotifications
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Listening for run notifications failed; reconnecting (other processes' work is still found by polling)")]
        public static partial void ListenFailed(ILogger logger, Exception exception);
    }
}
