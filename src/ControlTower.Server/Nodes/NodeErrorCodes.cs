using ControlTower.Core.Errors;

namespace ControlTower.Server.Nodes;

/// <summary>Stable error codes of node executors (besides the CEL codes, which pass through unchanged).</summary>
internal static class NodeErrorCodes
{
    /// <summary>No executor runs this node type (triggers, or a type a later feature brings). Not retryable.</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.RunError)]
    public const string TypeUnsupported = "node.type_unsupported";

    /// <summary>The saved config does not have the shape the type's schema declares (a field is missing or of the wrong type). Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string ConfigInvalid = "node.config_invalid";

    /// <summary>The node names a credential, and the host was composed without a credential vault (never the application itself).</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string CredentialsUnsupported = "node.credentials_unsupported";

    /// <summary>A delay node's <c>until</c> is neither a timestamp nor a duration of at most a year. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string DelayUntilInvalid = "delay.until_invalid";

    /// <summary>The MCP tool answered with an error result; the message is the tool's. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string McpToolError = "mcp.tool_error";

    /// <summary><c>config.url</c> does not render to an absolute http or https URL. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string HttpUrlInvalid = "http.url_invalid";

    /// <summary>A header (from config or the credential) cannot be sent as a request header. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string HttpHeaderInvalid = "http.header_invalid";

    /// <summary>A header the credential sets is also in <c>config.headers</c> (or is <c>Idempotency-Key</c>): refused, never silently replaced.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string HttpHeaderConflict = "http.header_conflict";

    /// <summary>The credential's type cannot travel over HTTP (<c>env_vars</c>: stdio MCP servers only).</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string HttpCredentialTypeUnsupported = "http.credential_type_unsupported";

    /// <summary>The destination is refused by the HTTP destination policy (private, loopback or not allow-listed). Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string HttpDestinationDenied = "http.destination_denied";

    /// <summary>The request could not be sent or the connection broke. Retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string HttpTransportFailed = "http.transport_failed";

    /// <summary>The destination did not answer within <c>config.timeoutSeconds</c>. Retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string HttpTimeout = "http.timeout";

    /// <summary>The destination answered 4xx; retryable only for 408 and 429.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string HttpStatus4xx = "http.status_4xx";

    /// <summary>The destination answered 5xx. Retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string HttpStatus5xx = "http.status_5xx";

    /// <summary>The response body is larger than <c>config.maxResponseBytes</c>. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string HttpResponseTooLarge = "http.response_too_large";

    /// <summary>A subworkflow start would nest child runs deeper than <c>ENGINE_MAX_SUBWORKFLOW_DEPTH</c>. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string SubworkflowDepthExceeded = "subworkflow.depth_exceeded";

    /// <summary>The subworkflow's child workflow (or the pinned version) does not exist. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string SubworkflowNotFound = "subworkflow.child_not_found";

    /// <summary>The subworkflow's child workflow is disabled. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string SubworkflowDisabled = "subworkflow.child_disabled";
}
