using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Mcp;

/// <summary>
/// Log messages of the MCP federation. They name servers, tools, codes and numbers only: argument
/// values, environment variables, headers and server stderr may hold secrets and are never logged.
/// </summary>
internal static partial class McpLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Starting MCP connection to {ServerId} over {Transport}")]
    public static partial void ConnectionStarting(this ILogger logger, string serverId, McpTransportKind transport);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "MCP connection to {ServerId} ready in {ElapsedMs:0.0} ms")]
    public static partial void ConnectionStarted(this ILogger logger, string serverId, double elapsedMs);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "MCP connection to {ServerId} failed to start ({ExceptionType})")]
    public static partial void ConnectFailed(this ILogger logger, string serverId, string exceptionType);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "MCP connection to {ServerId} ended unexpectedly (exit code {ExitCode}); details in server health")]
    public static partial void ConnectionLost(this ILogger logger, string serverId, int? exitCode);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "MCP connection to {ServerId} closed after {IdleSeconds:0} s idle")]
    public static partial void ConnectionIdleClosed(this ILogger logger, string serverId, double idleSeconds);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "MCP catalog of {ServerId} is version {Version} with {ToolCount} tools (sha256 {Hash})")]
    public static partial void CatalogRefreshed(this ILogger logger, string serverId, long version, int toolCount, string hash);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "MCP catalog refresh of {ServerId} failed ({ExceptionType})")]
    public static partial void CatalogRefreshFailed(this ILogger logger, string serverId, string exceptionType);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Debug, Message = "MCP call {ServerId}/{ToolName} completed as {Outcome} in {ElapsedMs:0.0} ms")]
    public static partial void CallCompleted(this ILogger logger, string serverId, string toolName, string outcome, double elapsedMs);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Warning, Message = "MCP call {ServerId}/{ToolName} failed with {Code} after {ElapsedMs:0.0} ms")]
    public static partial void CallFailed(this ILogger logger, string serverId, string toolName, string code, double elapsedMs);

    [LoggerMessage(EventId = 5112, Level = LogLevel.Information, Message = "MCP call {ServerId}/{ToolName}: retrying after a transport failure (attempt {Attempt})")]
    public static partial void CallRetrying(this ILogger logger, string serverId, string toolName, int attempt);

    [LoggerMessage(EventId = 5113, Level = LogLevel.Warning, Message = "MCP circuit of {ServerId} is now {State}")]
    public static partial void BreakerStateChanged(this ILogger logger, string serverId, string state);
}
