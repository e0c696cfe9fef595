namespace ControlTower.Server.NodeSwitches;

internal sealed partial class NodeTypeSwitches
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Node type {NodeType} switched {State} by {Actor} ({Reason}); {Woken} parked attempts woken")]
        public static partial void Switched(ILogger logger, string nodeType, string state, string actor, string? reason, int woken);
    }
}
