using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace ControlTower.Core.Planning;

/// <summary>
/// The planner's word handling: tokens (identifiers split at <c>_</c>, <c>-</c>, <c>.</c> and camelCase), a light
/// stemmer (plurals, -ing, -ed) and a small synonym table that maps words people use for an action onto the words
/// tool catalogs use ("look up" and "fetch" onto "get", "folder" onto "directory").
/// </summary>
internal static class PlanText
{
    private static readonly FrozenSet<string> StopWords = FrozenSet.ToFrozenSet(
    [
        "a", "an", "the", "of", "to", "for", "in", "on", "at", "by", "with", "from", "into", "and", "or", "it", "its", "is",
        "are", "be", "this", "that", "these", "those", "their", "them", "then", "please", "using", "use", "via", "as",
        "our", "my", "we", "i", "me", "you", "your", "some", "all", "any", "each", "new", "current", "server", "tool",
        "also", "too", "up", "out", "there", "so", "just", "right", "away", "if", "else", "otherwise", "do", "does",
        "what", "which", "who", "how", "about", "over", "per", "give", "result", "results", "one", "q", "u", "again", "them",
        "her", "him", "his", "whole", "given", "called", "named", "back", "whatever", "whether", "once", "request", "requested", "body", "payload", "response", "data", "input", "output",
    ], StringComparer.Ordinal);

    // Canonical word per synonym: catalogs say get/list/create/delete, people say check/show/make/remove.
    private static readonly FrozenDictionary<string, string> Synonyms = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["check"] = "get",
        ["fetch"] = "get",
        ["retrieve"] = "get",
        ["lookup"] = "get",
        ["look"] = "get",
        ["query"] = "get",
        ["see"] = "get",
        ["obtain"] = "get",
        ["inspect"] = "get",
        ["load"] = "get",
        ["inventory"] = "stock",
        ["shelf"] = "stock",
        ["supply"] = "stock",
        ["hand"] = "stock",
        ["replenish"] = "restock",
        ["resupply"] = "restock",
        ["return"] = "restock",
        ["fill"] = "dispense",
        ["issue"] = "dispense",
        ["release"] = "dispense",
        ["show"] = "list",
        ["enumerate"] = "list",
        ["everything"] = "list",
        ["save"] = "write",
        ["store"] = "write",
        ["persist"] = "write",
        ["put"] = "write",
        ["dump"] = "write",
        ["overwrite"] = "write",
        ["folder"] = "directory",
        ["dir"] = "directory",
        ["folders"] = "directory",
        ["directories"] = "directory",
        ["remove"] = "delete",
        ["erase"] = "delete",
        ["drop"] = "delete",
        ["forget"] = "delete",
        ["find"] = "search",
        ["locate"] = "search",
        ["grep"] = "search",
        ["rename"] = "move",
        ["relocate"] = "move",
        ["make"] = "create",
        ["add"] = "add",
        ["record"] = "add",
        ["append"] = "add",
        ["note"] = "observation",
        ["fact"] = "observation",
        ["observe"] = "observation",
        ["remember"] = "create",
        ["person"] = "entity",
        ["people"] = "entity",
        ["node"] = "node",
        ["link"] = "relation",
        ["relationship"] = "relation",
        ["connect"] = "relation",
        ["connection"] = "relation",
        ["plus"] = "sum",
        ["addition"] = "sum",
        ["repeat"] = "echo",
        ["compress"] = "gzip",
        ["zip"] = "gzip",
        ["picture"] = "image",
        ["logo"] = "image",
        ["environment"] = "env",
        ["variable"] = "env",
        ["knowledge"] = "graph",
        ["metadata"] = "info",
        ["detail"] = "info",
        ["size"] = "size",
        ["research"] = "research",
        ["investigate"] = "research",
        ["tree"] = "tree",
        ["modify"] = "edit",
        ["change"] = "edit",
        ["update"] = "edit",
        ["patch"] = "edit",
        ["content"] = "content",
        ["contents"] = "content",
        ["text"] = "text",
        ["readme"] = "file",
        ["document"] = "file",
        ["log"] = "file",
        ["mkdir"] = "directory",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Lower-case words and numbers of <paramref name="text"/>; identifiers split into their parts.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        char previous = '\0';
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                if (char.IsUpper(c) && char.IsLower(previous))
                {
                    Flush(current, words);
                }

                current.Append(char.ToLowerInvariant(c));
            }
            else
            {
                Flush(current, words);
            }

            previous = c;
        }

        Flush(current, words);
        return words;
    }

    /// <summary>The content terms of <paramref name="text"/>: words without stop words, stemmed, mapped to their canonical synonym.</summary>
    public static List<string> Terms(string text)
    {
        var terms = new List<string>();
        foreach (var word in Words(text))
        {
            // Digits and the placeholders of quoted values and URLs («q0», «u1») say nothing about which tool to use.
            if (StopWords.Contains(word) || word.All(char.IsDigit) || (word.Length > 1 && word[0] is 'q' or 'u' && word[1..].All(char.IsDigit)))
            {
                continue;
            }

            terms.Add(Canonical(word));
        }

        return terms;
    }

    /// <summary>The canonical form of one word: synonym of the word or of its stem, else the stem.</summary>
    public static string Canonical(string word)
    {
        if (Synonyms.TryGetValue(word, out var direct))
        {
            return direct;
        }

        var stem = Stem(word);
        return Synonyms.TryGetValue(stem, out var viaStem) ? viaStem : stem;
    }

    /// <summary>A light stemmer: enough to meet "files"/"file", "entities"/"entity", "dispensing"/"dispense".</summary>
    public static string Stem(string word)
    {
        if (word.Length <= 3)
        {
            return word;
        }

        if (word.EndsWith("ies", StringComparison.Ordinal) && word.Length > 4)
        {
            return word[..^3] + "y";
        }

        if (word.EndsWith("ing", StringComparison.Ordinal) && word.Length > 5)
        {
            var root = word[..^3];
            return root.EndsWith("ss", StringComparison.Ordinal) ? root : Restore(root);
        }

        if (word.EndsWith("ed", StringComparison.Ordinal) && word.Length > 4)
        {
            return Restore(word[..^2]);
        }

        if (word.EndsWith("sses", StringComparison.Ordinal) || word.EndsWith("xes", StringComparison.Ordinal)
            || word.EndsWith("ches", StringComparison.Ordinal) || word.EndsWith("shes", StringComparison.Ordinal))
        {
            return word[..^2];
        }

        return word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) && !word.EndsWith("us", StringComparison.Ordinal) ? word[..^1] : word;
    }

    /// <summary>Turns a phrase into an identifier: lower-case words joined by <c>_</c>, at most <paramref name="max"/> characters.</summary>
    public static string Slug(string text, int max = 40)
    {
        var slug = string.Join('_', Words(text));
        if (slug.Length > max)
        {
            slug = slug[..max].TrimEnd('_');
        }

        return slug.Length == 0 || !char.IsLetter(slug[0]) ? "n_" + slug : slug;
    }

    /// <summary>Parses "2", "two", "a", "an" as a count; null when the word is no count.</summary>
    public static int? Count(string word) => word.ToLowerInvariant() switch
    {
        "a" or "an" or "one" or "once" or "single" => 1,
        "two" or "twice" or "both" or "couple" => 2,
        "three" or "thrice" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "twelve" => 12,
        "fifteen" => 15,
        "twenty" => 20,
        "thirty" => 30,
        "sixty" => 60,
        var w when int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    private static string Restore(string root)
    {
        // "dispens" -> "dispense", "stor" -> "store": a root ending consonant-vowel-consonant-e lost its e.
        if (root.Length >= 2 && root[^1] == root[^2] && root[^1] is not ('l' or 's' or 'z'))
        {
            return root[..^1];
        }

        return root.EndsWith("ens", StringComparison.Ordinal) || root.EndsWith("tor", StringComparison.Ordinal) || root.EndsWith("at", StringComparison.Ordinal)
            || root.EndsWith("iz", StringComparison.Ordinal) || root.EndsWith("is", StringComparison.Ordinal) || root.EndsWith("ov", StringComparison.Ordinal)
            || root.EndsWith("rit", StringComparison.Ordinal) || root.EndsWith("urc", StringComparison.Ordinal) || root.EndsWith("ut", StringComparison.Ordinal)
            ? root + "e"
            : root;
    }

    private static void Flush(StringBuilder current, List<string> words)
    {
        if (current.Length > 0)
        {
            words.Add(current.ToString());
            current.Clear();
        }
    }
}
