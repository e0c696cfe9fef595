using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;

namespace ControlTower.Core.Tests.Expressions;

public sealed class CelJsonTests
{
    private static JsonNode? Eval(string source, string activation = "{}") =>
        Cel.Compile(source).Evaluate(JsonNode.Parse(activation)!.AsObject());

    [Theory]
    [InlineData("""{"x": 5}""", "type(x) == int")]
    [InlineData("""{"x": 5.0}""", "type(x) == double")]
    [InlineData("""{"x": 1e2}""", "type(x) == double")]
    [InlineData("""{"x": 9223372036854775807}""", "x == 9223372036854775807")]
    [InlineData("""{"x": "2024-01-01T00:00:00Z"}""", "type(x) == string && timestamp(x).getFullYear() == 2024")]
    [InlineData("""{"x": null}""", "x == null")]
    [InlineData("""{"x": {"a": [1, {"b": true}]}}""", "x.a[1].b && size(x.a) == 2 && type(x) == map")]
    [InlineData("""{"x": 100}""", "x > 99.5 && x < 100u + 1u")]
    public void Evaluate_WhenJsonInput_MapsToDocumentedCelTypes(string activation, string condition)
    {
        Assert.True(Cel.Compile(condition).EvaluateBool(JsonNode.Parse(activation)!.AsObject()));
    }

    [Theory]
    [InlineData("9007199254740992", "9007199254740992")]
    [InlineData("-9007199254740993", "\"-9007199254740993\"")]
    [InlineData("18446744073709551615u", "\"18446744073709551615\"")]
    [InlineData("b'hello'", "\"aGVsbG8=\"")]
    [InlineData("timestamp('2024-05-06T07:08:09.123456Z')", "\"2024-05-06T07:08:09.123456Z\"")]
    [InlineData("duration('-1.5s')", "\"-1.5s\"")]
    [InlineData("duration('90m')", "\"5400s\"")]
    [InlineData("1.0/0.0", "\"Infinity\"")]
    [InlineData("{1: 'a', true: 'b', 2u: 'c'}", "{\"1\":\"a\",\"true\":\"b\",\"2\":\"c\"}")]
    [InlineData("[null, 1.5, 'x']", "[null,1.5,\"x\"]")]
    [InlineData("optional.none()", "null")]
    [InlineData("type('s')", "\"string\"")]
    public void Evaluate_WhenCelValue_ReturnsLosslessJson(string source, string json)
    {
        Assert.Equal(json, Eval(source)?.ToJsonString() ?? "null");
    }

    [Fact]
    public void Evaluate_WhenIntegralJsonMixedWithDoubleArithmetic_ErrorExplainsConversion()
    {
        var ex = Assert.Throws<CelException>(() => Eval("input.amount * 1.2", """{"input": {"amount": 250}}"""));

        Assert.Contains("double(...)", ex.Message, StringComparison.Ordinal);
        Assert.Equal("300", Eval("int(double(input.amount) * 1.2)", """{"input": {"amount": 250}}""")!.ToJsonString());
    }

    [Fact]
    public void Evaluate_WhenInputReturnedUnchanged_RoundTripsJson()
    {
        const string Input = """{"a":[1,2.5,"x",null,true,{"b":{}}],"c":{"d":[]}}""";

        Assert.Equal(Input, Eval("input", $$"""{"input": {{Input}}}""")!.ToJsonString());
    }

    [Fact]
    public void Evaluate_WhenOnlyOneFieldOfLargeInputRead_DoesNotTouchTheRest()
    {
        var big = new JsonArray(Enumerable.Range(0, 50_000).Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());
        var activation = new JsonObject { ["input"] = new JsonObject { ["flag"] = true, ["items"] = big } };
        var program = Cel.Compile("input.flag", CelOptions.Default with { CostBudget = 100 });

        Assert.True(program.EvaluateBool(activation));
    }

    [Theory]
    [InlineData("'a-1'.matches('^(?P<letter>[a-z])-\\\\d$')", true)]
    [InlineData("'ab'.matches('[$]')", false)]
    [InlineData("'a$'.matches('[$]')", true)]
    [InlineData("'ABC'.matches('(?i)abc')", true)]
    public void Evaluate_WhenRe2Syntax_TranslatesForDotNet(string source, bool expected)
    {
        Assert.Equal(expected, Cel.Compile(source).EvaluateBool([]));
    }
}
