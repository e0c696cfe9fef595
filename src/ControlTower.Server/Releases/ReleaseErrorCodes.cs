using ControlTower.Core.Errors;

namespace ControlTower.Server.Releases;

/// <summary>Stable error codes of workflow releases (canary, shadow, rollback).</summary>
internal static class ReleaseErrorCodes
{
    /// <summary>The release request is not one the platform can carry out: an unknown mode,
    /// a canary or shadow of the stable version itself, or a canary policy with problems (<c>problems</c> lists them).</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string Invalid = "release.invalid";

    /// <summary>A rollback named no version and there is no earlier stable version to go back to.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string NothingToRollBack = "release.nothing_to_roll_back";

    /// <summary>The release changed while this request was deciding (a person or the canary check was first); reload and try again.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string Changed = "release.changed";
}
