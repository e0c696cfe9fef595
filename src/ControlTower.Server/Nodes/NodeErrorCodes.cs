namespace ControlTower.Server.Nodes;

/// <summary>Stable error codes of node executors (besides the CEL codes, which pass through unchanged).</summary>
internal static class NodeErrorCodes
{
    /// <summary>No executor runs this node type (triggers, or a type a later feature brings).</summary>
    public const string TypeUnsupported = "node.type_unsupported";

    /// <summary>The saved config does not have the shape the type's schema declares (a field is missing or of the wrong type).</summary>
    public const string ConfigInvalid = "node.config_invalid";

    /// <summary>The node names a credential, and the host was composed without a credential vault (never the application itself).</summary>
    public const string CredentialsUnsupported = "node.credentials_unsupported";

    public const string DelayUntilInvalid = "delay.until_invalid";

    public const string McpToolError = "mcp.tool_error";

    public const string HttpUrlInvalid = "http.url_invalid";
    public const string HttpHeaderInvalid = "http.header_invalid";

    /// <summary>A header the credential sets is also in <c>config.headers</c> (or is <c>Idempotency-Key</c>): refused, never silently replaced.</summary>
    public const string HttpHeaderConflict = "http.header_conflict";

    /// <summary>The credential's type cannot travel over HTTP (<c>env_vars</c>: stdio MCP servers only).</summary>
    public const string HttpCredentialTypeUnsupported = "http.credential_type_unsupported";
    public const string HttpDestinationDenied = "http.destination_denied";
    public const string HttpTransportFailed = "http.transport_failed";
    public const string HttpTimeout = "http.timeout";
    public const string HttpStatus4xx = "http.status_4xx";
    public const string HttpStatus5xx = "http.status_5xx";
    public const string HttpResponseTooLarge = "http.response_too_large";
}
