using System.Security.Cryptography;
using System.Text;

namespace ControlTower.Server.Identity;

/// <summary>
/// API key format <c>ct_{prefix}_{secret}</c>: the prefix finds the row, the whole key is hashed
/// with SHA-256 and only the hash is stored; comparison is constant-time.
/// </summary>
internal static class ApiKeys
{
    public const string KeyPrefix = "ct_";
    private const int PrefixLength = 12;
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    public sealed record NewKey(string Key, string Prefix, string Hash);

    public static NewKey Generate()
    {
        var prefix = RandomNumberGenerator.GetString(Alphabet, PrefixLength);
        var secret = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var key = $"{KeyPrefix}{prefix}_{secret}";
        return new NewKey(key, prefix, Hash(key));
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The prefix of a well-formed key, or null: a malformed key never reaches the database.</summary>
    public static string? PrefixOf(string key)
    {
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || key.Length < KeyPrefix.Length + PrefixLength + 2)
        {
            return null;
        }

        var prefix = key.Substring(KeyPrefix.Length, PrefixLength);
        return key[KeyPrefix.Length + PrefixLength] == '_' && prefix.All(Alphabet.Contains) ? prefix : null;
    }

    /// <summary>
    /// What the failed-authentication throttle groups a presented key by: a well-formed key's prefix (public,
    /// it names the key), else a hash of the value's first 8 characters, so no key material is held.
    /// </summary>
    public static string ThrottlePrefix(string presentedKey) =>
        PrefixOf(presentedKey) is { } prefix
            ? prefix
            : "h:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey[..Math.Min(8, presentedKey.Length)])))[..16];

    public static bool Matches(string presentedKey, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Hash(presentedKey)),
            Encoding.ASCII.GetBytes(storedHash));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
