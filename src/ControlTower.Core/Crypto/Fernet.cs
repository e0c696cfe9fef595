using System.Buffers.Binary;
using System.Security.Cryptography;
using ControlTower.Core.Errors;

namespace ControlTower.Core.Crypto;

/// <summary>
/// The Fernet token format (version 0x80, see conformance/fernet/Spec.md) on the BCL's AES-128-CBC
/// with PKCS7 and HMAC-SHA256. Pure: the clock (<c>now</c>) and the IV are parameters, so the same
/// inputs always give the same token; the Server supplies <c>RandomNumberGenerator</c> bytes.
/// </summary>
/// <remarks>
/// Decrypt checks, in order: base64url and layout (<c>crypto.token_malformed</c>), the HMAC in
/// constant time (<c>crypto.token_signature_invalid</c>), the timestamp against clock skew and TTL
/// (<c>crypto.token_from_future</c>, <c>crypto.token_expired</c>), then decrypts and unpads
/// (<c>crypto.payload_invalid</c>). The spec checks the TTL before the HMAC; we authenticate first
/// so that an expiry or skew verdict is only ever given about a timestamp the key holder wrote,
/// and nothing unauthenticated reaches AES. Every spec vector passes either way.
/// Times compare at whole-second resolution (<c>now</c> is floored), as the token's timestamp is.
/// </remarks>
public static class Fernet
{
    /// <summary>How far in the future a token's timestamp may be (the reference implementations' 60 s).</summary>
    public static readonly TimeSpan DefaultMaxClockSkew = TimeSpan.FromSeconds(60);

    public const int IvSizeInBytes = 16;

    internal const byte Version = 0x80;
    internal const int HmacSize = 32;
    internal const int TimestampOffset = 1;
    internal const int IvOffset = TimestampOffset + sizeof(ulong);
    internal const int CiphertextOffset = IvOffset + IvSizeInBytes;
    internal const int BlockSize = 16;
    internal const int MinTokenSize = CiphertextOffset + BlockSize + HmacSize;

    /// <summary>Encrypts <paramref name="plaintext"/> into a token stamped <paramref name="now"/> (whole seconds).</summary>
    /// <param name="iv">Exactly 16 bytes, unique per token (random in production).</param>
    public static string Encrypt(FernetKey key, ReadOnlySpan<byte> plaintext, DateTimeOffset now, ReadOnlySpan<byte> iv)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (iv.Length != IvSizeInBytes)
        {
            throw new ArgumentException($"The IV must be exactly {IvSizeInBytes} bytes.", nameof(iv));
        }

        var seconds = now.ToUnixTimeSeconds();
        ArgumentOutOfRangeException.ThrowIfNegative(seconds, nameof(now));

        var ciphertextLength = (plaintext.Length / BlockSize + 1) * BlockSize;
        var token = new byte[CiphertextOffset + ciphertextLength + HmacSize];
        token[0] = Version;
        BinaryPrimitives.WriteUInt64BigEndian(token.AsSpan(TimestampOffset), (ulong)seconds);
        iv.CopyTo(token.AsSpan(IvOffset));

        using (var aes = CreateAes(key))
        {
            aes.EncryptCbc(plaintext, iv, token.AsSpan(CiphertextOffset, ciphertextLength), PaddingMode.PKCS7);
        }

        var signed = token.AsSpan(0, token.Length - HmacSize);
        HMACSHA256.HashData(key.SigningKey, signed, token.AsSpan(signed.Length));
        return Base64UrlCodec.Encode(token);
    }

    /// <summary>Verifies and decrypts <paramref name="token"/>.</summary>
    /// <param name="ttl">Maximum age of the token; null accepts any age.</param>
    /// <param name="maxClockSkew">How far beyond <paramref name="now"/> the token's timestamp may be.</param>
    /// <exception cref="FernetException">With one of the <see cref="FernetErrorCodes"/> token codes.</exception>
    public static byte[] Decrypt(FernetKey key, string token, DateTimeOffset now, TimeSpan? ttl, TimeSpan maxClockSkew)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parsed = FernetToken.Parse(token);
        if (!parsed.IsSignedBy(key))
        {
            throw SignatureInvalid();
        }

        return Open(key, parsed, new TimeWindow(now, ttl, maxClockSkew));
    }

    /// <summary>Checks the timestamp of an authenticated token, then decrypts and unpads it.</summary>
    internal static byte[] Open(FernetKey key, FernetToken token, TimeWindow? window)
    {
        window?.Check(token.Timestamp);
        using var aes = CreateAes(key);
        try
        {
            return aes.DecryptCbc(token.Ciphertext, token.Iv, PaddingMode.PKCS7);
        }
        catch (CryptographicException ex)
        {
            throw new FernetException(
                ErrorKind.Validation,
                FernetErrorCodes.PayloadInvalid,
                "The Fernet token decrypted to an invalid payload (bad padding).",
                ex);
        }
    }

    internal static FernetException SignatureInvalid() => new(
        ErrorKind.Unauthorized,
        FernetErrorCodes.TokenSignatureInvalid,
        "The Fernet token's signature does not match: it was altered or made under another key.");

    private static Aes CreateAes(FernetKey key)
    {
        var aes = Aes.Create();
        aes.SetKey(key.EncryptionKey);
        return aes;
    }
}
