using System.Collections.Frozen;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Crypto;

/// <summary>
/// Replaces every occurrence of any known secret value with <see cref="Mask"/>: defence in depth
/// for log lines, events, audit entries and API responses. Immutable and thread-safe; build a new
/// one (<see cref="With"/>) when more secrets are loaded.
/// </summary>
/// <remarks>
/// <para>Secrets shorter than <see cref="MinSecretLength"/> characters are ignored: masking every
/// "admin" or "1234" would shred ordinary text, and values that short are not protected by hiding
/// them anyway. Matching is ordinal (case-sensitive).</para>
/// <para>Besides each secret itself, its JSON-escaped spellings are matched too (a secret holding
/// <c>"</c>, <c>\</c>, <c>+</c>, <c>&lt;</c> or non-ASCII text appears escaped in serialized JSON).</para>
/// <para>One Aho-Corasick automaton over all patterns scans a text once: building costs the total
/// pattern length, redacting costs the text length plus the matches, however many secrets there are.
/// Where matches overlap or nest (one secret inside or overlapping another), the union of their
/// spans becomes a single mask, so no fragment of any secret survives.</para>
/// </remarks>
public sealed class SecretRedactor
{
    public const int MinSecretLength = 6;

    public const string Mask = "***";

    private readonly FrozenSet<string> _secrets;
    private readonly Dictionary<char, int>[] _children;
    private readonly int[] _failure;

    // Length of the longest pattern that ends at this node (0 if none): any shorter match ending at
    // the same place lies inside it, so the longest one is all a masking span needs.
    private readonly int[] _longestMatch;

    public SecretRedactor(IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = secrets.Where(s => s is not null && s.Length >= MinSecretLength).ToFrozenSet(StringComparer.Ordinal);
        (_children, _failure, _longestMatch) = BuildAutomaton(_secrets.SelectMany(Spellings).Distinct(StringComparer.Ordinal));
    }

    public static SecretRedactor Empty { get; } = new([]);

    /// <summary>How many distinct secrets (of at least <see cref="MinSecretLength"/> characters) are masked.</summary>
    public int SecretCount => _secrets.Count;

    /// <summary>A redactor that masks these secrets as well as the current ones.</summary>
    public SecretRedactor With(IEnumerable<string> moreSecrets) => new(_secrets.Concat(moreSecrets));

    public bool ContainsSecret(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var state = 0;
        foreach (var c in text)
        {
            state = Step(state, c);
            if (_longestMatch[state] > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The text with every secret occurrence masked; the same instance when nothing matched.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spans = FindMaskedSpans(text);
        if (spans.Count == 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        var position = 0;
        foreach (var (start, end) in spans)
        {
            builder.Append(text, position, start - position).Append(Mask);
            position = end;
        }

        return builder.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>
    /// A redacted deep copy of <paramref name="node"/>: string values, property names and numbers
    /// whose text holds a secret are masked (a masked number becomes a string). The input is not changed.
    /// </summary>
    public JsonNode? Redact(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => RedactObject(obj),
        JsonArray array => new JsonArray([.. array.Select(Redact)]),
        JsonValue value => RedactValue(value),
        _ => node.DeepClone(),
    };

    private JsonObject RedactObject(JsonObject obj)
    {
        var result = new JsonObject();
        foreach (var (name, value) in obj)
        {
            var key = Redact(name);
            // Two names that differ only inside their secrets collapse to the same mask; keep both.
            for (var n = 2; result.ContainsKey(key); n++)
            {
                key = $"{Redact(name)}#{n}";
            }

            result[key] = Redact(value);
        }

        return result;
    }

    private JsonNode RedactValue(JsonValue value)
    {
        var kind = value.GetValueKind();
        if (kind == JsonValueKind.String)
        {
            // A value built from a Guid, DateTime or char is a JSON string without being a .NET string.
            var text = value.TryGetValue<string>(out var direct) ? direct : JsonSerializer.Deserialize<string>(value.ToJsonString())!;
            return JsonValue.Create(Redact(text));
        }

        if (kind == JsonValueKind.Number)
        {
            var text = value.ToJsonString();
            var redacted = Redact(text);
            return ReferenceEquals(text, redacted) ? value.DeepClone() : JsonValue.Create(redacted);
        }

        return value.DeepClone();
    }

    /// <summary>Sorted, disjoint [start, end) spans covering every occurrence of every pattern.</summary>
    private List<(int Start, int End)> FindMaskedSpans(string text)
    {
        var spans = new List<(int Start, int End)>();
        var state = 0;
        for (var i = 0; i < text.Length; i++)
        {
            state = Step(state, text[i]);
            var length = _longestMatch[state];
            if (length == 0)
            {
                continue;
            }

            // Ends only grow, so a new span can only overlap spans at the tail of the list.
            var start = i + 1 - length;
            while (spans.Count > 0 && start < spans[^1].End)
            {
                start = Math.Min(start, spans[^1].Start);
                spans.RemoveAt(spans.Count - 1);
            }

            spans.Add((start, i + 1));
        }

        return spans;
    }

    private int Step(int state, char c)
    {
        while (true)
        {
            if (_children[state].TryGetValue(c, out var next))
            {
                return next;
            }

            if (state == 0)
            {
                return 0;
            }

            state = _failure[state];
        }
    }

    private static IEnumerable<string> Spellings(string secret)
    {
        yield return secret;
        yield return JsonEncodedText.Encode(secret).Value;
        yield return JsonEncodedText.Encode(secret, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value;
    }

    private static (Dictionary<char, int>[] Children, int[] Failure, int[] LongestMatch) BuildAutomaton(IEnumerable<string> patterns)
    {
        var children = new List<Dictionary<char, int>> { new() };
        var terminalLength = new List<int> { 0 };
        foreach (var pattern in patterns)
        {
            var state = 0;
            foreach (var c in pattern)
            {
                if (!children[state].TryGetValue(c, out var next))
                {
                    next = children.Count;
                    children[state][c] = next;
                    children.Add([]);
                    terminalLength.Add(0);
                }

                state = next;
            }

            terminalLength[state] = pattern.Length;
        }

        var failure = new int[children.Count];
        var longest = terminalLength.ToArray();
        var queue = new Queue<int>(children[0].Values);
        while (queue.TryDequeue(out var state))
        {
            foreach (var (c, child) in children[state])
            {
                var fallback = failure[state];
                while (fallback != 0 && !children[fallback].ContainsKey(c))
                {
                    fallback = failure[fallback];
                }

                failure[child] = children[fallback].TryGetValue(c, out var target) && target != child ? target : 0;
                // A node's own pattern is longer than any proper suffix's, so only fill in when it has none.
                longest[child] = longest[child] > 0 ? longest[child] : longest[failure[child]];
                queue.Enqueue(child);
            }
        }

        return ([.. children], failure, longest);
    }
}
