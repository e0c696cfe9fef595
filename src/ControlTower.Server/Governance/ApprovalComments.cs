using ControlTower.Core.Errors;

namespace ControlTower.Server.Governance;

/// <summary>
/// The approval node's <c>commentRequired</c>: which decisions must say why. <c>reject</c> (the default) asks it of a
/// rejection, <c>always</c> of every decision, <c>never</c> of none. The dashboard reads the same value off the approval.
/// </summary>
internal static class ApprovalComments
{
    public const string Always = "always";
    public const string OnReject = "reject";
    public const string Never = "never";

    public static string Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        Always => Always,
        Never => Never,
        _ => OnReject,
    };

    /// <summary>Refuses a decision without a comment when the approval asks for one (<paramref name="vote"/> is approve or reject).</summary>
    public static void Check(string required, string vote, string? comment)
    {
        var needed = required == Always || (required == OnReject && vote == "reject");
        if (needed && string.IsNullOrWhiteSpace(comment))
        {
            throw new ControlTowerException(ErrorKind.Validation, GovernanceErrorCodes.CommentRequired,
                required == Always ? "This approval asks for a comment on every decision." : "This approval asks for a comment when rejecting: say why.");
        }
    }
}
