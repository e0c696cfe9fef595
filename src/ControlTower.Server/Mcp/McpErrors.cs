using ControlTower.Core.Errors;

namespace ControlTower.Server.Mcp;

/// <summary>The stable error codes of the MCP federation layer.</summary>
internal static class McpErrorCodes
{
    /// <summary>No MCP server with this id.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string ServerNotFound = "mcp.server_not_found";

    /// <summary>An MCP server with this id exists already.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string ServerExists = "mcp.server_exists";

    /// <summary>The MCP server is disabled; no calls go to it.</summary>
    [ErrorCode(ErrorKind.Unavailable, ErrorSurface.RunError)]
    public const string ServerDisabled = "mcp.server_disabled";

    /// <summary>The MCP server definition is invalid (transport, command, URL or limits).</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string DefinitionInvalid = "mcp.definition_invalid";

    /// <summary>The server has no such tool, or no tool catalog yet.</summary>
    [ErrorCode(ErrorKind.NotFound, ErrorSurface.RunError)]
    public const string ToolNotFound = "mcp.tool_not_found";

    /// <summary>The arguments do not match the tool's input schema.</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.RunError)]
    public const string ArgumentsInvalid = "mcp.arguments_invalid";

    /// <summary>Environment variables or headers for an MCP call need a credential key.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string CredentialKeyRequired = "mcp.credential_key_required";

    /// <summary>An mcp.tool or governed.action names a credential whose type gives the server's transport nothing
    /// (a bearer token for a stdio server, env vars for an HTTP one). Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string CredentialTypeUnsupported = "mcp.credential_type_unsupported";

    /// <summary>The tool call did not finish in time. Retryable in a node.</summary>
    [ErrorCode(ErrorKind.Timeout, ErrorSurface.RunError)]
    public const string Timeout = "mcp.timeout";

    /// <summary>The connection to the server broke or could not be made. Retryable in a node.</summary>
    [ErrorCode(ErrorKind.Unavailable, ErrorSurface.RunError)]
    public const string TransportFailed = "mcp.transport_failed";

    /// <summary>The server answered outside the MCP protocol.</summary>
    [ErrorCode(ErrorKind.Unavailable, ErrorSurface.RunError)]
    public const string ProtocolError = "mcp.protocol_error";

    /// <summary>Too many recent failures: calls to the server are paused. Retryable in a node.</summary>
    [ErrorCode(ErrorKind.Unavailable, ErrorSurface.RunError)]
    public const string CircuitOpen = "mcp.circuit_open";

    /// <summary>Too many calls to the server are in flight. Retryable in a node.</summary>
    [ErrorCode(ErrorKind.RateLimited, ErrorSurface.RunError)]
    public const string Overloaded = "mcp.overloaded";

    /// <summary>Only an admin may manage a stdio MCP server: it runs a command on the Control Tower host.</summary>
    [ErrorCode(ErrorKind.Forbidden)]
    public const string StdioAdminOnly = "mcp.stdio_admin_only";

    /// <summary>Only admins and operators may manage MCP servers.</summary>
    [ErrorCode(ErrorKind.Forbidden)]
    public const string ManageForbidden = "mcp.manage_forbidden";

    /// <summary>Only a tool that declares itself read-only can be tried from the MCP page; others run in a workflow, under governance.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string TryNotReadOnly = "mcp.try_not_read_only";
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
