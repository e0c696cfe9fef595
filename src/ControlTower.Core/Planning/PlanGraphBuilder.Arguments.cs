using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ControlTower.Core.Planning;

/// <summary>
/// Tool arguments and condition expressions. An argument comes, in this order, from a quoted value or number in the
/// clause (bound to the parameter whose name stands next to it, else to the next free parameter of a fitting type),
/// from an earlier node the clause names ("write the summary" → the summary's output), from the value an earlier node
/// used for the same parameter, or else from the trigger input (<c>{{ input.&lt;param&gt; }}</c>, listed as an assumption).
/// </summary>
internal sealed partial class PlanGraphBuilder
{
    private static readonly Dictionary<string, string[]> ParameterCues = new(StringComparer.Ordinal)
    {
        ["quantity"] = ["unit", "units", "tablet", "tablets", "capsule", "capsules", "pill", "pills", "dose", "doses", "box", "boxes", "piece", "pieces", "quantity", "qty"],
        ["count"] = ["link", "links", "count", "item", "items"],
        ["duration"] = ["second", "seconds", "duration"],
        ["steps"] = ["step", "steps"],
        ["rx"] = ["rx", "prescription", "script", "for"],
        ["head"] = ["first", "head", "top"],
        ["tail"] = ["last", "tail"],
        ["drug"] = ["drug", "medication", "medicine", "of"],
        ["reason"] = ["reason", "because", "note", "noting", "saying"],
        ["path"] = ["path", "file", "folder", "directory", "in", "at", "to", "from", "into", "under"],
        ["source"] = ["from", "source"],
        ["destination"] = ["to", "destination", "into"],
        ["content"] = ["content", "text", "saying", "containing"],
        ["message"] = ["message", "saying", "text", "echo"],
        ["query"] = ["for", "query", "about", "matching"],
        ["pattern"] = ["pattern", "matching", "named", "for"],
        ["topic"] = ["topic", "about", "on"],
        ["location"] = ["location", "for", "in", "city"],
        ["messageType"] = ["type", "kind"],
        ["a"] = ["add", "sum", "of"],
        ["b"] = ["and", "plus"],
    };

    [GeneratedRegex(@"«q\d+»|(?<![\w«.\-/:])\d+(?:\.\d+)?(?![\w»]|\.\d)")]
    private static partial Regex ValuePattern();

    private JsonObject Arguments(PlannerTool tool, string text)
    {
        var arguments = new JsonObject();
        if (tool.InputSchema?["properties"] is not JsonObject properties || properties.Count == 0)
        {
            return arguments;
        }

        var required = (tool.InputSchema["required"] as JsonArray)?.Select(r => r?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal) ?? [];
        var order = properties.Select(p => p.Key).OrderBy(k => required.Contains(k) ? 0 : 1).ToList();
        var found = ValuePattern().Matches(text).Select(m => (Match: m, Used: false)).ToArray();

        // Values standing next to a parameter's name (or a word that names it) go to that parameter.
        for (var v = 0; v < found.Length; v++)
        {
            var m = found[v].Match;
            var before = PlanText.Words(text[Math.Max(0, m.Index - 30)..m.Index]).TakeLast(2).ToList();
            var after = PlanText.Words(text[(m.Index + m.Length)..Math.Min(text.Length, m.Index + m.Length + 20)]).Take(1).ToList();
            foreach (var name in order)
            {
                if (arguments.ContainsKey(name) || !Fits(properties[name], m.Value))
                {
                    continue;
                }

                var cues = Cues(name);
                var isNumber = !m.Value.StartsWith('«');
                if (before.Any(cues.Contains) || (isNumber && after.Any(cues.Contains)))
                {
                    arguments[name] = Literal(properties[name], m.Value);
                    found[v].Used = true;
                    break;
                }
            }
        }

        // Then the rest in order: path-like text to path-like parameters, other text and numbers to the next free one.
        for (var v = 0; v < found.Length; v++)
        {
            if (found[v].Used)
            {
                continue;
            }

            var value = found[v].Match.Value;
            var pathLike = value.StartsWith('«') && LooksLikePath(QuoteIn(value)!);
            var target = order.FirstOrDefault(n => !arguments.ContainsKey(n) && Fits(properties[n], value) && value.StartsWith('«') && SameShape(properties[n], QuoteIn(value)!))
                ?? order.FirstOrDefault(n => !arguments.ContainsKey(n) && Fits(properties[n], value) && (!value.StartsWith('«') || IsPathParameter(n) == pathLike))
                ?? order.FirstOrDefault(n => !arguments.ContainsKey(n) && Fits(properties[n], value));
            if (target is null)
            {
                continue;
            }

            found[v].Used = true;
            if (SchemaType(properties[target]) == "array")
            {
                // A list parameter takes every value left: "open the nodes 'Alice' and 'Bob'".
                var list = new JsonArray();
                for (var w = v; w < found.Length; w++)
                {
                    if (!found[w].Used || w == v)
                    {
                        if (found[w].Match.Value.StartsWith('«'))
                        {
                            list.Add(JsonValue.Create(QuoteIn(found[w].Match.Value)));
                            found[w].Used = true;
                        }
                    }
                }

                arguments[target] = list;
            }
            else
            {
                arguments[target] = Literal(properties[target], value);
            }
        }

        foreach (var name in order.Where(required.Contains))
        {
            if (!arguments.ContainsKey(name))
            {
                arguments[name] = FromContext(tool, name, properties[name], text);
            }
        }

        return arguments;
    }

    private static HashSet<string> Cues(string parameter)
    {
        var cues = new HashSet<string>(PlanText.Words(parameter), StringComparer.Ordinal);
        if (ParameterCues.TryGetValue(parameter, out var extra))
        {
            cues.UnionWith(extra);
        }

        return cues;
    }

    private static bool IsPathParameter(string name) => Rx.IsMatch(name, "path|source|destination|directory|dir|file", RegexOptions.IgnoreCase);

    private static bool LooksLikePath(string value) => value.Contains('/', StringComparison.Ordinal) || Rx.IsMatch(value, @"^[\w.-]+\.[a-z0-9]{1,5}$", RegexOptions.IgnoreCase);

    /// <summary>Whether a value looks like the example in the parameter's description ("e.g. 'RX-1001'" fits 'RX-1002').</summary>
    private static bool SameShape(JsonNode? schema, string value) =>
        schema?["description"] is JsonValue d && d.TryGetValue<string>(out var description)
        && Rx.Match(description, @"e\.g\.,?\s*'([^']+)'") is { Success: true } example
        && Shape(example.Groups[1].Value) == Shape(value);

    private static string Shape(string text)
    {
        var shape = new System.Text.StringBuilder();
        foreach (var c in text)
        {
            var k = char.IsUpper(c) ? 'A' : char.IsLower(c) ? 'a' : char.IsDigit(c) ? '9' : c;
            if (shape.Length == 0 || shape[^1] != k || !char.IsLetterOrDigit(k))
            {
                shape.Append(k);
            }
        }

        return shape.ToString();
    }

    private static string SchemaType(JsonNode? schema) => schema?["type"] is JsonValue t && t.TryGetValue<string>(out var type) ? type : "string";

    private bool Fits(JsonNode? schema, string value)
    {
        var type = SchemaType(schema);
        if (value.StartsWith('«'))
        {
            return type == "string" || (type == "array" && SchemaType(schema?["items"]) == "string");
        }

        return type is "integer" or "number" && (type == "number" || !value.Contains('.', StringComparison.Ordinal));
    }

    private JsonNode Literal(JsonNode? schema, string value)
    {
        if (!value.StartsWith('«'))
        {
            return SchemaType(schema) == "integer"
                ? JsonValue.Create(long.Parse(value, CultureInfo.InvariantCulture))
                : JsonValue.Create(double.Parse(value, CultureInfo.InvariantCulture));
        }

        var text = QuoteIn(value)!;
        return SchemaType(schema) == "array" ? new JsonArray(JsonValue.Create(text)) : JsonValue.Create(text.Replace("{{", "\\{{", StringComparison.Ordinal));
    }

    private JsonNode FromContext(PlannerTool tool, string name, JsonNode? schema, string text)
    {
        // The content of a write, a message, an observation: what the clause points at ("write the summary to …").
        if (SchemaType(schema) == "string" && Rx.IsMatch(name, "^(content|text|message|body|data|query|observations?)$", RegexOptions.IgnoreCase)
            && ReferenceIn(text) is { } referenced)
        {
            _assumptions.Add($"{tool.Name}: '{name}' is the output of '{referenced.Id}'.");
            return "{{ " + Reference(referenced, null) + " }}";
        }

        for (var i = _built.Count - 1; i >= 0; i--)
        {
            if (_built[i].Config["arguments"] is JsonObject earlier && earlier[name] is { } same)
            {
                return same.DeepClone();
            }
        }

        if (!_inputProperties.ContainsKey(name))
        {
            _inputProperties[name] = new JsonObject { ["type"] = SchemaType(schema) };
            _assumptions.Add($"'{name}' comes from the run input (input.{name}).");
        }

        return "{{ input." + (Rx.IsMatch(name, "^[A-Za-z_][A-Za-z0-9_]*$") ? name : $"['{name}']") + " }}";
    }

    [GeneratedRegex(@"(?<op>fewer\s+than|less\s+than|lower\s+than|below|under|more\s+than|greater\s+than|higher\s+than|above|over|" +
        @"exceeds?|at\s+least|at\s+most|no\s+more\s+than|equals?|is\s+equal\s+to|is|are|==|<=|>=|<|>)\s+(?<n>-?\d+(?:\.\d+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex Comparison();

    private (string Expression, string Explained) ConditionExpression(PlanCondition condition)
    {
        var text = condition.Text;
        var lower = text.ToLowerInvariant();
        if (Comparison().Match(text) is { Success: true } m)
        {
            var op = m.Groups["op"].Value.ToLowerInvariant() switch
            {
                var o when o.StartsWith("fewer", StringComparison.Ordinal)
                    || o.StartsWith("less", StringComparison.Ordinal) || o.StartsWith("lower", StringComparison.Ordinal)
                    || o is "below" or "under" or "<" => "<",
                var o when o.StartsWith("more", StringComparison.Ordinal)
                    || o.StartsWith("greater", StringComparison.Ordinal) || o.StartsWith("higher", StringComparison.Ordinal)
                    || o is "above" or "over" or "exceeds" or "exceed" or ">" => ">",
                "at least" or ">=" => ">=",
                "at most" or "no more than" or "<=" => "<=",
                _ => "==",
            };
            var subject = Subject(text[..m.Index] + " " + text[(m.Index + m.Length)..]);
            var expression = $"{subject.Path} {op} {m.Groups["n"].Value}";
            return (expression, $"{expression}{subject.Note}");
        }

        if (Rx.Match(lower,
            @"\b(?:none|nothing|no\s+(?:units?|tablets|capsules|stock))\s+(?:is\s+|are\s+)?(?:left|remaining|on\s+hand|in\s+stock)|\b(?:out\s+of\s+stock|sold\s+out)\b") is { Success: true } none)
        {
            var subject = Subject(text[..none.Index] + " left");
            var expression = $"{subject.Path} <= 0";
            return (expression, $"{expression}{subject.Note}");
        }

        var quoted = Rx.Match(text, @"(?<op>contains?|includes?|mentions?|equals?|is|has)\s+(?:the\s+(?:word|text)\s+)?(?<q>«q\d+»)", RegexOptions.IgnoreCase);
        if (quoted.Success)
        {
            var subject = Subject(text[..quoted.Index]);
            var value = CelString(QuoteIn(quoted.Groups["q"].Value)!);
            var expression = quoted.Groups["op"].Value.ToLowerInvariant() is "is" or "equals" or "equal" ? $"{subject.Path} == {value}" : $"string({subject.Path}).contains({value})";
            return (expression, $"{expression}{subject.Note}");
        }

        if (Rx.Match(lower,
            @"\b(?:is|are)\s+(?<not>not\s+)?(?:empty|blank)\b|\b(?<not>has|have)\s+(?:any|some)\b|\bnothing\b|\bno\s+(?:results?|matches|items|entries|files)\b") is { Success: true } empty)
        {
            var subject = Subject(text[..empty.Index]);
            var notEmpty = empty.Groups["not"].Success;
            var expression = notEmpty ? $"size({subject.Path}) > 0" : $"size({subject.Path}) == 0";
            return (expression, $"{expression}{subject.Note}");
        }

        if (Rx.Match(lower, @"\b(?:is|are)\s+(?<not>not\s+)?(?<flag>[a-z]+)$") is { Success: true } flag && flag.Groups["flag"].Value is not ("left" or "available"))
        {
            var subject = Subject(text[..flag.Index]);
            var path = $"{subject.Path}.{flag.Groups["flag"].Value}";
            var expression = flag.Groups["not"].Success ? $"{path} != true" : $"{path} == true";
            return (expression, $"{expression}{subject.Note}");
        }

        var fallback = _built.LastOrDefault() is { } last ? Reference(last, null) + " != null" : "true";
        _assumptions.Add($"The condition \"{Words(text)}\" was not understood; the draft checks {fallback} instead: edit it.");
        return (fallback, "not understood, see the assumptions");
    }

    /// <summary>What a comparison is about: an input field named in it, a field of the earlier node it names, or the last node.</summary>
    private (string Path, string Note) Subject(string words)
    {
        var terms = PlanText.Terms(Rx.Replace(words, "«[qu]\\d+»", " ")).Where(t => t is not ("left" or "remain" or "there" or "than")).ToList();
        var raw = PlanText.Words(words);
        foreach (var term in raw)
        {
            if (_inputProperties.ContainsKey(term))
            {
                return ($"input.{term}", $" (input.{term} is the run input's {term})");
            }
        }

        var stockWords = raw.Any(w => w is "left" or "remaining" or "remain" or "stock" or "hand" or "available" or "units" or "tablets");
        var node = ReferenceIn("check " + words) ?? _built.LastOrDefault(b => b.Type is "mcp.tool" or "governed.action" or "http.request" or "transform" or "llm");
        if (node is null)
        {
            var field = terms.FirstOrDefault() ?? "value";
            return ($"input.{PlanText.Slug(field, 40)}", $" (input.{field} is assumed to be in the run input)");
        }

        if (node.Type is "mcp.tool" or "governed.action")
        {
            var outputFields = (node.Tool?.OutputSchema?["properties"] as JsonObject)?.Select(p => p.Key).ToList() ?? [];
            var field = outputFields.FirstOrDefault(f => PlanText.Terms(f).Any(terms.Contains))
                ?? (stockWords ? "on_hand" : terms.Where(t => !node.Terms.Contains(t)).Select(t => PlanText.Slug(t, 40)).FirstOrDefault());
            if (field is not null)
            {
                var path = node.Type == "governed.action" ? $"nodes.{node.Id}.output.after.{field}" : Reference(node, field);
                _assumptions.Add($"\"{Words(words).Trim()}\" reads '{field}' of the result of '{node.Id}'.");
                return (path, "");
            }
        }

        return (Reference(node, null), "");
    }
}
