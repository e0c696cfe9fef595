using ControlTower.Core.Errors;

namespace ControlTower.Core.Crypto;

/// <summary>
/// A Fernet key or token was rejected. <see cref="ControlTowerException.Code"/> says why, from
/// <see cref="FernetErrorCodes"/>. Messages never contain key material, token bytes or plaintext.
/// </summary>
public sealed class FernetException : ControlTowerException
{
    public FernetException(ErrorKind kind, string code, string message, Exception? innerException = null)
        : base(kind, code, message, innerException)
    {
    }
}

/// <summary>
/// The stable codes a <see cref="FernetException"/> carries. Clients never get one as an error: a bad key stops the server
/// at start, and a token that fails to open is <c>credential.undecryptable</c>, with this code in the audit entry's data.
/// </summary>
public static class FernetErrorCodes
{
    /// <summary>The key is not base64url for exactly 32 bytes.</summary>
    [ErrorCode(ErrorSurface.Cli)]
    public const string KeyInvalid = "crypto.key_invalid";

    /// <summary>A key ring was built without any key.</summary>
    [ErrorCode(ErrorSurface.Cli)]
    public const string KeyMissing = "crypto.key_missing";

    /// <summary>Not base64url, too short, ciphertext not whole AES blocks, or version byte not 0x80.</summary>
    [ErrorCode(ErrorSurface.Report)]
    public const string TokenMalformed = "crypto.token_malformed";

    /// <summary>The HMAC does not match under any key tried: tampered, or encrypted under another key.</summary>
    [ErrorCode(ErrorSurface.Report)]
    public const string TokenSignatureInvalid = "crypto.token_signature_invalid";

    /// <summary>An authentic token older than the time-to-live the caller asked for.</summary>
    [ErrorCode(ErrorSurface.Report)]
    public const string TokenExpired = "crypto.token_expired";

    /// <summary>An authentic token stamped later than now plus the allowed clock skew.</summary>
    [ErrorCode(ErrorSurface.Report)]
    public const string TokenFromFuture = "crypto.token_from_future";

    /// <summary>An authentic token whose decrypted payload has invalid PKCS7 padding.</summary>
    [ErrorCode(ErrorSurface.Report)]
    public const string PayloadInvalid = "crypto.payload_invalid";
}
