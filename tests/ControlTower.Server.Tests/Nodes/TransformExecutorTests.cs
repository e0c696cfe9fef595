using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;
using ControlTower.Server.Nodes;
using static ControlTower.Server.Tests.Nodes.NodeContexts;

namespace ControlTower.Server.Tests.Nodes;

public sealed class TransformExecutorTests
{
    private readonly TransformExecutor _executor = new(NodeCel);

    private Task<NodeResult> Run(string config, JsonObject? activation = null) =>
        _executor.ExecuteAsync(For("transform", config, activation), CancellationToken.None);

    [Fact]
    public async Task ExecuteAsync_WhenExpression_OutputsItsValueWithOutcomeSuccess()
    {
        var activation = Activation(Json("""{ "a": 2 }"""), ("fetch", Json("""{ "items": [1, 2, 3] }""")));

        var result = As<NodeResult.Completed>(await Run("""{ "expression": "{'sum': input.a + 1, 'count': size(nodes.fetch.output.items)}" }""", activation));

        Assert.Equal("success", result.Outcome);
        AssertJson("""{ "sum": 3, "count": 3 }""", result.Output);
    }

    [Fact]
    public async Task ExecuteAsync_WhenMapping_RendersEveryStringAndKeepsWholePlaceholderTypes()
    {
        var activation = Activation(Json("""{ "id": 7, "name": "ada", "tags": ["x", "y"] }"""));

        var result = As<NodeResult.Completed>(await Run(
            """{ "mapping": { "id": "{{ input.id }}", "label": "user-{{ input.name }}-{{ input.id }}", "nested": """ +
                """{ "tags": "{{ input.tags }}", "list": ["{{ input.id * 2 }}", "plain"] }, "n": 5, "flag": true } }""",
            activation));

        AssertJson("""{ "id": 7, "label": "user-ada-7", "nested": { "tags": ["x", "y"], "list": [14, "plain"] }, "n": 5, "flag": true }""", result.Output);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{ "expression": "1", "mapping": { "a": "b" } }""")]
    [InlineData("""{ "expression": 5 }""")]
    [InlineData("""{ "mapping": "not an object" }""")]
    public async Task ExecuteAsync_WhenNotExactlyOneWellTypedSource_FailsConfigInvalid(string config)
    {
        var failed = As<NodeResult.Failed>(await Run(config));

        Assert.Equal(NodeErrorCodes.ConfigInvalid, failed.Code);
        Assert.False(failed.Retryable);
    }

    [Theory]
    [InlineData("""{ "expression": "1 +" }""", CelErrorCodes.ParseError, "config.expression")]
    [InlineData("""{ "expression": "input.missing.deeper" }""", CelErrorCodes.EvalError, "config.expression")]
    [InlineData("""{ "expression": "1 / 0" }""", CelErrorCodes.EvalError, "config.expression")]
    [InlineData("""{ "mapping": { "a": "{{ input.missing.deeper }}" } }""", CelErrorCodes.EvalError, "config.mapping")]
    [InlineData("""{ "mapping": { "a": "{{ 1 + }}" } }""", CelErrorCodes.ParseError, "config.mapping")]
    public async Task ExecuteAsync_WhenCelFails_FailsWithTheCelCodeNotRetryable(string config, string code, string field)
    {
        var failed = As<NodeResult.Failed>(await Run(config, Activation(Json("""{ "a": 1 }"""))));

        Assert.Equal(code, failed.Code);
        Assert.False(failed.Retryable);
        Assert.StartsWith(field + ":", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_WhenOutputIsUpstreamValue_DoesNotAliasTheActivation()
    {
        var activation = Activation(Json("""{ "user": { "name": "ada" } }"""));

        var result = As<NodeResult.Completed>(await Run("""{ "expression": "input.user" }""", activation));
        result.Output!["name"] = "changed";

        Assert.Equal("ada", activation["input"]!["user"]!["name"]!.GetValue<string>());
    }
}
