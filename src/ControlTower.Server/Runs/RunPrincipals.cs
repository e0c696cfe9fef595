namespace ControlTower.Server.Runs;

/// <summary>
/// Who a run acts as (<see cref="RunEntity.StartedBy"/>) and why. A run started by a caller (manual or API start,
/// MCP call, replay, CLI) acts as that caller; one started without a caller (webhook, schedule) acts as the author
/// of the version it runs, never as the workflow's owner, so saving a version cannot borrow anyone else's rights;
/// a child run acts as its parent's principal.
/// </summary>
internal static class RunPrincipals
{
    public const string Caller = "caller";
    public const string VersionAuthor = "version_author";
    public const string ParentRun = "parent_run";
}
