using ControlTower.Core.Errors;

namespace ControlTower.Server.Audit;

/// <summary>Stable codes of the audit export archives.</summary>
internal static class AuditErrorCodes
{
    /// <summary>No audit archive with this id.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string ArchiveNotFound = "audit.archive_not_found";
}
