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

    /// <summary>The caller may read the workflow but not do this: saving, switching and sharing need its owner, an editor or an admin; starting needs a runner too.</summary>
    [ErrorCode(ErrorKind.Forbidden)]
    public const string Forbidden = "workflow.forbidden";

    /// <summary>A share names no grantee or two, an unknown user or role, an access other than editor or runner, or the owner.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string ShareInvalid = "workflow.share_invalid";

    /// <summary>
    /// A graph problem: a node names a credential the version's author may not use (neither theirs nor shared with them
    /// or their role), so the version is refused; its pointer names the node's config field.
    /// </summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string CredentialNotUsable = "workflow.credential_not_usable";

    /// <summary>A subworkflow node names a workflow (or a pinned version) that does not exist; a problem in <c>problems</c>.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string SubworkflowUnknown = "workflow.subworkflow_unknown";

    /// <summary>Saving would make subworkflows start each other in a cycle (A → B → A); a problem in <c>problems</c>.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string SubworkflowCycle = "workflow.subworkflow_cycle";

    /// <summary>An <c>mcp.tool</c> or <c>governed.action</c> names a server no one registered. Blocks a save.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string McpServerUnknown = "workflow.mcp_server_unknown";

    /// <summary>The node names a tool its server's catalog does not have; the message lists the closest matches. Blocks a save.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string McpToolUnknown = "workflow.mcp_tool_unknown";

    /// <summary>A warning: the server's catalog is not loaded yet, so the tool could not be checked. Does not block a save.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string McpCatalogNotLoaded = "workflow.mcp_catalog_not_loaded";

    /// <summary>Someone changed the workflow's shares while this change was being saved; load them and try again.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string SharesConflict = "workflow.shares_conflict";
}
