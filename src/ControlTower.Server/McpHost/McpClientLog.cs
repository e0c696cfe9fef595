namespace ControlTower.Server.McpHost;

/// <summary>
/// What a tool call tells the MCP client through <c>notifications/message</c> (written to the SDK's client logger,
/// which sends only at or above the level the client set with <c>logging/setLevel</c>). Ids and statuses only:
/// node outputs and inputs stay out of logs.
/// </summary>
internal static partial class McpClientLog
{
    public const string Category = "controltower.runs";

    public static void NodeFinished(ILogger logger, Guid runId, string nodeId, string status)
    {
        if (status == "failed")
        {
            NodeFailed(logger, runId, nodeId);
        }
        else
        {
            NodeDone(logger, runId, nodeId, status);
        }
    }

    public static void RunEnded(ILogger logger, Guid runId, string status)
    {
        if (status is "failed" or "cancelled")
        {
            RunFailed(logger, runId, status);
        }
        else
        {
            RunDone(logger, runId, status);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Run {RunId}: node {NodeId} {Status}")]
    private static partial void NodeDone(ILogger logger, Guid runId, string nodeId, string status);

    [LoggerMessage(2, LogLevel.Warning, "Run {RunId}: node {NodeId} failed")]
    private static partial void NodeFailed(ILogger logger, Guid runId, string nodeId);

    [LoggerMessage(3, LogLevel.Information, "Run {RunId} ended {Status}")]
    private static partial void RunDone(ILogger logger, Guid runId, string status);

    [LoggerMessage(4, LogLevel.Error, "Run {RunId} ended {Status}")]
    private static partial void RunFailed(ILogger logger, Guid runId, string status);
}
