using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;

namespace ControlTower.Core.Tests.Expressions;

public sealed class CelEvaluationTests
{
    private static JsonObject Input(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void EvaluateBool_WhenEdgeCondition_UsesJsonInput()
    {
        var program = Cel.Compile("input.amount > 100 && input.tags.exists(t, t == 'urgent')");

        Assert.True(program.EvaluateBool(Input("""{"input": {"amount": 150.5, "tags": ["x", "urgent"]}}""")));
        Assert.False(program.EvaluateBool(Input("""{"input": {"amount": 150, "tags": ["x"]}}""")));
        Assert.False(program.EvaluateBool(Input("""{"input": {"amount": 99, "tags": ["urgent"]}}""")));
    }

    [Fact]
    public void EvaluateBool_WhenResultNotBool_ThrowsTypeError()
    {
        var ex = Assert.Throws<CelException>(() => Cel.Compile("1 + 1").EvaluateBool([]));

        Assert.Equal(CelErrorCodes.TypeError, ex.Code);
    }

    [Fact]
    public void Evaluate_WhenError_NamesFailingSubExpressionAndPosition()
    {
        var program = Cel.Compile("input.a +\n  (10 / input.zero)");

        var ex = Assert.Throws<CelException>(() => program.Evaluate(Input("""{"input": {"a": 1, "zero": 0}}""")));

        Assert.Equal(CelErrorCodes.EvalError, ex.Code);
        Assert.Contains("divide by zero", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(10 / input.zero)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.Line);
        Assert.Equal("(10 / input.zero)", ex.Details["expression"]);
    }

    [Theory]
    [InlineData("9223372036854775807 + 1")]
    [InlineData("-9223372036854775808 - 1")]
    [InlineData("0u - 1u")]
    [InlineData("{'a': 1}.b")]
    [InlineData("[1, 2][5]")]
    [InlineData("missing_variable")]
    [InlineData("'abc'.matches('(')")]
    [InlineData("int('x')")]
    [InlineData("timestamp('2020-13-01T00:00:00Z')")]
    public void Evaluate_WhenRuntimeFailure_ThrowsEvalError(string source)
    {
        var ex = Assert.Throws<CelException>(() => Cel.Compile(source).Evaluate([]));

        Assert.Equal(CelErrorCodes.EvalError, ex.Code);
    }

    [Theory]
    [InlineData("1/0 == 1 || true", true)]
    [InlineData("true || 1/0 == 1", true)]
    [InlineData("1/0 == 1 && false", false)]
    [InlineData("[1, 0].exists(x, 1 / x == 1)", true)]
    [InlineData("[0, 1].all(x, 1 / x > 5)", false)]
    [InlineData("1 == 1.0 && 1u == 1 && 2.5 > 2", true)]
    [InlineData("'b' in {'a': 1, 'b': 2}", true)]
    [InlineData("'abc'.startsWith('ab') && 'abc'.endsWith('bc') && 'abc'.contains('b')", true)]
    [InlineData("'line\\nend'.matches('end$')", true)]
    [InlineData("'abc\\n'.matches('abc$')", false)]
    public void EvaluateBool_WhenLogicOrStandardFunctions_FollowsSpec(string source, bool expected)
    {
        Assert.Equal(expected, Cel.Compile(source).EvaluateBool([]));
    }

    [Theory]
    [InlineData("timestamp('2009-02-13T23:31:30Z').getHours('America/New_York')", "18")]
    [InlineData("timestamp('2009-02-13T23:31:30Z').getDayOfWeek('+05:30')", "6")]
    [InlineData("duration('1h30m').getMinutes()", "90")]
    [InlineData("string(timestamp('2024-01-02T03:04:05.5+01:00'))", "\"2024-01-02T02:04:05.500Z\"")]
    [InlineData("timestamp('2024-01-01T00:00:00Z') - timestamp('2023-12-31T23:59:58.5Z')", "\"1.5s\"")]
    [InlineData("type(1u) == uint", "true")]
    [InlineData("size('héllo😀')", "6")]
    [InlineData("[1, 2, 3].map(x, x * 2)", "[2,4,6]")]
    [InlineData("{'b': 2, 'a': 1}", "{\"b\":2,\"a\":1}")]
    [InlineData("double('NaN')", "\"NaN\"")]
    [InlineData("9007199254740993", "\"9007199254740993\"")]
    [InlineData("optional.of(1).orValue(2)", "1")]
    public void Evaluate_WhenValue_MapsToDocumentedJson(string source, string json)
    {
        Assert.Equal(json, Cel.Compile(source).Evaluate([])!.ToJsonString());
    }

    [Fact]
    public void Evaluate_WhenCostBudgetExceeded_ThrowsCostExceeded()
    {
        var options = CelOptions.Default with { CostBudget = 5_000 };
        var program = Cel.Compile("[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, [1,2,3,4,5,6,7,8,9,10].map(c, a * b * c)))", options);

        var ex = Assert.Throws<CelException>(() => program.Evaluate([]));

        Assert.Equal(CelErrorCodes.CostExceeded, ex.Code);
    }

    [Fact]
    public void Evaluate_WhenCostExceededInsideOr_IsNotAbsorbed()
    {
        var options = CelOptions.Default with { CostBudget = 500 };
        var program = Cel.Compile("[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, a * b)).size() > 0 || true", options);

        Assert.Equal(CelErrorCodes.CostExceeded, Assert.Throws<CelException>(() => program.Evaluate([])).Code);
    }

    [Theory]
    [InlineData("input.items.all(x, x in input.items)")]
    [InlineData("input.items.exists(x, input.items == input.other)")]
    [InlineData("input.items.all(x, !input.text.contains('needle'))")]
    public void Evaluate_WhenLinearWorkInsideComprehension_ChargesBySize(string source)
    {
        var items = new JsonArray(Enumerable.Range(0, 3000).Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());
        var other = items.DeepClone();
        other.AsArray()[2999] = -1;
        var activation = new JsonObject
        {
            ["input"] = new JsonObject { ["items"] = items, ["other"] = other, ["text"] = new string('x', 200_000) },
        };

        var ex = Assert.Throws<CelException>(() => Cel.Compile(source).Evaluate(activation));

        Assert.Equal(CelErrorCodes.CostExceeded, ex.Code);
    }

    [Fact]
    public void Evaluate_WhenStringGrowsBeyondLimit_ThrowsLimitExceeded()
    {
        var options = CelOptions.Default with { MaxStringLength = 100 };
        var program = Cel.Compile("input.s + input.s + input.s", options);

        var ex = Assert.Throws<CelException>(() => program.Evaluate(Input("""{"input": {"s": "0123456789012345678901234567890123456789"}}""")));

        Assert.Equal(CelErrorCodes.LimitExceeded, ex.Code);
    }

    [Fact]
    public void Evaluate_WhenListGrowsBeyondLimit_ThrowsLimitExceeded()
    {
        var options = CelOptions.Default with { MaxCollectionSize = 50 };
        var program = Cel.Compile("input.items.map(x, x) + input.items", options);

        var ex = Assert.Throws<CelException>(() => program.Evaluate(Input("""{"input": {"items": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30]}}""")));

        Assert.Equal(CelErrorCodes.LimitExceeded, ex.Code);
    }

    [Fact]
    public void Evaluate_WhenCalledConcurrently_GivesSameResults()
    {
        var program = Cel.Compile("input.items.filter(x, x % 2 == 0).map(x, x * input.k)");
        var results = new string[64];

        Parallel.For(0, results.Length, k =>
            results[k] = program.Evaluate(Input($$$"""{"input": {"k": {{{k}}}, "items": [1,2,3,4]}}"""))!.ToJsonString());

        Assert.Equal(Enumerable.Range(0, 64).Select(k => $"[{2 * k},{4 * k}]"), results);
    }
}
