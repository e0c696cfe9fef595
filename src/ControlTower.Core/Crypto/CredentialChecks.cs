using System.Collections.Frozen;

namespace ControlTower.Core.Crypto;

/// <summary>
/// Value checks shared by the credential shapes. Each failure is <c>credential.data_invalid</c>
/// naming the field, never the value. Checks that return a problem text (or null) are the
/// per-value rules; <see cref="Text"/> and <see cref="Map"/> apply them.
/// </summary>
internal static class CredentialChecks
{
    /// <summary>Longest accepted string value: room for JWTs and PEM blobs, bounded against abuse.</summary>
    public const int MaxValueLength = 16 * 1024;

    /// <summary>Most entries accepted in a map field (env vars, headers).</summary>
    public const int MaxEntries = 256;

    private const string TokenSymbols = "!#$%&'*+-.^_`|~";

    public static string Text(string? value, string field, Func<string, string?>? rule = null, bool allowEmpty = false)
    {
        if (value is null)
        {
            throw CredentialException.DataInvalid(field, "is required");
        }

        if (value.Length == 0 && !allowEmpty)
        {
            throw CredentialException.DataInvalid(field, "must not be empty");
        }

        if (value.Length > MaxValueLength)
        {
            throw CredentialException.DataInvalid(field, $"must be at most {MaxValueLength} characters");
        }

        return rule?.Invoke(value) is { } problem ? throw CredentialException.DataInvalid(field, problem) : value;
    }

    /// <summary>
    /// A non-empty map whose keys (names, shown in errors: they are not secrets) pass
    /// <paramref name="keyRule"/> and are distinct under <paramref name="keyComparer"/>.
    /// </summary>
    public static FrozenDictionary<string, string> Map(
        IEnumerable<KeyValuePair<string, string>>? entries,
        string field,
        Func<string, string?> keyRule,
        Func<string, string?> valueRule,
        StringComparer keyComparer)
    {
        if (entries is null)
        {
            throw CredentialException.DataInvalid(field, "is required");
        }

        var result = new Dictionary<string, string>(keyComparer);
        foreach (var (key, value) in entries)
        {
            ArgumentNullException.ThrowIfNull(key, field);
            if (keyRule(key) is { } problem)
            {
                throw CredentialException.DataInvalid($"{field}.{key}", problem);
            }

            if (!result.TryAdd(key, Text(value, $"{field}.{key}", valueRule, allowEmpty: true)))
            {
                throw CredentialException.DataInvalid($"{field}.{key}", "is given more than once");
            }

            if (result.Count > MaxEntries)
            {
                throw CredentialException.DataInvalid(field, $"must have at most {MaxEntries} entries");
            }
        }

        return result.Count == 0
            ? throw CredentialException.DataInvalid(field, "must have at least one entry")
            : result.ToFrozenDictionary(keyComparer);
    }

    /// <summary>Header values: no control characters but tab, so nothing can split (CR/LF) or cut (NUL) a header.</summary>
    public static string? HeaderValue(string value) =>
        value.Any(c => (char.IsControl(c) && c != '\t') || c == '\u2028' || c == '\u2029')
            ? "must not contain control characters or line breaks"
            : null;

    /// <summary>An HTTP field name: an RFC 9110 token.</summary>
    public static string? HeaderName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || TokenSymbols.Contains(c))
            ? null
            : "is not a valid HTTP header name";

    /// <summary>A process environment value: anything but NUL, which cannot cross exec.</summary>
    public static string? EnvironmentValue(string value) =>
        value.Contains('\0', StringComparison.Ordinal) ? "must not contain NUL characters" : null;
}
