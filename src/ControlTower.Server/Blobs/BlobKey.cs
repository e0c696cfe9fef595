using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace ControlTower.Server.Blobs;

/// <summary>
/// A blob's name: the lower-case hex SHA-256 of its bytes, and nothing else. Every key comes from <see cref="Of"/> or
/// passes <see cref="TryParse"/> (64 characters of <c>0-9a-f</c>), so a key never holds a separator, a dot or a drive
/// letter: paths and object names built from it cannot leave the store's folder or prefix.
/// </summary>
internal readonly record struct BlobKey
{
    private BlobKey(string hex) => Hex = hex;

    public string Hex { get; }

    public static BlobKey Of(ReadOnlySpan<byte> content) => new(Convert.ToHexStringLower(SHA256.HashData(content)));

    public static bool TryParse([NotNullWhen(true)] string? text, out BlobKey key)
    {
        key = default;
        if (text is not { Length: 64 } || !text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            return false;
        }

        key = new BlobKey(text);
        return true;
    }

    /// <summary>Two levels of fan-out (<c>ab/cd/abcd…</c>), so no folder or listing grows past 65,536 entries per level.</summary>
    public string RelativePath => $"{Hex[..2]}/{Hex[2..4]}/{Hex}";

    public override string ToString() => Hex;
}
