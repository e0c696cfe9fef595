namespace ControlTower.Server.NodeSwitches;

internal sealed partial class NodeTypeParking
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Run {RunId} node {NodeId} attempt {Attempt} parked: node type {NodeType} is switched off")]
        public static partial void Parked(ILogger logger, Guid runId, string nodeId, int attempt, string nodeType);

        [LoggerMessage(2, LogLevel.Information, "Run {RunId} node {NodeId} attempt {Attempt} resumed: node type {NodeType} is switched on again")]
        public static partial void Resumed(ILogger logger, Guid runId, string nodeId, int attempt, string nodeType);
    }
}
