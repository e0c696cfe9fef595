namespace ControlTower.Server.McpHost;

internal sealed partial class ResourceSubscriptions
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Stopped following {Uri}: it no longer exists")]
        public static partial void WatchedResourceGone(ILogger logger, string uri);

        [LoggerMessage(2, LogLevel.Debug, "Stopped following {Uri}: the MCP session is closed")]
        public static partial void SessionClosed(ILogger logger, string uri);
    }
}
