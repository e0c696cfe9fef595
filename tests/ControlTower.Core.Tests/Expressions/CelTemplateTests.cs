using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;

namespace ControlTower.Core.Tests.Expressions;

public sealed class CelTemplateTests
{
    private static readonly JsonObject Activation = JsonNode.Parse("""
        {
          "input": {"name": "Ada", "count": 3},
          "nodes": {"fetch": {"output": {"items": [1, "two", {"three": 3}]}}}
        }
        """)!.AsObject();

    [Fact]
    public void Render_WhenInterpolation_ReturnsString()
    {
        var result = CelTemplate.Render("Hello {{ input.name }}, you have {{ input.count + 1 }} items", Activation);

        Assert.Equal("Hello Ada, you have 4 items", result!.GetValue<string>());
    }

    [Fact]
    public void Render_WhenWholeValue_KeepsType()
    {
        var result = CelTemplate.Render("{{ nodes.fetch.output.items }}", Activation);

        Assert.Equal("""[1,"two",{"three":3}]""", result!.ToJsonString());
    }

    [Fact]
    public void Render_WhenPlaceholderHoldsMapLiteralAndBraces_FindsTheRightClose()
    {
        var result = CelTemplate.Render("v={{ {'a': {'b': '}}'}}.a.b }}", Activation);

        Assert.Equal("v=}}", result!.GetValue<string>());
    }

    [Fact]
    public void Render_WhenEscapedBraces_WritesThemLiterally()
    {
        Assert.Equal("{{ not code }}", CelTemplate.Render("\\{{ not code }}", Activation)!.GetValue<string>());
    }

    [Fact]
    public void RenderTree_WhenConfig_RendersEveryStringAndCopiesTheRest()
    {
        var config = JsonNode.Parse("""{"to": "{{ input.name }}", "n": 5, "list": ["{{ input.count }}", true], "plain": "x"}""");

        var result = CelTemplate.RenderTree(config, Activation);

        Assert.Equal("""{"to":"Ada","n":5,"list":[3,true],"plain":"x"}""", result!.ToJsonString());
    }

    [Fact]
    public void Render_WhenEvaluationFails_ThrowsWithTemplatePosition()
    {
        var ex = Assert.Throws<CelException>(() => CelTemplate.Render("ab {{ input.missing }}", Activation));

        Assert.Equal(CelErrorCodes.EvalError, ex.Code);
        Assert.True(ex.Position >= 5);
    }

    [Fact]
    public void Check_WhenPlaceholderInvalid_ReportsPositionInTemplate()
    {
        var diagnostics = CelTemplate.Check("line one\nHi {{ input. }} and {{ 1 + }}");

        Assert.Equal(2, diagnostics.Count);
        Assert.All(diagnostics, d => Assert.Equal(2, d.Line));
    }

    [Fact]
    public void Check_WhenUnterminated_ReportsDiagnostic()
    {
        Assert.Single(CelTemplate.Check("Hi {{ input.name"));
    }

    [Fact]
    public void Check_WhenVariablesDeclared_ReportsUndeclaredNames()
    {
        var options = CelOptions.Default with { Variables = new Dictionary<string, string> { ["input"] = "map(string, dyn)" } };

        var diagnostic = Assert.Single(CelTemplate.Check("ok {{ input.name }} bad {{ nodes.x }}", options));

        Assert.Equal(CelErrorCodes.CheckError, diagnostic.Code);
        Assert.Equal(28, diagnostic.Column);
    }
}
