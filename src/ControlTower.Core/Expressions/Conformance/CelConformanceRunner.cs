using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Expressions;

public enum CelConformanceOutcome
{
    Passed,
    Failed,
    Excluded,
}

/// <summary>The outcome of one cel-spec conformance test; Detail says why it failed or was excluded.</summary>
public sealed record CelConformanceResult(string File, string Section, string Test, CelConformanceOutcome Outcome, string? Detail);

/// <summary>
/// Runs the cel-spec conformance tests in their JSON encoding (see shared/conformance/cel/README.md).
/// Pure: the caller reads the files. Tests this implementation cannot run are Excluded with a reason, never skipped.
/// </summary>
public static class CelConformanceRunner
{
    private static readonly string[] MessageMarkers = ["TestAllTypes", "NestedTestAllTypes", "NestedMessage", "NestedEnum", "GlobalEnum", "cel.expr.conformance."];

    private static readonly string[] UnsupportedWellKnown =
    [
        "google.protobuf.Any", "google.protobuf.Timestamp{", "google.protobuf.Duration{", "google.protobuf.Empty",
        "google.protobuf.FieldMask",
    ];

    public static IReadOnlyList<CelConformanceResult> Run(string fileName, string json)
    {
        var file = Path.GetFileNameWithoutExtension(fileName);
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new ArgumentException("empty conformance file", nameof(json));
        var results = new List<CelConformanceResult>();
        foreach (var section in root["sections"]?.AsArray() ?? [])
        {
            var sectionName = (string?)section?["name"] ?? "";
            foreach (var testNode in section?["tests"]?.AsArray() ?? [])
            {
                var test = testNode!.AsObject();
                var name = (string?)test["name"] ?? "";
                var (outcome, detail) = RunOne(test);
                results.Add(new CelConformanceResult(file, sectionName, name, outcome, detail));
            }
        }

        return results;
    }

    /// <summary>A fixed-width table of passed/failed/excluded per file, ending with <c>N passed, N failed, N excluded</c>.</summary>
    public static string FormatTable(IEnumerable<CelConformanceResult> results)
    {
        var list = results.ToList();
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"file",-18} {"passed",7} {"failed",7} {"excluded",9} {"pass rate",10}");
        foreach (var group in list.GroupBy(r => r.File).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            AppendRow(sb, group.Key, group.ToList());
        }

        AppendRow(sb, "TOTAL", list);
        var passed = list.Count(r => r.Outcome == CelConformanceOutcome.Passed);
        var failed = list.Count(r => r.Outcome == CelConformanceOutcome.Failed);
        var excluded = list.Count(r => r.Outcome == CelConformanceOutcome.Excluded);
        sb.Append(CultureInfo.InvariantCulture, $"{passed} passed, {failed} failed, {excluded} excluded");
        return sb.ToString();
    }

    /// <summary>One line per failed or excluded test with its reason.</summary>
    public static string FormatDetails(IEnumerable<CelConformanceResult> results)
    {
        var sb = new StringBuilder();
        foreach (var r in results.Where(r => r.Outcome != CelConformanceOutcome.Passed))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{r.Outcome.ToString().ToUpperInvariant(),-8} {r.File}/{r.Section}/{r.Test}: {r.Detail}");
        }

        return sb.ToString();
    }

    /// <summary>Passed / (passed + failed); 1 when nothing ran.</summary>
    public static double PassRate(IEnumerable<CelConformanceResult> results)
    {
        var list = results.ToList();
        var ran = list.Count(r => r.Outcome != CelConformanceOutcome.Excluded);
        return ran == 0 ? 1 : (double)list.Count(r => r.Outcome == CelConformanceOutcome.Passed) / ran;
    }

    private static void AppendRow(StringBuilder sb, string name, List<CelConformanceResult> rows)
    {
        var passed = rows.Count(r => r.Outcome == CelConformanceOutcome.Passed);
        var failed = rows.Count(r => r.Outcome == CelConformanceOutcome.Failed);
        var excluded = rows.Count(r => r.Outcome == CelConformanceOutcome.Excluded);
        var rate = passed + failed == 0 ? "-" : (100.0 * passed / (passed + failed)).ToString("F1", CultureInfo.InvariantCulture) + "%";
        sb.AppendLine(CultureInfo.InvariantCulture, $"{name,-18} {passed,7} {failed,7} {excluded,9} {rate,10}");
    }

    private static (CelConformanceOutcome, string?) RunOne(JsonObject test)
    {
        if (ExclusionReason(test) is { } reason)
        {
            return (CelConformanceOutcome.Excluded, reason);
        }

        var expr = (string?)test["expr"] ?? "";
        var options = CelOptions.Default with
        {
            Container = (string?)test["container"] ?? "",
            EnableMacros = !((bool?)test["disable_macros"] ?? false),
        };
        var expectsError = test.ContainsKey("eval_error");
        JsonNode? expectedNode = test["value"] ?? test["typed_result"]?["value"];

        Dictionary<string, object> bindings;
        try
        {
            bindings = ReadBindings(test["bindings"] as JsonObject);
        }
        catch (FormatException ex)
        {
            return (CelConformanceOutcome.Excluded, "binding not representable: " + ex.Message);
        }

        if ((bool?)test["disable_check"] != true)
        {
            (CelConformanceOutcome, string?)? checkedOutcome;
            try
            {
                checkedOutcome = TypeCheck(test, expr, options, expectsError);
            }
            catch (FormatException ex)
            {
                return (CelConformanceOutcome.Excluded, "declaration not representable: " + ex.Message);
            }

            if (checkedOutcome is { } decided)
            {
                return decided;
            }
        }
        else if ((bool?)test["check_only"] == true)
        {
            return (CelConformanceOutcome.Excluded, "check_only with checking disabled");
        }

        object result;
        try
        {
            var program = Cel.Compile(expr, options);
            result = program.EvaluateRaw(new DictionaryActivation(bindings), out _);
        }
        catch (CelException ex)
        {
            return expectsError
                ? (CelConformanceOutcome.Passed, null)
                : (CelConformanceOutcome.Failed, $"{ex.Code}: {ex.Message.ReplaceLineEndings(" ")}");
        }

        if (expectsError)
        {
            return result is CelError
                ? (CelConformanceOutcome.Passed, null)
                : (CelConformanceOutcome.Failed, $"expected error {test["eval_error"]?.ToJsonString()} but got {Describe(result)}");
        }

        if (result is CelError error)
        {
            return (CelConformanceOutcome.Failed, $"unexpected error: {error.Message}");
        }

        if (expectedNode is null)
        {
            return (CelConformanceOutcome.Excluded, "no expected value to compare");
        }

        object expected;
        try
        {
            expected = ReadValue(expectedNode.AsObject());
        }
        catch (FormatException ex)
        {
            return (CelConformanceOutcome.Excluded, "expected value not representable: " + ex.Message);
        }

        return StrictEquals(expected, result)
            ? (CelConformanceOutcome.Passed, null)
            : (CelConformanceOutcome.Failed, $"expected {Describe(expected)} but got {Describe(result)}");
    }

    /// <summary>
    /// The check phase, as cel-spec runs it unless disable_check: type-check with the test's declarations and compare
    /// the deduced type when one is expected. Returns the final outcome, or null to go on and evaluate.
    /// </summary>
    private static (CelConformanceOutcome, string?)? TypeCheck(JsonObject test, string expr, CelOptions options, bool expectsError)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var functions = new Dictionary<string, IReadOnlyList<CelOverload>>(StringComparer.Ordinal);
        foreach (var decl in test["type_env"]?.AsArray() ?? [])
        {
            var name = (string?)decl?["name"] ?? "";
            if (decl?["ident"]?["type"] is { } identType)
            {
                variables[name] = ReadType(identType).ToString();
            }
            else if (decl?["function"]?["overloads"] is JsonArray overloads)
            {
                functions[name] = overloads.Select(o => new CelOverload(
                    (string?)o?["overload_id"] ?? name,
                    (o?["params"]?.AsArray() ?? []).Select(p => ReadType(p!)).ToList(),
                    ReadType(o!["result_type"]!),
                    (bool?)o["is_instance_function"] ?? false)).ToList();
            }
        }

        CelProgram program;
        try
        {
            program = Cel.Compile(expr, options with { Variables = variables, Functions = functions });
        }
        catch (CelException ex)
        {
            return expectsError
                ? (CelConformanceOutcome.Passed, null)
                : (CelConformanceOutcome.Failed, $"{ex.Code}: {ex.Message.ReplaceLineEndings(" ")}");
        }

        if (test["typed_result"]?["deduced_type"] is { } deduced)
        {
            var expected = ReadType(deduced).ToString();
            if (program.ResultType != expected)
            {
                return (CelConformanceOutcome.Failed, $"deduced type {program.ResultType}, expected {expected}");
            }
        }

        return (bool?)test["check_only"] == true ? (CelConformanceOutcome.Passed, null) : null;
    }

    /// <summary>Reads a <c>cel.expr.Type</c> (protobuf JSON) as a checker type.</summary>
    private static CelCheckType ReadType(JsonNode node)
    {
        var (kind, value) = node.AsObject().Single();
        return kind switch
        {
            "primitive" => (string?)value switch
            {
                "BOOL" => CelCheckType.Bool,
                "INT64" => CelCheckType.Int,
                "UINT64" => CelCheckType.Uint,
                "DOUBLE" => CelCheckType.Double,
                "STRING" => CelCheckType.String,
                "BYTES" => CelCheckType.Bytes,
                var other => throw new FormatException($"primitive {other}"),
            },
            "wrapper" => CelCheckType.Wrapper(ReadType(new JsonObject { ["primitive"] = value!.DeepClone() })),
            "null" => CelCheckType.Null,
            "dyn" => CelCheckType.Dyn,
            "error" => CelCheckType.Dyn,
            "type_param" => CelCheckType.Param((string)value!),
            "type" => CelCheckType.TypeOf(ReadType(value!)),
            "list_type" => CelCheckType.List(ReadType(value!["elem_type"]!)),
            "map_type" => CelCheckType.Map(ReadType(value!["key_type"]!), ReadType(value["value_type"]!)),
            "abstract_type" => new CelCheckType(
                (string)value!["name"]!, (value["parameter_types"]?.AsArray() ?? []).Select(p => ReadType(p!)).ToList()),
            "well_known" => (string?)value switch
            {
                "TIMESTAMP" => CelCheckType.Timestamp,
                "DURATION" => CelCheckType.Duration,
                _ => CelCheckType.Dyn,
            },
            "message_type" => CelCheckType.Parse((string)value! switch
            {
                "google.protobuf.Int32Value" or "google.protobuf.Int64Value" => "wrapper(int)",
                "google.protobuf.UInt32Value" or "google.protobuf.UInt64Value" => "wrapper(uint)",
                "google.protobuf.DoubleValue" or "google.protobuf.FloatValue" => "wrapper(double)",
                "google.protobuf.BoolValue" => "wrapper(bool)",
                "google.protobuf.StringValue" => "wrapper(string)",
                "google.protobuf.BytesValue" => "wrapper(bytes)",
                "google.protobuf.Value" or "google.protobuf.Any" => "dyn",
                "google.protobuf.Struct" => "map(string, dyn)",
                "google.protobuf.ListValue" => "list(dyn)",
                var message => message,
            }),
            _ => throw new FormatException($"type kind '{kind}'"),
        };
    }

    private static string? ExclusionReason(JsonObject test)
    {
        var text = test.ToJsonString();
        if (MessageMarkers.Any(m => text.Contains(m, StringComparison.Ordinal)))
        {
            return "needs protobuf message types (TestAllTypes and friends)";
        }

        var expr = (string?)test["expr"] ?? "";
        if (UnsupportedWellKnown.FirstOrDefault(w => expr.Contains(w, StringComparison.Ordinal)) is { } wkt)
        {
            return $"needs protobuf well-known message {wkt.TrimEnd('{')}";
        }

        if (text.Contains("\"enum\"", StringComparison.Ordinal))
        {
            return "needs protobuf enum values";
        }

        if (test["any_eval_errors"] is not null || test["unknown"] is not null || test["any_unknowns"] is not null)
        {
            return "needs unknown-set / error-set matching";
        }

        return null;
    }

    private static Dictionary<string, object> ReadBindings(JsonObject? bindings)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in bindings ?? [])
        {
            result[name] = ReadValue(value!.AsObject());
        }

        return result;
    }

    /// <summary>Reads a <c>cel.expr.Value</c> in the README's JSON encoding.</summary>
    internal static object ReadValue(JsonObject value)
    {
        var (kind, node) = value.Single();
        switch (kind)
        {
            case "null":
                return CelNull.Value;
            case "bool":
                return (bool)node!;
            case "int":
                return long.Parse((string)node!, CultureInfo.InvariantCulture);
            case "uint":
                return ulong.Parse((string)node!, CultureInfo.InvariantCulture);
            case "double":
                return ReadDouble(node);
            case "string":
                return (string)node!;
            case "bytes":
                return new CelBytes(Convert.FromBase64String((string)node!));
            case "list":
                return new CelList(node!.AsArray().Select(v => ReadValue(v!.AsObject())).ToArray());
            case "map":
                var entries = node!.AsArray().Select(e => new KeyValuePair<object, object>(
                    ReadValue(e!["key"]!.AsObject()), ReadValue(e["value"]!.AsObject())));
                return CelMap.TryCreate(entries, out var map) ? map : throw new FormatException("repeated map key");
            case "type":
                return new CelType((string)node!);
            case "duration":
                return CelTime.TryParseDuration((string)node!, out var nanos, out _) ? new CelDuration(nanos) : throw new FormatException("duration");
            case "timestamp":
                return CelTime.TryParseTimestamp((string)node!, out var ts) ? new CelTimestamp(ts) : throw new FormatException("timestamp");
            case "object":
                return ReadObject(node!.AsObject());
            default:
                throw new FormatException($"value kind '{kind}'");
        }
    }

    private static double ReadDouble(JsonNode? node) => node!.GetValueKind() == System.Text.Json.JsonValueKind.String
        ? (string)node! switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            "-0.0" => -0.0,
            var s => double.Parse(s, CultureInfo.InvariantCulture),
        }
        : (double)node;

    /// <summary>Well-known protobuf messages become the CEL values they stand for.</summary>
    private static object ReadObject(JsonObject obj)
    {
        var typeUrl = (string?)obj["type_url"] ?? "";
        var type = typeUrl[(typeUrl.LastIndexOf('/') + 1)..];
        return ReadWellKnown(type, obj["fields"]);
    }

    private static object ReadWellKnown(string type, JsonNode? fields) => type switch
    {
        "google.protobuf.Int32Value" or "google.protobuf.Int64Value" => ReadJsonInteger(fields),
        "google.protobuf.UInt32Value" or "google.protobuf.UInt64Value" => ulong.Parse(fields!.ToString(), CultureInfo.InvariantCulture),
        "google.protobuf.DoubleValue" or "google.protobuf.FloatValue" => ReadDouble(fields),
        "google.protobuf.BoolValue" => (bool)fields!,
        "google.protobuf.StringValue" => (string)fields!,
        "google.protobuf.BytesValue" => new CelBytes(Convert.FromBase64String((string)fields!)),
        "google.protobuf.Value" or "google.protobuf.Struct" or "google.protobuf.ListValue" => FromProtoJson(fields),
        "google.protobuf.Duration" => CelTime.TryParseDuration((string)fields!, out var n, out _) ? new CelDuration(n) : throw new FormatException("duration"),
        "google.protobuf.Timestamp" => CelTime.TryParseTimestamp((string)fields!, out var t) ? new CelTimestamp(t) : throw new FormatException("timestamp"),
        "google.protobuf.Any" when fields is JsonObject any && (string?)any["@type"] is { } inner =>
            ReadWellKnown(inner[(inner.LastIndexOf('/') + 1)..], any["value"]),
        _ => throw new FormatException($"message type '{type}'"),
    };

    private static long ReadJsonInteger(JsonNode? node) => long.Parse(node!.ToString(), CultureInfo.InvariantCulture);

    /// <summary>google.protobuf.Value JSON: numbers are always double.</summary>
    private static object FromProtoJson(JsonNode? node) => node switch
    {
        null => CelNull.Value,
        JsonArray array => new CelList(array.Select(FromProtoJson).ToArray()),
        JsonObject obj => CelMap.TryCreate(obj.Select(p => new KeyValuePair<object, object>(p.Key, FromProtoJson(p.Value))), out var m) ? m : CelMap.Empty,
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => (double)v,
        _ => CelJson.FromJson(node),
    };

    /// <summary>Test equality: same CEL type (1 and 1u differ), NaN equals NaN, maps in any order.</summary>
    private static bool StrictEquals(object expected, object actual)
    {
        switch (expected, actual)
        {
            case (double x, double y):
                return x.Equals(y);
            case (CelList x, CelList y):
                return x.Count == y.Count && x.Items.Zip(y.Items).All(p => StrictEquals(p.First, p.Second));
            case (CelMap x, CelMap y):
                return x.Count == y.Count && x.Entries.All(e =>
                    y.Entries.Any(a => StrictEquals(e.Key, a.Key) && StrictEquals(e.Value, a.Value)));
            default:
                return expected.GetType() == actual.GetType() && CelEquality.AreEqual(expected, actual);
        }
    }

    private static string Describe(object value) => value switch
    {
        CelError e => "error: " + e.Message,
        _ => $"{CelFunctions.TypeOf(value).Name} {CelJson.ToJson(value)?.ToJsonString() ?? "null"}",
    };
}
