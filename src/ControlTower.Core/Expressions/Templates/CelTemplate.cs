using System.Text;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Expressions;

/// <summary>
/// CEL inside config strings. A string that is exactly one template expression, <c>"{{ nodes.fetch.output.items }}"</c>,
/// renders to the value itself with its JSON type kept. Otherwise each <c>{{ expr }}</c> is replaced by its value:
/// strings as they are, every other value as its JSON text (null as <c>null</c>). <c>\{{</c> writes a literal
/// <c>{{</c>. Template expressions are compiled once through a shared bounded cache.
/// </summary>
public static class CelTemplate
{
    private static readonly CelCompileCache Cache = new(capacity: 4096);

    private sealed record Part(string? Text, string? Source, int Offset);

    public static JsonNode? Render(string template, JsonObject activation)
    {
        ArgumentNullException.ThrowIfNull(template);
        var parts = Split(template);
        if (parts.Count == 1 && parts[0].Source is not null)
        {
            return Evaluate(template, parts[0], activation);
        }

        if (parts.All(p => p.Source is null))
        {
            return JsonValue.Create(string.Concat(parts.Select(p => p.Text)));
        }

        var sb = new StringBuilder();
        foreach (var part in parts)
        {
            if (part.Source is null)
            {
                sb.Append(part.Text);
                continue;
            }

            var value = Evaluate(template, part, activation);
            sb.Append(value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "null");
            if (sb.Length > Cache.Options.MaxOutputBytes)
            {
                var (line, column) = CelParser.LineColumn(template, part.Offset);
                throw new CelException(CelErrorCodes.OutputTooLarge,
                    $"the rendered template passes {Cache.Options.MaxOutputBytes} characters at template expression {{{{{part.Source}}}}} ({line}:{column})",
                    part.Offset, line, column, part.Source);
            }
        }

        return JsonValue.Create(sb.ToString());
    }

    /// <summary>Renders every string inside a JSON tree (object values and array items); other values are copied.</summary>
    public static JsonNode? RenderTree(JsonNode? config, JsonObject activation) => config switch
    {
        null => null,
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, RenderTree(p.Value, activation)))),
        JsonArray array => new JsonArray(array.Select(item => RenderTree(item, activation)).ToArray()),
        JsonValue value when value.TryGetValue<string>(out var s) => Render(s, activation),
        _ => config.DeepClone(),
    };

    /// <summary>Problems of every template expression (syntax, limits), positions relative to the template; never throws.</summary>
    public static IReadOnlyList<CelDiagnostic> Check(string template) => Check(template, CelOptions.Default);

    /// <summary>As <see cref="Check(string)"/>; with <see cref="CelOptions.Variables"/> declared, template expressions are also type-checked.</summary>
    public static IReadOnlyList<CelDiagnostic> Check(string template, CelOptions options)
    {
        ArgumentNullException.ThrowIfNull(template);
        try
        {
            var diagnostics = new List<CelDiagnostic>();
            foreach (var part in Split(template).Where(p => p.Source is not null))
            {
                diagnostics.AddRange(Cel.Check(part.Source!, options).Select(d => Relocate(template, part, d)));
            }

            return diagnostics;
        }
        catch (CelException ex)
        {
            return [ex.ToDiagnostic()];
        }
    }

    private static JsonNode? Evaluate(string template, Part part, JsonObject activation)
    {
        try
        {
            return Cache.GetOrCompile(part.Source!).Evaluate(activation);
        }
        catch (CelException ex)
        {
            throw Relocate(template, part, ex);
        }
    }

    private static CelDiagnostic Relocate(string template, Part part, CelDiagnostic diagnostic)
    {
        var position = part.Offset + Math.Max(0, diagnostic.Position);
        var (line, column) = CelParser.LineColumn(template, position);
        return diagnostic with { Message = $"in template expression {{{{{part.Source}}}}}: {diagnostic.Message}", Position = position, Line = line, Column = column };
    }

    /// <summary>Moves an error's position from the template expression source to the template text.</summary>
    private static CelException Relocate(string template, Part part, CelException ex)
    {
        var position = part.Offset + Math.Max(0, ex.Position);
        var (line, column) = CelParser.LineColumn(template, position);
        return new CelException(ex.Code, $"in template expression {{{{{part.Source}}}}}: {ex.Message}", position, line, column, part.Source);
    }

    /// <summary>Splits into literal text and template expression sources; the closing <c>}}</c> is found outside string literals and braces.</summary>
    private static List<Part> Split(string template)
    {
        var parts = new List<Part>();
        var text = new StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            if (template[i] == '\\' && i + 2 < template.Length && template[i + 1] == '{' && template[i + 2] == '{')
            {
                text.Append("{{");
                i += 3;
                continue;
            }

            if (template[i] == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                var start = i + 2;
                var end = FindClose(template, start);
                if (text.Length > 0)
                {
                    parts.Add(new Part(text.ToString(), null, 0));
                    text.Clear();
                }

                parts.Add(new Part(null, template[start..end], start));
                i = end + 2;
                continue;
            }

            text.Append(template[i++]);
        }

        if (text.Length > 0 || parts.Count == 0)
        {
            parts.Add(new Part(text.ToString(), null, 0));
        }

        return parts;
    }

    private static int FindClose(string template, int start)
    {
        var depth = 0;
        var i = start;
        while (i < template.Length)
        {
            var c = template[i];
            if (c is '"' or '\'')
            {
                i = SkipString(template, i);
                continue;
            }

            if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                if (depth == 0 && i + 1 < template.Length && template[i + 1] == '}')
                {
                    return i;
                }

                depth = Math.Max(0, depth - 1);
            }

            i++;
        }

        throw CelParser.Error(template, start - 2, "unterminated template expression: missing '}}'");
    }

    private static int SkipString(string s, int i)
    {
        var quote = s[i];
        var triple = i + 2 < s.Length && s[i + 1] == quote && s[i + 2] == quote;
        i += triple ? 3 : 1;
        while (i < s.Length)
        {
            if (s[i] == '\\')
            {
                i += 2;
                continue;
            }

            if (s[i] == quote && (!triple || (i + 2 < s.Length && s[i + 1] == quote && s[i + 2] == quote)))
            {
                return i + (triple ? 3 : 1);
            }

            i++;
        }

        return i;
    }
}
