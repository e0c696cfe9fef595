using ControlTower.Core.Errors;

namespace ControlTower.Server.Workflows;

/// <summary>Stable error codes of workflows, their versions, import and start.</summary>
internal static class WorkflowErrorCodes
{
    /// <summary>No workflow with this id.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string NotFound = "workflow.not_found";

    /// <summary>The workflow has no such version.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string VersionNotFound = "workflow.version_not_found";

    /// <summary>The graph has problems; <c>problems</c> lists each with its code (<c>graph.*</c>) and pointer.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string GraphInvalid = "workflow.graph_invalid";

    /// <summary>The workflow got a newer version than the one the save was based on; load it again.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string VersionConflict = "workflow.version_conflict";

    /// <summary>The workflow is disabled; it cannot be started.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string Disabled = "workflow.disabled";

    /// <summary>The import document's format is not the export format this build reads.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string ImportInvalid = "workflow.import_invalid";

    /// <summary>An <c>mcp.tool</c> or <c>governed.action</c> names a server no one registered. Blocks a save.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string McpServerUnknown = "workflow.mcp_server_unknown";

    /// <summary>The node names a tool its server's catalog does not have; the message lists the closest matches. Blocks a save.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string McpToolUnknown = "workflow.mcp_tool_unknown";

    /// <summary>A warning: the server's catalog is not loaded yet, so the tool could not be checked. Does not block a save.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string McpCatalogNotLoaded = "workflow.mcp_catalog_not_loaded";
}
