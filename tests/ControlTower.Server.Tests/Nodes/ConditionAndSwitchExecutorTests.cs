using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;
using ControlTower.Core.Graphs;
using ControlTower.Server.Nodes;
using static ControlTower.Server.Tests.Nodes.NodeContexts;

namespace ControlTower.Server.Tests.Nodes;

public sealed class ConditionAndSwitchExecutorTests
{
    private const string SwitchConfig = """
        { "cases": [
            { "name": "big", "when": "input.amount > 1000" },
            { "name": "medium", "when": "input.amount > 100" },
            { "name": "also_big", "when": "input.amount > 1000" } ] }
        """;

    [Theory]
    [InlineData(5, "true")]
    [InlineData(-5, "false")]
    public async Task Condition_WhenBool_TakesOutcomeTrueOrFalse(int amount, string outcome)
    {
        var context = For("condition", """{ "expression": "input.amount > 0" }""", Activation(new JsonObject { ["amount"] = amount }));

        var result = As<NodeResult.Completed>(await new ConditionExecutor(NodeCel).ExecuteAsync(context, CancellationToken.None));

        Assert.Equal(outcome, result.Outcome);
        AssertJson($$"""{ "result": {{outcome}} }""", result.Output);
    }

    [Fact]
    public async Task Condition_WhenNotBool_FailsTypeError()
    {
        var context = For("condition", """{ "expression": "input.amount" }""", Activation(Json("""{ "amount": 1 }""")));

        var failed = As<NodeResult.Failed>(await new ConditionExecutor(NodeCel).ExecuteAsync(context, CancellationToken.None));

        Assert.Equal((CelErrorCodes.TypeError, false), (failed.Code, failed.Retryable));
    }

    [Fact]
    public async Task Condition_WhenExpressionMissing_FailsConfigInvalid()
    {
        var failed = As<NodeResult.Failed>(await new ConditionExecutor(NodeCel).ExecuteAsync(For("condition", "{}"), CancellationToken.None));

        Assert.Equal(NodeErrorCodes.ConfigInvalid, failed.Code);
    }

    [Theory]
    [InlineData(5000, "big", 0)]
    [InlineData(500, "medium", 1)]
    [InlineData(5, "default", -1)]
    public async Task Switch_TakesTheFirstMatchingCaseElseDefault(int amount, string outcome, int index)
    {
        var context = For("switch", SwitchConfig, Activation(new JsonObject { ["amount"] = amount }));

        var result = As<NodeResult.Completed>(await new SwitchExecutor(NodeCel).ExecuteAsync(context, CancellationToken.None));

        Assert.Equal(outcome, result.Outcome);
        AssertJson($$"""{ "case": "{{outcome}}", "index": {{index}} }""", result.Output);
        NodeTypeCatalog.BuiltIn.TryGet("switch", out var descriptor);
        Assert.Contains(result.Outcome, descriptor!.OutcomesFor(context.Config));
    }

    [Fact]
    public async Task Switch_WhenACaseMatches_DoesNotEvaluateLaterCases()
    {
        var context = For("switch", """{ "cases": [ { "name": "first", "when": "true" }, { "name": "broken", "when": "1 / 0 == 1" } ] }""");

        var result = As<NodeResult.Completed>(await new SwitchExecutor(NodeCel).ExecuteAsync(context, CancellationToken.None));

        Assert.Equal("first", result.Outcome);
    }

    [Fact]
    public async Task Switch_WhenNoCases_TakesDefault()
    {
        var result = As<NodeResult.Completed>(await new SwitchExecutor(NodeCel).ExecuteAsync(For("switch", """{ "cases": [] }"""), CancellationToken.None));

        Assert.Equal("default", result.Outcome);
    }

    [Theory]
    [InlineData("""{ "cases": [ { "name": "x", "when": "'yes'" } ] }""", CelErrorCodes.TypeError, "config.cases[0].when:")]
    [InlineData("""{ "cases": [ { "name": "x", "when": "false" }, { "name": "y", "when": "nope(" } ] }""", CelErrorCodes.ParseError, "config.cases[1].when:")]
    [InlineData("""{ "cases": [ { "when": "true" } ] }""", NodeErrorCodes.ConfigInvalid, "config.name")]
    [InlineData("""{}""", NodeErrorCodes.ConfigInvalid, "config.cases")]
    public async Task Switch_WhenCaseBroken_FailsNotRetryable(string config, string code, string messageStart)
    {
        var failed = As<NodeResult.Failed>(await new SwitchExecutor(NodeCel).ExecuteAsync(For("switch", config), CancellationToken.None));

        Assert.Equal((code, false), (failed.Code, failed.Retryable));
        Assert.StartsWith(messageStart, failed.Message, StringComparison.Ordinal);
    }
}
