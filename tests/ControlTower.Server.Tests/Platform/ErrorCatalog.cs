using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Errors;

namespace ControlTower.Server.Tests.Platform;

/// <summary>One stable code as declared: its value, the class and constant that own it, how clients meet it, what it means.</summary>
internal sealed record ErrorCatalogEntry(string Code, Type Owner, string Field, ErrorCodeAttribute? Usage, string? Summary)
{
    /// <summary>The feature folder of the owner: <c>ControlTower.Server.Platform.Errors</c> → <c>Server.Platform</c>.</summary>
    public string Feature => string.Join('.', (Owner.Namespace ?? "").Split('.').Skip(1).Take(2));

    public string Declaration => $"{Owner.FullName}.{Field}";
}

/// <summary>
/// Reads every <c>const string</c> of the static <c>*ErrorCodes</c> / <c>*ProblemCodes</c> classes of Core and the
/// server, takes each one's meaning from its <c>&lt;summary&gt;</c> in the source, and renders docs/error-codes.md.
/// </summary>
internal static partial class ErrorCatalog
{
    public const string DocsPath = "docs/error-codes.md";

    public const string RegenerateCommand = "UPDATE_ERROR_CATALOG=1 dotnet test tests/ControlTower.Server.Tests --filter FullyQualifiedName~ErrorCatalogTests";

    private static readonly Assembly[] Assemblies = [typeof(ControlTowerException).Assembly, typeof(ErrorCodes).Assembly];

    public static bool IsCatalogClass(string name) =>
        name.EndsWith("ErrorCodes", StringComparison.Ordinal) || name.EndsWith("ProblemCodes", StringComparison.Ordinal);

    public static IReadOnlyList<ErrorCatalogEntry> Read(string repoRoot)
    {
        var summaries = ReadSummaries(repoRoot);
        return
        [
            .. from type in Assemblies.SelectMany(a => a.GetTypes())
               where type is { IsAbstract: true, IsSealed: true } && IsCatalogClass(type.Name)
               from field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
               where field.IsLiteral && field.FieldType == typeof(string)
               let code = (string)field.GetRawConstantValue()!
               orderby code, type.FullName
               select new ErrorCatalogEntry(code, type, field.Name, field.GetCustomAttribute<ErrorCodeAttribute>(),
                   summaries.GetValueOrDefault($"{type.FullName}.{field.Name}")),
        ];
    }

    /// <summary>The source files under src/, without build output.</summary>
    public static IEnumerable<string> SourceFiles(string repoRoot) =>
        Directory.EnumerateFiles(Path.Combine(repoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    /// <summary>The spans of the catalog classes' bodies in one source text, with each class name.</summary>
    public static IEnumerable<(string Name, int Start, int End)> CatalogClassBodies(string text)
    {
        foreach (Match match in CatalogClassPattern().Matches(text))
        {
            // Catalog classes are top-level, so their body ends at the first closing brace in column 0.
            var end = text.IndexOf("\n}", match.Index, StringComparison.Ordinal);
            yield return (match.Groups["name"].Value, match.Index, end < 0 ? text.Length : end);
        }
    }

    public static string Render(IReadOnlyList<ErrorCatalogEntry> entries)
    {
        var text = new StringBuilder();
        text.Append("""
            # Error codes

            Every stable error code a client of Control Tower can meet. Clients match on the code, never on the
            message; a code's value never changes once released.

            This file is generated from the `*ErrorCodes` and `*ProblemCodes` classes of ControlTower.Core and the
            server: each constant's `[ErrorCode]` attribute (where the code appears and, for ProblemDetails, its
            kind) and its `<summary>`. `ErrorCatalogTests` fails when the file is out of date; do not edit it by hand.
            Regenerate it with:

            """);
        text.Append("\n    ").Append(RegenerateCommand).Append("\n\n");
        text.Append("""
            Where a code appears:

            - **ProblemDetails**: the `code` of an `application/problem+json` answer, with the HTTP status shown.
            - **run error**: the error of a failed node or run (run detail, run stream, a webhook's 502 body); it has
              no HTTP status of its own. A node's failure says whether it is retried.
            - **problem list**: one entry of a `problems` list (graph or rule set validation), with a JSON pointer.
            - **tool result**: the error result of a tool of the demo pharmacy MCP server.
            - **report**: a field of an answer that is itself a success (audit verification, an audit entry's
              data, a governed execution's last rollback error).
            - **CLI**: printed by a command-line command, or by the server refusing to start; it exits non-zero.

            Retryable is filled in where the code's description says: *yes (node)* means a node failing with it
            is retried under its retry policy; it is left empty where the concept does not apply or depends on
            the call.

            | Code | HTTP | Where | Feature | Retryable | Meaning |
            |---|---|---|---|---|---|

            """);
        foreach (var entry in entries)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"| `{entry.Code}` | {Status(entry)} | {Where(entry)} | {entry.Feature} | {Retryable(entry)} | {Cell(Markdown(entry.Summary ?? ""))} |\n");
        }

        return text.ToString().ReplaceLineEndings("\n");
    }

    /// <summary>The codes listed in the first column of a rendered catalog.</summary>
    public static IReadOnlySet<string> ListedCodes(string markdown) =>
        RowPattern().Matches(markdown).Select(m => m.Groups["code"].Value).ToHashSet(StringComparer.Ordinal);

    private static string Status(ErrorCatalogEntry entry) =>
        entry.Usage is { Surface: var surface } usage && surface.HasFlag(ErrorSurface.ProblemDetails)
            ? (usage.Status != 0 ? usage.Status : ErrorCodes.StatusFor(usage.Kind)).ToString(CultureInfo.InvariantCulture)
            : "—";

    private static string Where(ErrorCatalogEntry entry)
    {
        var surface = entry.Usage?.Surface ?? 0;
        var names = new List<string>();
        AddIf(ErrorSurface.ProblemDetails, "ProblemDetails");
        AddIf(ErrorSurface.RunError, "run error");
        AddIf(ErrorSurface.ProblemList, "problem list");
        AddIf(ErrorSurface.ToolResult, "tool result");
        AddIf(ErrorSurface.Report, "report");
        AddIf(ErrorSurface.Cli, "CLI");
        return string.Join(", ", names);

        void AddIf(ErrorSurface flag, string name)
        {
            if (surface.HasFlag(flag))
            {
                names.Add(name);
            }
        }
    }

    private static string Retryable(ErrorCatalogEntry entry) => entry.Summary switch
    {
        null => "",
        var s when s.Contains("Not retryable", StringComparison.Ordinal) => "no",
        var s when s.Contains("retryable only", StringComparison.Ordinal) => "some",
        var s when s.Contains("Retryable in a node", StringComparison.Ordinal) => "yes (node)",
        var s when s.Contains("Retryable", StringComparison.Ordinal) => "yes",
        _ => "",
    };

    private static string Markdown(string summary)
    {
        var text = CodeTag().Replace(summary, "`$1`");
        text = SeeTag().Replace(text, "`$1`");
        text = text.Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal).Replace("&amp;", "&", StringComparison.Ordinal);
        return Whitespace().Replace(text, " ").Trim();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>Summaries of catalog constants by <c>Namespace.Class.Field</c>, read from the doc comments above them.</summary>
    private static Dictionary<string, string> ReadSummaries(string repoRoot)
    {
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in SourceFiles(repoRoot))
        {
            var text = File.ReadAllText(file).ReplaceLineEndings("\n");
            var ns = NamespacePattern().Match(text).Groups["ns"].Value;
            foreach (var (name, start, end) in CatalogClassBodies(text))
            {
                var doc = new List<string>();
                foreach (var raw in text[start..end].Split('\n').Skip(1))
                {
                    var line = raw.Trim();
                    if (line.StartsWith("///", StringComparison.Ordinal))
                    {
                        doc.Add(line[3..].Trim());
                    }
                    else if (ConstPattern().Match(line) is { Success: true } constant)
                    {
                        var comment = string.Join(' ', doc);
                        var summary = SummaryTag().Match(comment);
                        if (summary.Success)
                        {
                            summaries[$"{ns}.{name}.{constant.Groups["field"].Value}"] = summary.Groups["text"].Value;
                        }

                        doc.Clear();
                    }
                    else if (!line.StartsWith('['))
                    {
                        doc.Clear();
                    }
                }
            }
        }

        return summaries;
    }

    [GeneratedRegex(@"^namespace (?<ns>[\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"^(?:public |internal )?static class (?<name>\w*(?:ErrorCodes|ProblemCodes))\b", RegexOptions.Multiline)]
    private static partial Regex CatalogClassPattern();

    [GeneratedRegex(@"^(?:public|internal) const string (?<field>\w+) =")]
    private static partial Regex ConstPattern();

    [GeneratedRegex(@"<summary>(?<text>.*?)</summary>", RegexOptions.Singleline)]
    private static partial Regex SummaryTag();

    [GeneratedRegex(@"<c>(.*?)</c>")]
    private static partial Regex CodeTag();

    [GeneratedRegex(@"<see cref=""(?:[\w.]*\.)?(\w+)""\s*/>")]
    private static partial Regex SeeTag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^\| `(?<code>[^`]+)` \|", RegexOptions.Multiline)]
    private static partial Regex RowPattern();
}
