using ControlTower.Core.Errors;

namespace ControlTower.Core.Crypto;

/// <summary>
/// A credential's data or sealed envelope was rejected. Messages and <see cref="ControlTowerException.Details"/>
/// name the field (e.g. <c>data.client_secret</c>) but never contain a secret value.
/// </summary>
public sealed class CredentialException : ControlTowerException
{
    public CredentialException(ErrorKind kind, string code, string message, Exception? innerException = null)
        : base(kind, code, message, innerException)
    {
    }

    internal static CredentialException DataInvalid(string field, string problem) =>
        new(ErrorKind.Validation, CredentialErrorCodes.DataInvalid, $"{field}: {problem}")
        {
            Details = new Dictionary<string, object?> { ["field"] = field },
        };

    internal static CredentialException BindingMismatch(string field) =>
        new(ErrorKind.Forbidden, CredentialErrorCodes.BindingMismatch,
            $"The sealed credential is bound to a different {field}; it was not made for this record.")
        {
            Details = new Dictionary<string, object?> { ["field"] = field },
        };

    internal static CredentialException EnvelopeInvalid(string problem, Exception? inner = null) =>
        new(ErrorKind.Internal, CredentialErrorCodes.EnvelopeInvalid, $"The decrypted credential envelope is unusable: {problem}", inner);
}

/// <summary>The stable codes a <see cref="CredentialException"/> carries.</summary>
public static class CredentialErrorCodes
{
    /// <summary>Plaintext credential data (or its type) fails the type's shape; <c>Details["field"]</c> names where.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string DataInvalid = "credential.data_invalid";

    /// <summary>An authentic token whose envelope names another user, credential id or type than the row it sits in.</summary>
    [ErrorCode(ErrorKind.Forbidden)]
    public const string BindingMismatch = "credential.binding_mismatch";

    /// <summary>An authentic token whose plaintext is not a version-1 envelope with valid data.</summary>
    [ErrorCode(ErrorKind.Internal)]
    public const string EnvelopeInvalid = "credential.envelope_invalid";
}
