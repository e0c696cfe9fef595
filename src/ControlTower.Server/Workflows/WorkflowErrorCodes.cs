namespace ControlTower.Server.Workflows;

internal static class WorkflowErrorCodes
{
    public const string NotFound = "workflow.not_found";
    public const string VersionNotFound = "workflow.version_not_found";
    public const string GraphInvalid = "workflow.graph_invalid";
    public const string VersionConflict = "workflow.version_conflict";
    public const string Disabled = "workflow.disabled";
    public const string ImportInvalid = "workflow.import_invalid";
}
