using System.Security.Cryptography;
using ControlTower.Core.Errors;

namespace ControlTower.Core.Crypto;

/// <summary>
/// A Fernet key: 32 bytes, the first 16 sign (HMAC-SHA256), the last 16 encrypt (AES-128-CBC).
/// Immutable. <see cref="ToString"/> and every error show only <see cref="Fingerprint"/>, a
/// one-way digest that names the key (in logs, rotation progress) without revealing it.
/// </summary>
public sealed class FernetKey
{
    /// <summary>Size of a raw key; the Server passes this many random bytes to <see cref="FromBytes"/>.</summary>
    public const int KeySizeInBytes = 32;

    private const int HalfSize = KeySizeInBytes / 2;

    private readonly byte[] _signingKey;
    private readonly byte[] _encryptionKey;

    private FernetKey(ReadOnlySpan<byte> material)
    {
        _signingKey = material[..HalfSize].ToArray();
        _encryptionKey = material[HalfSize..].ToArray();
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(material)[..8]);
    }

    /// <summary>First 8 bytes of SHA-256 over the key, as lowercase hex: safe to log and compare.</summary>
    public string Fingerprint { get; }

    internal ReadOnlySpan<byte> SigningKey => _signingKey;

    internal ReadOnlySpan<byte> EncryptionKey => _encryptionKey;

    /// <summary>Parses a base64url key (padded or not) as found in <c>CREDENTIAL_KEYS</c>.</summary>
    /// <exception cref="FernetException"><c>crypto.key_invalid</c> unless it decodes to exactly 32 bytes.</exception>
    public static FernetKey Parse(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var material = Base64UrlCodec.TryDecode(encoded.Trim());
        if (material is null || material.Length != KeySizeInBytes)
        {
            throw new FernetException(
                ErrorKind.Validation,
                FernetErrorCodes.KeyInvalid,
                $"A Fernet key must be base64url encoding exactly {KeySizeInBytes} bytes.");
        }

        try
        {
            return new FernetKey(material);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    /// <summary>Builds a key from raw bytes, e.g. 32 bytes of <c>RandomNumberGenerator</c> output.</summary>
    public static FernetKey FromBytes(ReadOnlySpan<byte> material)
    {
        if (material.Length != KeySizeInBytes)
        {
            throw new FernetException(
                ErrorKind.Validation,
                FernetErrorCodes.KeyInvalid,
                $"A Fernet key must be exactly {KeySizeInBytes} bytes.");
        }

        return new FernetKey(material);
    }

    /// <summary>
    /// The key's base64url text, for writing a generated key to its owner-only file. This is the
    /// only member that reveals key material; never log its result.
    /// </summary>
    public string Export()
    {
        Span<byte> material = stackalloc byte[KeySizeInBytes];
        _signingKey.CopyTo(material);
        _encryptionKey.CopyTo(material[HalfSize..]);
        var encoded = Base64UrlCodec.Encode(material);
        CryptographicOperations.ZeroMemory(material);
        return encoded;
    }

    public override string ToString() => $"FernetKey({Fingerprint})";
}
