using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ControlTower.Core.Schemas;

/// <summary>One rule an instance broke. <see cref="Pointer"/> is an RFC 6901 JSON pointer into the instance ("" is the root).</summary>
public sealed record SchemaViolation(string Pointer, string Keyword, string Message);

/// <summary>
/// Validates JSON against the subset of JSON Schema that MCP tool input schemas and node config
/// schemas use (draft-07 and 2020-12 spellings). Unknown keywords (format, title, default, ...) are
/// ignored. Every violation is returned, each with the instance pointer and the rule; messages never
/// quote instance values because arguments may carry secrets.
/// </summary>
public static class JsonSchemaValidator
{
    private const int MaxDepth = 128;
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly ConcurrentDictionary<string, Regex?> Patterns = new(StringComparer.Ordinal);

    public static IReadOnlyList<SchemaViolation> Validate(JsonNode schema, JsonNode? instance)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var run = new Run(schema);
        run.Check(schema, instance, "", 0);
        return run.Violations;
    }

    private sealed class Run(JsonNode root)
    {
        public List<SchemaViolation> Violations { get; } = [];

        public void Check(JsonNode? schema, JsonNode? instance, string pointer, int depth)
        {
            if (depth > MaxDepth)
            {
                Add(pointer, "$ref", "schema nesting is too deep (recursive $ref?)");
                return;
            }

            switch (schema)
            {
                case JsonValue boolean when boolean.GetValueKind() is JsonValueKind.True:
                    return;
                case JsonValue boolean when boolean.GetValueKind() is JsonValueKind.False:
                    Add(pointer, "false", "no value is allowed here");
                    return;
                case JsonObject rules:
                    CheckObjectSchema(rules, instance, pointer, depth);
                    return;
                default:
                    return; // Not a schema: nothing to enforce.
            }
        }

        private void CheckObjectSchema(JsonObject rules, JsonNode? instance, string pointer, int depth)
        {
            if (rules["$ref"] is JsonValue reference && reference.TryGetValue(out string? target))
            {
                if (Resolve(target) is { } resolved)
                {
                    Check(resolved, instance, pointer, depth + 1);
                }
                else
                {
                    Add(pointer, "$ref", "schema reference cannot be resolved");
                }
            }

            CheckType(rules, instance, pointer);
            CheckEnumAndConst(rules, instance, pointer);
            CheckCombinators(rules, instance, pointer, depth);

            switch (instance)
            {
                case JsonObject obj:
                    CheckObject(rules, obj, pointer, depth);
                    break;
                case JsonArray array:
                    CheckArray(rules, array, pointer, depth);
                    break;
                case JsonValue value when value.GetValueKind() is JsonValueKind.String:
                    CheckString(rules, value.GetValue<string>(), pointer);
                    break;
                case JsonValue value when value.GetValueKind() is JsonValueKind.Number:
                    CheckNumber(rules, ReadNumber(value), pointer);
                    break;
            }
        }

        private void CheckType(JsonObject rules, JsonNode? instance, string pointer)
        {
            var allowed = rules["type"] switch
            {
                JsonValue single when single.TryGetValue(out string? name) => [name],
                JsonArray many => many.OfType<JsonValue>().Select(v => v.TryGetValue(out string? n) ? n : "").ToArray(),
                _ => null,
            };
            if (allowed is null || allowed.Any(type => HasType(instance, type)))
            {
                return;
            }

            Add(pointer, "type", $"must be of type {string.Join(" or ", allowed)}");
        }

        private void CheckEnumAndConst(JsonObject rules, JsonNode? instance, string pointer)
        {
            if (rules["enum"] is JsonArray options && !options.Any(option => JsonEquals(option, instance)))
            {
                Add(pointer, "enum", $"must be one of the {options.Count} allowed values");
            }

            if (rules.TryGetPropertyValue("const", out var constant) && !JsonEquals(constant, instance))
            {
                Add(pointer, "const", "must equal the schema's constant");
            }
        }

        private void CheckCombinators(JsonObject rules, JsonNode? instance, string pointer, int depth)
        {
            if (rules["allOf"] is JsonArray all)
            {
                foreach (var sub in all)
                {
                    Check(sub, instance, pointer, depth + 1);
                }
            }

            if (rules["anyOf"] is JsonArray any && !any.Any(sub => IsValid(sub, instance, depth)))
            {
                Add(pointer, "anyOf", "must match at least one of the allowed schemas");
            }

            if (rules["oneOf"] is JsonArray one)
            {
                var matches = one.Count(sub => IsValid(sub, instance, depth));
                if (matches != 1)
                {
                    Add(pointer, "oneOf", $"must match exactly one of the allowed schemas (matched {matches})");
                }
            }

            if (rules["not"] is { } not && IsValid(not, instance, depth))
            {
                Add(pointer, "not", "must not match the excluded schema");
            }
        }

        private bool IsValid(JsonNode? schema, JsonNode? instance, int depth)
        {
            var probe = new Run(root);
            probe.Check(schema, instance, "", depth + 1);
            return probe.Violations.Count == 0;
        }

        private void CheckObject(JsonObject rules, JsonObject obj, string pointer, int depth)
        {
            if (rules["required"] is JsonArray required)
            {
                foreach (var name in required.OfType<JsonValue>().Select(v => v.TryGetValue(out string? n) ? n : null))
                {
                    if (name is not null && !obj.ContainsKey(name))
                    {
                        Add(Child(pointer, name), "required", "is required");
                    }
                }
            }

            CheckCount(rules, "minProperties", "maxProperties", obj.Count, "properties", pointer);

            var properties = rules["properties"] as JsonObject;
            var patternProperties = rules["patternProperties"] as JsonObject;
            var additional = rules["additionalProperties"];
            foreach (var (name, value) in obj)
            {
                var at = Child(pointer, name);
                var matched = false;
                if (properties is not null && properties.TryGetPropertyValue(name, out var propertySchema))
                {
                    matched = true;
                    Check(propertySchema, value, at, depth + 1);
                }

                if (patternProperties is not null)
                {
                    foreach (var (pattern, patternSchema) in patternProperties)
                    {
                        if (Matches(pattern, name) == true)
                        {
                            matched = true;
                            Check(patternSchema, value, at, depth + 1);
                        }
                    }
                }

                if (!matched && additional is not null)
                {
                    if (additional is JsonValue flag && flag.GetValueKind() is JsonValueKind.False)
                    {
                        Add(at, "additionalProperties", "is not an allowed property");
                    }
                    else
                    {
                        Check(additional, value, at, depth + 1);
                    }
                }
            }
        }

        private void CheckArray(JsonObject rules, JsonArray array, string pointer, int depth)
        {
            CheckCount(rules, "minItems", "maxItems", array.Count, "items", pointer);

            // Tuple form: draft-07 "items": [..] or 2020-12 "prefixItems"; the rest go to "items" (2020-12) or "additionalItems".
            var tuple = rules["prefixItems"] as JsonArray ?? rules["items"] as JsonArray;
            var rest = rules["prefixItems"] is JsonArray ? rules["items"] : rules["items"] is JsonArray ? rules["additionalItems"] : rules["items"];
            for (var i = 0; i < array.Count; i++)
            {
                var itemSchema = tuple is not null && i < tuple.Count ? tuple[i] : rest;
                if (itemSchema is not null)
                {
                    Check(itemSchema, array[i], Child(pointer, i.ToString(CultureInfo.InvariantCulture)), depth + 1);
                }
            }

            if (rules["uniqueItems"] is JsonValue unique && unique.GetValueKind() is JsonValueKind.True && HasDuplicates(array))
            {
                Add(pointer, "uniqueItems", "items must be unique");
            }
        }

        private void CheckString(JsonObject rules, string text, string pointer)
        {
            var length = CountCodePoints(text);
            if (ReadLimit(rules, "minLength") is { } min && length < min)
            {
                Add(pointer, "minLength", $"must be at least {Format(min)} characters long");
            }

            if (ReadLimit(rules, "maxLength") is { } max && length > max)
            {
                Add(pointer, "maxLength", $"must be at most {Format(max)} characters long");
            }

            if (rules["pattern"] is JsonValue patternValue && patternValue.TryGetValue(out string? pattern))
            {
                switch (Matches(pattern, text))
                {
                    case false:
                        Add(pointer, "pattern", "must match the schema's pattern");
                        break;
                    case null:
                        Add(pointer, "pattern", "the schema's pattern is invalid or took too long to evaluate");
                        break;
                }
            }
        }

        private void CheckNumber(JsonObject rules, double number, string pointer)
        {
            var exclusiveMinFlag = rules["exclusiveMinimum"] is JsonValue emin && emin.GetValueKind() is JsonValueKind.True;
            var exclusiveMaxFlag = rules["exclusiveMaximum"] is JsonValue emax && emax.GetValueKind() is JsonValueKind.True;

            if (ReadLimit(rules, "minimum") is { } minimum && (exclusiveMinFlag ? number <= minimum : number < minimum))
            {
                Add(pointer, exclusiveMinFlag ? "exclusiveMinimum" : "minimum",
                    $"must be {(exclusiveMinFlag ? "greater than" : "at least")} {Format(minimum)}");
            }

            if (ReadLimit(rules, "maximum") is { } maximum && (exclusiveMaxFlag ? number >= maximum : number > maximum))
            {
                Add(pointer, exclusiveMaxFlag ? "exclusiveMaximum" : "maximum",
                    $"must be {(exclusiveMaxFlag ? "less than" : "at most")} {Format(maximum)}");
            }

            if (ReadLimit(rules, "exclusiveMinimum") is { } exclusiveMinimum && number <= exclusiveMinimum)
            {
                Add(pointer, "exclusiveMinimum", $"must be greater than {Format(exclusiveMinimum)}");
            }

            if (ReadLimit(rules, "exclusiveMaximum") is { } exclusiveMaximum && number >= exclusiveMaximum)
            {
                Add(pointer, "exclusiveMaximum", $"must be less than {Format(exclusiveMaximum)}");
            }

            if (ReadLimit(rules, "multipleOf") is { } step and > 0 && !IsMultiple(number, step))
            {
                Add(pointer, "multipleOf", $"must be a multiple of {Format(step)}");
            }
        }

        private void CheckCount(JsonObject rules, string minKeyword, string maxKeyword, int count, string noun, string pointer)
        {
            if (ReadLimit(rules, minKeyword) is { } min && count < min)
            {
                Add(pointer, minKeyword, $"must have at least {Format(min)} {noun}");
            }

            if (ReadLimit(rules, maxKeyword) is { } max && count > max)
            {
                Add(pointer, maxKeyword, $"must have at most {Format(max)} {noun}");
            }
        }

        private JsonNode? Resolve(string reference)
        {
            if (!reference.StartsWith('#'))
            {
                return null; // Only local references: a validator must not fetch remote schemas.
            }

            JsonNode? current = root;
            foreach (var token in reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = Uri.UnescapeDataString(token).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                current = current switch
                {
                    JsonObject obj when obj.TryGetPropertyValue(name, out var next) => next,
                    JsonArray array when int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count => array[index],
                    _ => null,
                };
                if (current is null)
                {
                    return null;
                }
            }

            return current;
        }

        private void Add(string pointer, string keyword, string rule) =>
            Violations.Add(new SchemaViolation(pointer, keyword, $"{(pointer.Length == 0 ? "(root)" : pointer)} {rule}"));
    }

    private static bool HasType(JsonNode? instance, string type) => type switch
    {
        "null" => instance is null || instance.GetValueKind() is JsonValueKind.Null,
        "boolean" => instance is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "object" => instance is JsonObject,
        "array" => instance is JsonArray,
        "string" => instance is JsonValue s && s.GetValueKind() is JsonValueKind.String,
        "number" => instance is JsonValue n && n.GetValueKind() is JsonValueKind.Number,
        "integer" => instance is JsonValue i && i.GetValueKind() is JsonValueKind.Number && IsInteger(ReadNumber(i)),
        _ => false,
    };

    private static bool IsInteger(double number) => double.IsFinite(number) && Math.Floor(number) == number;

    // Numbers are read from their JSON text so every backing type (parsed or created in code) behaves alike.
    private static double ReadNumber(JsonValue value) =>
        double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double? ReadLimit(JsonObject rules, string keyword) =>
        rules[keyword] is JsonValue value && value.GetValueKind() is JsonValueKind.Number ? ReadNumber(value) : null;

    private static bool IsMultiple(double number, double step)
    {
        if (Math.Abs(number) < 7.9e27 && Math.Abs(step) < 7.9e27 && step >= 1e-28)
        {
            return (decimal)number % (decimal)step == 0m;
        }

        var quotient = number / step;
        return double.IsFinite(quotient) && Math.Abs(quotient - Math.Round(quotient)) < 1e-9;
    }

    private static string Format(double number) => number.ToString("R", CultureInfo.InvariantCulture);

    private static int CountCodePoints(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    /// <summary>true/false when the pattern could be evaluated; null when it is invalid or timed out.</summary>
    private static bool? Matches(string pattern, string text)
    {
        var regex = Patterns.GetOrAdd(pattern, Compile);
        if (regex is null)
        {
            return null;
        }

        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    private static Regex? Compile(string pattern)
    {
        try
        {
            // Linear-time engine first; patterns with lookarounds or backreferences need the
            // backtracking engine, which the match timeout keeps from running away.
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, PatternTimeout);
        }
        catch (NotSupportedException)
        {
            return CompileBacktracking(pattern);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static Regex? CompileBacktracking(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, PatternTimeout);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool HasDuplicates(JsonArray array)
    {
        for (var i = 0; i < array.Count; i++)
        {
            for (var j = i + 1; j < array.Count; j++)
            {
                if (JsonEquals(array[i], array[j]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>JSON Schema equality: numbers compare by value (1 == 1.0), objects ignore key order.</summary>
    private static bool JsonEquals(JsonNode? left, JsonNode? right)
    {
        var leftKind = left?.GetValueKind() ?? JsonValueKind.Null;
        var rightKind = right?.GetValueKind() ?? JsonValueKind.Null;
        if (leftKind != rightKind)
        {
            return false;
        }

        return leftKind switch
        {
            JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False => true,
            JsonValueKind.Number => ReadNumber((JsonValue)left!) == ReadNumber((JsonValue)right!),
            JsonValueKind.String => string.Equals(left!.GetValue<string>(), right!.GetValue<string>(), StringComparison.Ordinal),
            JsonValueKind.Array => ArraysEqual((JsonArray)left!, (JsonArray)right!),
            JsonValueKind.Object => ObjectsEqual((JsonObject)left!, (JsonObject)right!),
            _ => false,
        };
    }

    private static bool ArraysEqual(JsonArray left, JsonArray right) =>
        left.Count == right.Count && left.Zip(right).All(pair => JsonEquals(pair.First, pair.Second));

    private static bool ObjectsEqual(JsonObject left, JsonObject right) =>
        left.Count == right.Count
        && left.All(pair => right.TryGetPropertyValue(pair.Key, out var other) && JsonEquals(pair.Value, other));

    private static string Child(string pointer, string token)
    {
        var escaped = new StringBuilder(pointer.Length + token.Length + 1).Append(pointer).Append('/');
        foreach (var c in token)
        {
            _ = c switch
            {
                '~' => escaped.Append("~0"),
                '/' => escaped.Append("~1"),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }
}
