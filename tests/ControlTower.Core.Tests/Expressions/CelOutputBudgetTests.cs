using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;

namespace ControlTower.Core.Tests.Expressions;

/// <summary>
/// Values an expression builds are bounded by what they would be as output, not by what they hold in memory:
/// lists share their items, so a short expression can describe gigabytes of JSON while allocating almost nothing.
/// </summary>
public sealed class CelOutputBudgetTests
{
    private static readonly string Kilobyte = new('x', 1000);

    /// <summary>
    /// About 1.1 KB of source that describes 1 KB × 8⁵ = 32 MB of output (and 8⁵ ≈ 33k strings) by nesting
    /// eight-fold copies of a list: the shape of the condition that once produced a 100 MB response.
    /// </summary>
    private static readonly string Doubling =
        $"['{Kilobyte}']" +
        ".map(a, [a, a, a, a, a, a, a, a])" +
        ".map(b, [b, b, b, b, b, b, b, b])" +
        ".map(c, [c, c, c, c, c, c, c, c])" +
        ".map(d, [d, d, d, d, d, d, d, d])" +
        ".map(e, [e, e, e, e, e, e, e, e])";

    [Fact]
    public void Evaluate_WhenNestedCopiesPassTheByteBudget_ThrowsOutputTooLargeAtTheBuildingList()
    {
        var program = Cel.Compile(Doubling);

        var ex = Assert.Throws<CelException>(() => program.Evaluate([]));

        Assert.Equal(CelErrorCodes.OutputTooLarge, ex.Code);
        // 8 KB, 64 KB and 512 KB fit in 1 MB; the fourth level (4 MB) is refused where it is built.
        Assert.Equal(Doubling.IndexOf("[d, d", StringComparison.Ordinal), ex.Position);
        Assert.Equal(1, ex.Line);
        Assert.Equal(ex.Position + 1, ex.Column);
        Assert.Equal(ex.Position, ex.Details["position"]);
        Assert.InRange(Doubling.Length, 1000, 1300);
    }

    [Fact]
    public void Evaluate_WhenConcatenationDoublesPastTheBudget_ThrowsOutputTooLarge()
    {
        var options = CelOptions.Default with { MaxOutputBytes = 20_000 };
        var program = Cel.Compile("[input.s].map(a, [a, a] + [a, a]).map(b, b + b + b + b + b + b + b + b)", options);

        var ex = Assert.Throws<CelException>(() => program.Evaluate(new JsonObject { ["input"] = new JsonObject { ["s"] = Kilobyte } }));

        Assert.Equal(CelErrorCodes.OutputTooLarge, ex.Code);
    }

    [Fact]
    public void Evaluate_WhenNestedElementsPassTheElementBudget_ThrowsOutputTooLarge()
    {
        var options = CelOptions.Default with { MaxOutputElements = 1000 };
        var items = new JsonArray([.. Enumerable.Range(0, 50).Select(i => JsonValue.Create(i))]);
        var program = Cel.Compile("input.items.map(x, input.items)", options);

        var ex = Assert.Throws<CelException>(() => program.Evaluate(new JsonObject { ["input"] = new JsonObject { ["items"] = items } }));

        Assert.Equal(CelErrorCodes.OutputTooLarge, ex.Code);
        Assert.Contains("2550 elements", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_WhenMapValuesShareALargeList_CountsEveryCopy()
    {
        var options = CelOptions.Default with { MaxOutputBytes = 10_000 };
        var program = Cel.Compile("{'a': input.l, 'b': input.l, 'c': input.l}", options);
        var list = new JsonArray([.. Enumerable.Range(0, 400).Select(i => JsonValue.Create($"item-{i}"))]);

        var ex = Assert.Throws<CelException>(() => program.Evaluate(new JsonObject { ["input"] = new JsonObject { ["l"] = list } }));

        Assert.Equal(CelErrorCodes.OutputTooLarge, ex.Code);
        Assert.Equal(0, ex.Position);
    }

    [Fact]
    public void Evaluate_WhenBuiltValueIsWithinBudget_ReturnsIt()
    {
        var program = Cel.Compile($"['{Kilobyte}'].map(a, [a, a, a, a, a, a, a, a]).map(b, [b, b, b, b, b, b, b, b])");

        var result = program.Evaluate([])!.AsArray();

        Assert.Equal(8, result[0]!.AsArray().Count);
    }

    [Fact]
    public void Render_WhenTemplateTextPassesTheBudget_ThrowsOutputTooLargeAtThatExpression()
    {
        var activation = new JsonObject { ["s"] = new string('y', 300_000) };
        const string template = "a {{ s }} b {{ s }} c {{ s }} d {{ s }} e";

        var ex = Assert.Throws<CelException>(() => CelTemplate.Render(template, activation));

        Assert.Equal(CelErrorCodes.OutputTooLarge, ex.Code);
        Assert.Equal(template.LastIndexOf("{{", StringComparison.Ordinal) + 2, ex.Position);
    }
}
