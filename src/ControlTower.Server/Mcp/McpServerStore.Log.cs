namespace ControlTower.Server.Mcp;

internal sealed partial class McpServerStore
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 5150, Level = LogLevel.Information, Message = "MCP server {ServerId} {Change} by {Actor}")]
        public static partial void Changed(ILogger logger, string serverId, string change, string actor);

        [LoggerMessage(EventId = 5151, Level = LogLevel.Error, Message = "Stored MCP server {ServerId} is not loaded: its definition is invalid ({Code})")]
        public static partial void StoredDefinitionInvalid(ILogger logger, string serverId, string code);
    }
}
