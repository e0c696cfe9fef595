using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace ControlTower.Core.Expressions;

/// <summary>
/// <c>matches</c> with RE2 semantics on .NET: linear-time NonBacktracking engine plus a timeout. RE2 syntax that
/// .NET reads differently is translated: <c>(?P&lt;name&gt;</c> becomes <c>(?&lt;name&gt;</c> and a bare <c>$</c>
/// (end of text in RE2) becomes <c>\z</c>. Compiled patterns are cached (bounded).
/// </summary>
internal static class CelRegex
{
    private const int MaxCached = 512;
    private static readonly ConcurrentDictionary<(string, TimeSpan), Regex> Cache = new();

    public static object Matches(CelOptions options, CelExpr call, string input, string pattern)
    {
        Regex regex;
        try
        {
            regex = Get(pattern, options.RegexTimeout);
        }
        catch (ArgumentException ex)
        {
            return new CelError($"invalid regular expression '{pattern}': {ex.Message}", call);
        }
        catch (NotSupportedException ex)
        {
            return new CelError($"unsupported regular expression '{pattern}': {ex.Message}", call);
        }

        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            return new CelError($"regular expression '{pattern}' timed out", call);
        }
    }

    private static Regex Get(string pattern, TimeSpan timeout)
    {
        if (Cache.TryGetValue((pattern, timeout), out var cached))
        {
            return cached;
        }

        var regex = new Regex(Translate(pattern), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, timeout);
        if (Cache.Count >= MaxCached)
        {
            Cache.Clear();
        }

        Cache[(pattern, timeout)] = regex;
        return regex;
    }

    internal static string Translate(string pattern)
    {
        var multiline = pattern.Contains("(?m", StringComparison.Ordinal);
        var sb = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(c).Append(pattern[++i]);
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
                sb.Append(c);
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    sb.Append(c);
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        sb.Append(pattern[++i]);
                    }

                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        sb.Append(pattern[++i]);
                    }

                    break;
                case '(' when pattern.AsSpan(i).StartsWith("(?P<"):
                    sb.Append("(?<");
                    i += 3;
                    break;
                case '$' when !multiline:
                    sb.Append("\\z");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }
}
