using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace ControlTower.Core.Planning;

/// <summary>
/// The planner's inline patterns, each built once. The static <see cref="Regex"/> methods keep only 15 patterns in their
/// cache, fewer than the planner uses per request, so they would rebuild patterns on every draft. Only constant patterns
/// come here (the set is fixed by the code, never by input).
/// </summary>
internal static class Rx
{
    private static readonly ConcurrentDictionary<(string, RegexOptions), Regex> Patterns = new();

    private static Regex Get(string pattern, RegexOptions options) =>
        Patterns.GetOrAdd((pattern, options), key => new Regex(key.Item1, key.Item2 | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));

    public static bool IsMatch(string input, string pattern, RegexOptions options = RegexOptions.None) => Get(pattern, options).IsMatch(input);

    public static Match Match(string input, string pattern, RegexOptions options = RegexOptions.None) => Get(pattern, options).Match(input);

    public static MatchCollection Matches(string input, string pattern, RegexOptions options = RegexOptions.None) => Get(pattern, options).Matches(input);

    public static string Replace(string input, string pattern, string replacement, RegexOptions options = RegexOptions.None) => Get(pattern, options).Replace(input, replacement);

    public static string Replace(string input, string pattern, MatchEvaluator evaluator, RegexOptions options = RegexOptions.None) => Get(pattern, options).Replace(input, evaluator);
}
