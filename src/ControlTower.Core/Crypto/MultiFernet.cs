using ControlTower.Core.Errors;

namespace ControlTower.Core.Crypto;

/// <summary>
/// An ordered key ring for rotation: the first key is the newest and the only one that encrypts;
/// every key decrypts. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Decrypt finds the key whose HMAC matches (the signing halves of distinct keys never both match
/// in practice) and reports that key's verdict: an authentic but expired token is
/// <c>crypto.token_expired</c>, not a vague "no key worked"; a token no key signed is
/// <c>crypto.token_signature_invalid</c>.
/// </remarks>
public sealed class MultiFernet
{
    private readonly FernetKey[] _keys;

    /// <param name="keys">Newest first, as configured in <c>CREDENTIAL_KEYS</c>.</param>
    /// <exception cref="FernetException"><c>crypto.key_missing</c> when the list is empty.</exception>
    public MultiFernet(IEnumerable<FernetKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = [.. keys];
        if (_keys.Length == 0)
        {
            throw new FernetException(
                ErrorKind.Validation,
                FernetErrorCodes.KeyMissing,
                "A Fernet key ring needs at least one key.");
        }

        foreach (var key in _keys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(keys));
        }
    }

    /// <summary>The keys, newest first.</summary>
    public IReadOnlyList<FernetKey> Keys => _keys;

    /// <summary>The key that encrypts.</summary>
    public FernetKey Newest => _keys[0];

    /// <summary>Parses a comma-separated list of base64url keys (the <c>CREDENTIAL_KEYS</c> format), newest first.</summary>
    public static MultiFernet Parse(string commaSeparatedKeys)
    {
        ArgumentNullException.ThrowIfNull(commaSeparatedKeys);
        return new MultiFernet(commaSeparatedKeys
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(FernetKey.Parse));
    }

    public string Encrypt(ReadOnlySpan<byte> plaintext, DateTimeOffset now, ReadOnlySpan<byte> iv) =>
        Fernet.Encrypt(Newest, plaintext, now, iv);

    public byte[] Decrypt(string token, DateTimeOffset now, TimeSpan? ttl, TimeSpan maxClockSkew) =>
        DecryptWithKeyIndex(token, now, ttl, maxClockSkew).Plaintext;

    /// <summary>Decrypts and also says which key (index into <see cref="Keys"/>) it was made under.</summary>
    public FernetDecryption DecryptWithKeyIndex(string token, DateTimeOffset now, TimeSpan? ttl, TimeSpan maxClockSkew)
    {
        var window = new TimeWindow(now, ttl, maxClockSkew);
        var parsed = FernetToken.Parse(token);
        var index = SigningKeyIndex(parsed);
        return new FernetDecryption(Fernet.Open(_keys[index], parsed, window), index);
    }

    /// <summary>
    /// Which key made <paramref name="token"/> (0 = newest), checking only layout and HMAC. The
    /// re-encrypt job skips rows at index 0, so an interrupted rotation resumes where it stopped.
    /// </summary>
    /// <exception cref="FernetException"><c>crypto.token_malformed</c> or <c>crypto.token_signature_invalid</c>.</exception>
    public int KeyIndexOf(string token) => SigningKeyIndex(FernetToken.Parse(token));

    /// <summary>
    /// Re-encrypts <paramref name="token"/> under the newest key, stamped <paramref name="now"/>.
    /// Neither TTL nor clock skew is checked: rotation must never lose a stored secret to time.
    /// </summary>
    public string Rotate(string token, DateTimeOffset now, ReadOnlySpan<byte> iv)
    {
        var parsed = FernetToken.Parse(token);
        var plaintext = Fernet.Open(_keys[SigningKeyIndex(parsed)], parsed, window: null);
        try
        {
            return Encrypt(plaintext, now, iv);
        }
        finally
        {
            Array.Clear(plaintext);
        }
    }

    private int SigningKeyIndex(FernetToken token)
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            if (token.IsSignedBy(_keys[i]))
            {
                return i;
            }
        }

        throw Fernet.SignatureInvalid();
    }
}

/// <summary>A decrypted payload and the index of the key (newest = 0) that it was made under.</summary>
public sealed record FernetDecryption(byte[] Plaintext, int KeyIndex)
{
    // Records print their members; a plaintext may be a secret.
    public override string ToString() => $"FernetDecryption(KeyIndex = {KeyIndex}, {Plaintext.Length} bytes)";
}
