using ControlTower.Core.Errors;

namespace ControlTower.Server.Mcp;

/// <summary>The stable error codes of the MCP federation layer.</summary>
internal static class McpErrorCodes
{
    public const string ServerNotFound = "mcp.server_not_found";
    public const string ServerExists = "mcp.server_exists";
    public const string ServerDisabled = "mcp.server_disabled";
    public const string DefinitionInvalid = "mcp.definition_invalid";
    public const string ToolNotFound = "mcp.tool_not_found";
    public const string ArgumentsInvalid = "mcp.arguments_invalid";
    public const string CredentialKeyRequired = "mcp.credential_key_required";
    public const string CredentialTypeUnsupported = "mcp.credential_type_unsupported";
    public const string Timeout = "mcp.timeout";
    public const string TransportFailed = "mcp.transport_failed";
    public const string ProtocolError = "mcp.protocol_error";
    public const string CircuitOpen = "mcp.circuit_open";
    public const string Overloaded = "mcp.overloaded";
}

/// <summary>
/// The connection to a server broke or could not be made. <see cref="MayHaveReachedServer"/> is false
/// only when the request was certainly never processed (connect failed, session rejected), which is
/// what makes a retry safe without knowing whether the tool is idempotent.
/// </summary>
internal sealed class McpTransportException(string message, bool mayHaveReachedServer, Exception? innerException = null)
    : ControlTowerException(ErrorKind.Unavailable, McpErrorCodes.TransportFailed, message, innerException)
{
    public bool MayHaveReachedServer { get; } = mayHaveReachedServer;
}
