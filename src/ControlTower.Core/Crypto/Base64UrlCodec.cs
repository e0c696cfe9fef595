namespace ControlTower.Core.Crypto;

/// <summary>
/// RFC 4648 §5 base64url as Fernet uses it: encoding always writes '=' padding (as the spec's
/// vectors do); decoding accepts padded or unpadded input but is otherwise strict: no whitespace,
/// no '+' or '/', and only the canonical encoding of the bytes (non-zero spare bits are refused),
/// so one token has exactly one spelling.
/// </summary>
internal static class Base64UrlCodec
{
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var standard = Convert.ToBase64String(bytes);
        return string.Create(standard.Length, standard, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] switch { '+' => '-', '/' => '_', var c => c };
            }
        });
    }

    /// <summary>Decodes <paramref name="text"/>; returns null when it is not canonical base64url.</summary>
    public static byte[]? TryDecode(string text)
    {
        var unpadded = text.AsSpan().TrimEnd('=');
        var padding = text.Length - unpadded.Length;
        if (unpadded.Length % 4 == 1 || padding > 2 || (padding > 0 && text.Length % 4 != 0))
        {
            return null;
        }

        var standard = new char[(unpadded.Length + 3) / 4 * 4];
        for (var i = 0; i < unpadded.Length; i++)
        {
            var c = unpadded[i];
            if (!IsUrlSafeAlphabet(c))
            {
                return null;
            }

            standard[i] = c switch { '-' => '+', '_' => '/', _ => c };
        }

        standard.AsSpan(unpadded.Length).Fill('=');
        var bytes = new byte[standard.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(standard, bytes, out var written))
        {
            return null;
        }

        Array.Resize(ref bytes, written);
        return Encode(bytes).AsSpan().TrimEnd('=').SequenceEqual(unpadded) ? bytes : null;
    }

    private static bool IsUrlSafeAlphabet(char c) =>
        char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_';
}
