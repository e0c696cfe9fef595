using System.Text.Json.Nodes;
using Json.Schema;

namespace ControlTower.Core.Schemas;

/// <summary>
/// Turns JsonSchema.Net's hierarchical results into <see cref="SchemaViolation"/>s with the pointers and keywords clients
/// rely on: a failed <c>anyOf</c>/<c>oneOf</c>/<c>not</c> is one violation of that keyword where it applies (the branches'
/// own failures are not the caller's to fix one by one); a missing property is reported at its own pointer; a property
/// refused by <c>additionalProperties: false</c> is an <c>additionalProperties</c> violation at that property.
/// </summary>
internal static class SchemaResultReader
{
    private static readonly HashSet<string> Combinators = new(StringComparer.Ordinal) { "anyOf", "oneOf", "not", "allOf" };

    /// <summary>Subschemas whose failure is not a violation: <c>if</c> only chooses a branch, <c>contains</c> reports on its own.</summary>
    private static readonly HashSet<string> Probes = new(StringComparer.Ordinal) { "if", "contains" };

    public static IReadOnlyList<SchemaViolation> Read(EvaluationResults root)
    {
        var violations = new List<SchemaViolation>();
        Walk(root, null, Rebase.None, violations);
        return violations;
    }

    private static void Walk(EvaluationResults node, string? via, Rebase rebase, List<SchemaViolation> violations)
    {
        if (node.IsValid)
        {
            return;
        }

        var pointer = rebase.Apply(node.InstanceLocation.ToString());
        foreach (var (keyword, message) in node.Errors ?? new Dictionary<string, string>())
        {
            AddError(pointer, keyword, message, via, violations);
        }

        var path = node.EvaluationPath.ToString();
        var branches = (node.Details ?? []).GroupBy(child => Applicator(path, child)).ToList();
        var prefixItems = branches.FirstOrDefault(b => b.Key == "prefixItems")?.Count() ?? 0;
        foreach (var branch in branches)
        {
            switch (branch.Key)
            {
                case "anyOf" when branch.All(child => !child.IsValid):
                    violations.Add(Violation(pointer, "anyOf", "must match at least one of the allowed schemas"));
                    break;
                case "oneOf" when branch.Count(child => child.IsValid) is var matched && matched != 1:
                    violations.Add(Violation(pointer, "oneOf", $"must match exactly one of the allowed schemas (matched {matched})"));
                    break;
                case "not" when branch.Any(child => child.IsValid):
                    violations.Add(Violation(pointer, "not", "must not match the excluded schema"));
                    break;
                case "anyOf" or "oneOf" or "not":
                    break;
                case var probe when Probes.Contains(probe):
                    break;
                case "items" when prefixItems > 0:
                    foreach (var child in branch)
                    {
                        Walk(child, branch.Key, rebase.Then(ItemsAfterPrefix(rebase.Apply(child.InstanceLocation.ToString()), prefixItems)), violations);
                    }

                    break;
                default:
                    foreach (var child in branch)
                    {
                        Walk(child, branch.Key, rebase, violations);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// JsonSchema.Net 8.0.5 locates the items that <c>items</c> checks after <c>prefixItems</c> from 0, not from the first
    /// index past the prefix (validity is right, the pointer is not): the pointer is moved by the prefix's length.
    /// </summary>
    private static Rebase ItemsAfterPrefix(string reported, int prefixLength)
    {
        var slash = reported.LastIndexOf('/');
        return int.TryParse(reported[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            ? new Rebase([(reported, $"{reported[..slash]}/{index + prefixLength}")])
            : Rebase.None;
    }

    /// <summary>Pointer prefixes to replace, outermost first.</summary>
    private sealed record Rebase(IReadOnlyList<(string From, string To)> Moves)
    {
        public static readonly Rebase None = new([]);

        public Rebase Then(Rebase inner) => new([.. Moves, .. inner.Moves]);

        public string Apply(string pointer)
        {
            foreach (var (from, to) in Moves)
            {
                if (pointer == from || pointer.StartsWith(from + "/", StringComparison.Ordinal))
                {
                    pointer = to + pointer[from.Length..];
                }
            }

            return pointer;
        }
    }

    /// <summary>The keyword that evaluated a child: the first segment of its evaluation path past its parent's.</summary>
    private static string Applicator(string parentPath, EvaluationResults child)
    {
        var rest = child.EvaluationPath.ToString()[parentPath.Length..].TrimStart('/');
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? rest : rest[..slash];
    }

    private static void AddError(string pointer, string keyword, string message, string? via, List<SchemaViolation> violations)
    {
        switch (keyword)
        {
            case "required":
                foreach (var name in MissingNames(message))
                {
                    var at = $"{pointer}/{name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}";
                    violations.Add(Violation(at, "required", "is required"));
                }

                break;
            case "" when via is "additionalProperties" or "unevaluatedProperties":
                violations.Add(Violation(pointer, via, "is not an allowed property"));
                break;
            case "":
                violations.Add(Violation(pointer, "false", message));
                break;
            case "type":
                violations.Add(Violation(pointer, "type", $"must be of type {string.Join(" or ", ExpectedTypes(message))}"));
                break;
            case var combinator when Combinators.Contains(combinator):
                break;
            default:
                violations.Add(Violation(pointer, keyword, message));
                break;
        }
    }

    /// <summary><c>ErrorMessages.Required</c> is set to the bare JSON list of missing names (<see cref="SchemaMessages"/>).</summary>
    private static IEnumerable<string> MissingNames(string message) =>
        JsonNode.Parse(message) is JsonArray names ? names.Select(n => n?.GetValue<string>()).OfType<string>() : [];

    private static IEnumerable<string> ExpectedTypes(string message)
    {
        var expected = message["must be of type ".Length..];
        return JsonNode.Parse(expected) switch
        {
            JsonArray many => many.Select(n => n?.GetValue<string>()).OfType<string>(),
            JsonValue one when one.TryGetValue(out string? name) => [name],
            _ => [expected],
        };
    }

    private static SchemaViolation Violation(string pointer, string keyword, string rule) =>
        new(pointer, keyword, $"{(pointer.Length == 0 ? "(root)" : pointer)} {rule}");
}
