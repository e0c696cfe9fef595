using ControlTower.Core.Errors;
using CoreCodes = ControlTower.Core.Crypto.CredentialErrorCodes;

namespace ControlTower.Server.Credentials;

/// <summary>
/// The stable codes the credential vault raises, with Core's sealing codes repeated so the whole
/// <c>credential.*</c> family reads in one place. The kind decides the HTTP status.
/// </summary>
internal static class CredentialErrorCodes
{
    /// <summary>No such credential for this caller: also what another user's credential looks like (never 403).</summary>
    public const string NotFound = "credential.not_found";

    public const string NameTaken = "credential.name_taken";

    /// <summary>Name or server id outside its limits.</summary>
    public const string RequestInvalid = "credential.request_invalid";

    /// <summary>A grantee tried to change, delete or share a credential that was only shared with them for use.</summary>
    public const string UseOnly = "credential.use_only";

    public const string ShareInvalid = "credential.share_invalid";

    public const string ShareExists = "credential.share_exists";

    public const string ShareNotFound = "credential.share_not_found";

    /// <summary>The row changed under the request (a rotation or another update); retrying is safe.</summary>
    public const string ConcurrentChange = "credential.concurrent_change";

    /// <summary>The stored token is under no configured key (a key was retired too early) or is damaged.</summary>
    public const string Undecryptable = "credential.undecryptable";

    /// <summary>The OAuth token endpoint did not issue an access token; the message never echoes a secret.</summary>
    public const string OAuthTokenFailed = "credential.oauth_token_failed";

    public const string DataInvalid = CoreCodes.DataInvalid;

    public const string BindingMismatch = CoreCodes.BindingMismatch;

    public const string EnvelopeInvalid = CoreCodes.EnvelopeInvalid;

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
        [DataInvalid] = ErrorKind.Validation,
        [BindingMismatch] = ErrorKind.Forbidden,
        [EnvelopeInvalid] = ErrorKind.Internal,
    };

    public static ControlTowerException Error(string code, string message) => new(All[code], code, message);

    public static ControlTowerException CredentialNotFound(Guid id) => Error(NotFound, $"No credential {id}.");
}
