using System.Globalization;
using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace ControlTower.Core.Tests.Expressions;

/// <summary>Random expressions over random JSON activations: typed errors only, bounded cost, determinism, printer round trip.</summary>
public sealed class CelPropertyTests
{
    private const int Runs = 500;

    private static readonly CelOptions Tight = CelOptions.Default with { CostBudget = 2_000, MaxCollectionSize = 200, MaxStringLength = 2_000 };

    private static readonly string[] Atoms =
    [
        "0", "1", "-7", "42u", "0u", "9223372036854775807", "-9223372036854775808", "1.5", "-0.0", "1e300", "'a'", "\"xyz\"",
        "r'\\d+'", "b'\\xff'", "''", "true", "false", "null", "input.a", "input.b", "input.s", "input.l", "input.m",
        "input.missing", "input", "x", "y", "[]", "{}", "duration('1s')", "timestamp('2024-01-01T00:00:00Z')", "int", "string",
    ];

    private static readonly string[] BinaryOps = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "in"];

    private static readonly string[] Functions = ["size", "string", "int", "uint", "double", "type", "dyn", "bytes", "bool", "timestamp", "duration"];

    private static readonly string[] Methods = ["size()", "contains('a')", "startsWith('x')", "endsWith('')", "matches('a+')", "getHours()", "lowerAscii()", "split(',')"];

    private readonly ITestOutputHelper _output;

    public CelPropertyTests(ITestOutputHelper output) => _output = output;

    private static Gen<string> Expr(int size)
    {
        if (size <= 1)
        {
            return Gen.Elements(Atoms);
        }

        var half = size / 2;
        var sub = Gen.Sized(_ => Expr(half));
        return Gen.Frequency(
            (3, Gen.Elements(Atoms)),
            (4, from a in sub from op in Gen.Elements(BinaryOps) from b in sub select $"({a} {op} {b})"),
            (1, from a in sub select $"!{a}"),
            (1, from a in sub select $"-{a}"),
            (2, from c in sub from a in sub from b in sub select $"({c} ? {a} : {b})"),
            (2, from items in Gen.ListOf(sub, 3) select $"[{string.Join(", ", items)}]"),
            (1, from k in sub from v in sub select $"{{{k}: {v}}}"),
            (2, from f in Gen.Elements(Functions) from a in sub select $"{f}({a})"),
            (2, from a in sub from m in Gen.Elements(Methods) select $"({a}).{m}"),
            (2, from a in sub from i in sub select $"({a})[{i}]"),
            (1, from a in sub select $"({a}).a"),
            (1, from a in sub select $"has(({a}).a)"),
            (2, from r in sub
                from macro in Gen.Elements("map", "filter", "exists", "all", "exists_one")
                from body in sub
                select $"({r}).{macro}(x, {body})"),
            (1, from r in sub from body in sub select $"({r}).map(x, ({r}).map(y, {body}))"));
    }

    private static Gen<JsonNode?> JsonValueGen(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.Choose(-1000, 1000).Select(i => (JsonNode?)JsonValue.Create(i)),
            Gen.Choose(-1000, 1000).Select(i => (JsonNode?)JsonValue.Create(i / 7.0)),
            Gen.Elements("", "a", "abc", "héllo", "1,2").Select(s => (JsonNode?)JsonValue.Create(s)),
            Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b)),
            Gen.Constant<JsonNode?>(null),
            Gen.Constant<JsonNode?>(JsonValue.Create(long.MaxValue)));
        if (depth <= 0)
        {
            return scalar;
        }

        var child = JsonValueGen(depth - 1);
        return Gen.Frequency(
            (4, scalar),
            (1, Gen.ListOf(child, 4).Select(items => (JsonNode?)new JsonArray(items.Select(i => i?.DeepClone()).ToArray()))),
            (1, Gen.ListOf(child, 3).Select(items => (JsonNode?)new JsonObject(items.Select((v, i) =>
                KeyValuePair.Create(((char)('a' + i)).ToString(), v?.DeepClone()))))));
    }

    private static Gen<JsonObject> Activation() =>
        from a in JsonValueGen(0)
        from b in JsonValueGen(0)
        from s in JsonValueGen(0)
        from l in JsonValueGen(2)
        from m in JsonValueGen(2)
        select new JsonObject
        {
            ["input"] = new JsonObject { ["a"] = a?.DeepClone(), ["b"] = b?.DeepClone(), ["s"] = s?.DeepClone(), ["l"] = l?.DeepClone(), ["m"] = m?.DeepClone() },
        };

    private static string Outcome(CelProgram program, JsonObject activation)
    {
        try
        {
            return "value:" + (program.Evaluate(activation)?.ToJsonString() ?? "null");
        }
        catch (CelException ex)
        {
            return $"error:{ex.Code}:{ex.Message}";
        }
    }

    [Fact]
    public void Evaluate_WhenRandomExpressionAndActivation_ThrowsOnlyCelExceptionAndIsDeterministic()
    {
        var cases = 0;
        var compiled = 0;
        var values = 0;
        var arb = Gen.Zip(Gen.Sized(Expr).Resize(30), Activation()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Runs), Prop.ForAll(arb, pair =>
        {
            cases++;
            var (source, activation) = pair;
            CelProgram program;
            try
            {
                program = Cel.Compile(source, Tight);
            }
            catch (CelException)
            {
                return true;
            }

            compiled++;
            var first = Outcome(program, activation);
            values += first.StartsWith("value:", StringComparison.Ordinal) ? 1 : 0;
            var second = Outcome(program, activation.DeepClone().AsObject());
            return first == second;
        }));
        _output.WriteLine($"{cases} random expression/activation cases ({compiled} compiled, {values} gave values): only CelException, deterministic");
        Assert.Equal(Runs, cases);
    }

    [Fact]
    public void Evaluate_WhenRandomExpression_NeverExceedsCostBudget()
    {
        var cases = 0;
        var arb = Gen.Zip(Gen.Sized(Expr).Resize(40), Activation()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Runs), Prop.ForAll(arb, pair =>
        {
            cases++;
            try
            {
                var program = Cel.Compile(pair.Item1, Tight);
                program.EvaluateRaw(new JsonActivation(pair.Item2), out var cost);
                return cost <= Tight.CostBudget;
            }
            catch (CelException ex)
            {
                return ex.Code is CelErrorCodes.CostExceeded or CelErrorCodes.LimitExceeded or CelErrorCodes.ParseError;
            }
        }));
        _output.WriteLine($"{cases} random cases: cost within budget {Tight.CostBudget} or typed limit error");
        Assert.Equal(Runs, cases);
    }

    [Fact]
    public void Print_WhenRandomExpression_ParsesBackToSameTree()
    {
        var cases = 0;
        var arb = Gen.Sized(Expr).Resize(40).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Runs), Prop.ForAll(arb, source =>
        {
            cases++;
            CelExpr tree;
            try
            {
                tree = CelParser.Parse(source);
            }
            catch (CelException)
            {
                return true;
            }

            var printed = CelPrinter.Print(tree);
            return CelPrinter.Dump(CelParser.Parse(printed)) == CelPrinter.Dump(tree);
        }));
        _output.WriteLine($"{cases} random expressions: print(parse(e)) parses to the same tree");
        Assert.Equal(Runs, cases);
    }

    [Fact]
    public void Check_WhenRandomExpressionWithDeclarations_NeverThrows()
    {
        var cases = 0;
        var typed = 0;
        var options = CelOptions.Default with
        {
            Variables = new Dictionary<string, string> { ["input"] = "map(string, dyn)", ["x"] = "int", ["y"] = "list(string)" },
        };
        var arb = Gen.Sized(Expr).Resize(40).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Runs), Prop.ForAll(arb, source =>
        {
            cases++;
            var diagnostics = Cel.Check(source, options);
            typed += diagnostics.Count == 0 ? 1 : 0;
            return diagnostics.All(d => d.Code is CelErrorCodes.CheckError or CelErrorCodes.ParseError or CelErrorCodes.LimitExceeded);
        }));
        _output.WriteLine($"{cases} random expressions checked ({typed} type-correct): diagnostics only, no exception");
        Assert.Equal(Runs, cases);
    }

    [Fact]
    public void Evaluate_WhenExpressionTypeChecks_ResultHasTheDeducedType()
    {
        var cases = 0;
        var compared = 0;
        var options = Tight with
        {
            Variables = new Dictionary<string, string> { ["input"] = "map(string, dyn)", ["x"] = "int", ["y"] = "list(string)" },
        };
        var arb = Gen.Zip(Gen.Sized(Expr).Resize(30), Activation()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Runs), Prop.ForAll(arb, pair =>
        {
            cases++;
            var activation = pair.Item2;
            activation["x"] = 7;
            activation["y"] = new JsonArray("a", "b,c");
            CelProgram program;
            object value;
            try
            {
                program = Cel.Compile(pair.Item1, options);
                value = program.EvaluateRaw(new JsonActivation(activation), out _);
            }
            catch (CelException)
            {
                return true;
            }

            if (value is CelError)
            {
                return true;
            }

            compared++;
            var deduced = CelCheckType.Parse(program.ResultType!);
            return Fits(deduced, value);
        }));
        _output.WriteLine($"{cases} random cases, {compared} type-checked and evaluated to a value of the deduced type");
        Assert.Equal(Runs, cases);
    }

    private static bool Fits(CelCheckType type, object value) => type.Name switch
    {
        "dyn" => true,
        "wrapper" => value is CelNull || Fits(type.Params[0], value),
        "list" => value is CelList list && list.Items.All(item => Fits(type.Params[0], item)),
        "map" => value is CelMap map && map.Entries.All(e => Fits(type.Params[0], e.Key) && Fits(type.Params[1], e.Value)),
        "optional_type" => value is CelOptional o && (!o.HasValue || Fits(type.Params[0], o.Value!)),
        "type" => value is CelType,
        _ => CelFunctions.TypeOf(value).Name == type.Name,
    };

    [Fact]
    public void Compile_WhenRandomText_ThrowsOnlyCelException()
    {
        var cases = 0;
        var chars = "ab1._'\"\\`()[]{}?:!-+*/%<>=&|,u xrb\n".ToCharArray();
        var arb = Gen.ListOf(Gen.Elements(chars), 24).Select(cs => new string(cs.ToArray())).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Runs * 2), Prop.ForAll(arb, text =>
        {
            cases++;
            try
            {
                Cel.Compile(text).Evaluate([]);
            }
            catch (CelException)
            {
            }

            return true;
        }));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cases} random texts: only CelException"));
        Assert.Equal(Runs * 2, cases);
    }
}
