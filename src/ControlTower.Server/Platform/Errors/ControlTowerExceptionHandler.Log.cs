namespace ControlTower.Server.Platform.Errors;

internal sealed partial class ControlTowerExceptionHandler
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Unhandled exception on {Path}")]
        public static partial void UnhandledException(ILogger logger, Exception exception, PathString path);

        [LoggerMessage(2, LogLevel.Debug, "Client aborted the request to {Path}")]
        public static partial void RequestAborted(ILogger logger, PathString path);
    }
}
