using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Nodes;

/// <summary>Log messages of node executors. They name hosts, methods, statuses and codes only: URLs may carry secrets in their query and are never logged whole.</summary>
internal static partial class NodesLog
{
    [LoggerMessage(EventId = 5300, Level = LogLevel.Warning, Message = "http.request to {Host} refused before connecting: {Reason}")]
    public static partial void DestinationDenied(this ILogger logger, string host, string reason);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Debug, Message = "http.request {Method} {Host} answered {Status} in {ElapsedMs:0.0} ms")]
    public static partial void HttpRequestCompleted(this ILogger logger, string method, string host, int status, double elapsedMs);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "http.request {Method} {Host} failed with {Code}")]
    public static partial void HttpRequestFailed(this ILogger logger, string method, string host, string code);
}
