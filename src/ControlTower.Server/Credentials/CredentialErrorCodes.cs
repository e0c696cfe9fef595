using ControlTower.Core.Errors;
using CoreCodes = ControlTower.Core.Crypto.CredentialErrorCodes;

namespace ControlTower.Server.Credentials;

/// <summary>
/// The stable codes the credential vault raises; Core's sealing codes (<see cref="CoreCodes"/>) complete the
/// <c>credential.*</c> family. <see cref="All"/> gives each its kind, which decides the HTTP status.
/// </summary>
internal static class CredentialErrorCodes
{
    /// <summary>No such credential for this caller: also what another user's credential looks like (never 403).</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string NotFound = "credential.not_found";

    /// <summary>The caller has a credential with this name already.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string NameTaken = "credential.name_taken";

    /// <summary>Name or server id outside its limits.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string RequestInvalid = "credential.request_invalid";

    /// <summary>A grantee tried to change, delete or share a credential that was only shared with them for use.</summary>
    [ErrorCode(ErrorKind.Forbidden)]
    public const string UseOnly = "credential.use_only";

    /// <summary>A share names both or neither of a user and a role, an unknown role, or the owner.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string ShareInvalid = "credential.share_invalid";

    /// <summary>The credential is shared with this user already.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string ShareExists = "credential.share_exists";

    /// <summary>The credential is not shared with this user.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string ShareNotFound = "credential.share_not_found";

    /// <summary>The row changed under the request (a rotation or another update). Retryable.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string ConcurrentChange = "credential.concurrent_change";

    /// <summary>The stored token is under no configured key (a key was retired too early) or is damaged.</summary>
    [ErrorCode(ErrorKind.Unavailable)]
    public const string Undecryptable = "credential.undecryptable";

    /// <summary>The OAuth token endpoint did not issue an access token; the message never echoes a secret.</summary>
    [ErrorCode(ErrorKind.Unavailable, ErrorSurface.RunError)]
    public const string OAuthTokenFailed = "credential.oauth_token_failed";

    /// <summary>Only a credential bound to an MCP server can be tested: the test opens a session with it.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string TestUnsupported = "credential.test_unsupported";

    public static readonly IReadOnlyDictionary<string, ErrorKind> All = new Dictionary<string, ErrorKind>
    {
        [NotFound] = ErrorKind.NotFound,
        [NameTaken] = ErrorKind.Conflict,
        [RequestInvalid] = ErrorKind.Validation,
        [UseOnly] = ErrorKind.Forbidden,
        [ShareInvalid] = ErrorKind.Validation,
        [ShareExists] = ErrorKind.Conflict,
        [ShareNotFound] = ErrorKind.NotFound,
        [ConcurrentChange] = ErrorKind.Conflict,
        [Undecryptable] = ErrorKind.Unavailable,
        [OAuthTokenFailed] = ErrorKind.Unavailable,
        [TestUnsupported] = ErrorKind.Validation,
        [CoreCodes.DataInvalid] = ErrorKind.Validation,
        [CoreCodes.BindingMismatch] = ErrorKind.Forbidden,
        [CoreCodes.EnvelopeInvalid] = ErrorKind.Internal,
    };

    public static ControlTowerException Error(string code, string message) => new(All[code], code, message);

    public static ControlTowerException CredentialNotFound(Guid id) => Error(NotFound, $"No credential {id}.");
}
