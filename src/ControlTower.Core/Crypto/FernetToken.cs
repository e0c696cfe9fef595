using System.Buffers.Binary;
using System.Security.Cryptography;
using ControlTower.Core.Errors;

namespace ControlTower.Core.Crypto;

/// <summary>A decoded token whose layout is valid; nothing in it is authenticated until <see cref="IsSignedBy"/>.</summary>
internal sealed class FernetToken
{
    private readonly byte[] _bytes;

    private FernetToken(byte[] bytes) => _bytes = bytes;

    public ulong Timestamp => BinaryPrimitives.ReadUInt64BigEndian(_bytes.AsSpan(Fernet.TimestampOffset));

    public ReadOnlySpan<byte> Iv => _bytes.AsSpan(Fernet.IvOffset, Fernet.IvSizeInBytes);

    public ReadOnlySpan<byte> Ciphertext =>
        _bytes.AsSpan(Fernet.CiphertextOffset, _bytes.Length - Fernet.CiphertextOffset - Fernet.HmacSize);

    /// <exception cref="FernetException"><c>crypto.token_malformed</c>.</exception>
    public static FernetToken Parse(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var bytes = Base64UrlCodec.TryDecode(token)
            ?? throw Malformed("The Fernet token is not valid base64url.");
        if (bytes.Length < Fernet.MinTokenSize)
        {
            throw Malformed("The Fernet token is too short.");
        }

        if ((bytes.Length - Fernet.CiphertextOffset - Fernet.HmacSize) % Fernet.BlockSize != 0)
        {
            throw Malformed("The Fernet token's ciphertext is not a whole number of AES blocks.");
        }

        if (bytes[0] != Fernet.Version)
        {
            throw Malformed("The Fernet token has an unknown version byte.");
        }

        return new FernetToken(bytes);
    }

    /// <summary>Recomputes the HMAC under <paramref name="key"/> and compares in constant time.</summary>
    public bool IsSignedBy(FernetKey key)
    {
        Span<byte> expected = stackalloc byte[Fernet.HmacSize];
        var signedLength = _bytes.Length - Fernet.HmacSize;
        HMACSHA256.HashData(key.SigningKey, _bytes.AsSpan(0, signedLength), expected);
        return CryptographicOperations.FixedTimeEquals(expected, _bytes.AsSpan(signedLength));
    }

    private static FernetException Malformed(string message) =>
        new(ErrorKind.Validation, FernetErrorCodes.TokenMalformed, message);
}
