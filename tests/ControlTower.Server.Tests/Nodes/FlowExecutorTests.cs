using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;
using ControlTower.Server.Nodes;
using static ControlTower.Server.Tests.Nodes.NodeContexts;

namespace ControlTower.Server.Tests.Nodes;

/// <summary>merge, respond, fail and delay (subworkflow: SubworkflowTests, it needs the database).</summary>
public sealed class FlowExecutorTests
{
    [Fact]
    public async Task Merge_PassesEveryUpstreamOutputKeyedByNodeIdAndLeavesCaughtFailuresOut()
    {
        var activation = Activation(Json("""{ "q": 1 }"""), ("a", Json("""{ "x": 1 }""")), ("b", JsonValue.Create(2)), ("broken", null));

        var result = As<NodeResult.Completed>(await new MergeExecutor().ExecuteAsync(For("merge", """{ "mode": "all" }""", activation), CancellationToken.None));

        Assert.Equal("success", result.Outcome);
        AssertJson("""{ "start": { "q": 1 }, "a": { "x": 1 }, "b": 2 }""", result.Output);
        result.Output!["a"]!["x"] = 99;
        Assert.Equal(1, activation["nodes"]!["a"]!["output"]!["x"]!.GetValue<int>());
    }

    [Fact]
    public async Task Merge_WhenUpstreamOutputIsNull_KeepsTheKey()
    {
        var activation = Activation(null);

        var result = As<NodeResult.Completed>(await new MergeExecutor().ExecuteAsync(For("merge", "{}", activation), CancellationToken.None));

        AssertJson("""{ "start": null }""", result.Output);
    }

    [Fact]
    public async Task Respond_RendersStatusHeadersAndBody()
    {
        var activation = Activation(Json("""{ "id": 42 }"""), ("lookup", Json("""{ "name": "ada" }""")));
        var context = For("respond",
            """{ "status": 201, "headers": { "Location": "/items/{{ input.id }}", "X-Count": "{{ 1 + 1 }}" }, "body": "{'id': input.id, 'name': nodes.lookup.output.name}" }""", activation);

        var result = As<NodeResult.Completed>(await new RespondExecutor(NodeCel).ExecuteAsync(context, CancellationToken.None));

        Assert.Equal("success", result.Outcome);
        AssertJson("""{ "status": 201, "headers": { "Location": "/items/42", "X-Count": "2" }, "body": { "id": 42, "name": "ada" } }""", result.Output);
    }

    [Fact]
    public async Task Respond_WhenConfigEmpty_Replies200WithNullBody()
    {
        var result = As<NodeResult.Completed>(await new RespondExecutor(NodeCel).ExecuteAsync(For("respond", "{}"), CancellationToken.None));

        AssertJson("""{ "status": 200, "headers": {}, "body": null }""", result.Output);
    }

    [Theory]
    [InlineData("""{ "body": "input.nope.x" }""", CelErrorCodes.EvalError)]
    [InlineData("""{ "status": 99 }""", NodeErrorCodes.ConfigInvalid)]
    [InlineData("""{ "headers": { "X": 5 } }""", NodeErrorCodes.ConfigInvalid)]
    public async Task Respond_WhenBroken_FailsNotRetryable(string config, string code)
    {
        var failed = As<NodeResult.Failed>(await new RespondExecutor(NodeCel).ExecuteAsync(For("respond", config, Activation(Json("{}"))), CancellationToken.None));

        Assert.Equal((code, false), (failed.Code, failed.Retryable));
    }

    [Fact]
    public async Task Fail_FailsWithConfiguredCodeAndRenderedMessageNotRetryable()
    {
        var context = For("fail", """{ "code": "order.rejected", "message": "order {{ input.id }} is over the limit of {{ 100 }}" }""", Activation(Json("""{ "id": "A-7" }""")));

        var failed = As<NodeResult.Failed>(await new FailExecutor().ExecuteAsync(context, CancellationToken.None));

        Assert.Equal(new NodeResult.Failed("order.rejected", "order A-7 is over the limit of 100", false), failed);
    }

    [Fact]
    public async Task Fail_WhenMessageTemplateBroken_FailsWithTheCelCode()
    {
        var failed = As<NodeResult.Failed>(await new FailExecutor().ExecuteAsync(For("fail", """{ "code": "x.y", "message": "{{ input.none.x }}" }"""), CancellationToken.None));

        Assert.Equal(CelErrorCodes.EvalError, failed.Code);
    }

    [Fact]
    public async Task Delay_WhenSeconds_WaitsOnATimerFromNow()
    {
        var waiting = As<NodeResult.Waiting>(await new DelayExecutor(NodeCel).ExecuteAsync(For("delay", """{ "seconds": 90 }"""), CancellationToken.None));

        Assert.Equal("timer", waiting.Reason);
        Assert.Equal(Now.AddSeconds(90), waiting.ResumeAt);
        AssertJson("""{ "resumeAt": "2026-05-04T10:01:30.000Z" }""", waiting.Output);
    }

    [Fact]
    public async Task Delay_WhenUntilTimestamp_WaitsUntilItAndWinsOverSeconds()
    {
        var context = For("delay", """{ "seconds": 5, "until": "timestamp(input.at)" }""", Activation(Json("""{ "at": "2026-05-05T08:30:00+02:00" }""")));

        var waiting = As<NodeResult.Waiting>(await new DelayExecutor(NodeCel).ExecuteAsync(context, CancellationToken.None));

        Assert.Equal(new DateTimeOffset(2026, 5, 5, 6, 30, 0, TimeSpan.Zero), waiting.ResumeAt);
    }

    [Fact]
    public async Task Delay_WhenUntilDuration_WaitsThatLongFromNow()
    {
        var context = For("delay", """{ "until": "duration('1h30m') + duration('0.5s')" }""");

        var waiting = As<NodeResult.Waiting>(await new DelayExecutor(NodeCel).ExecuteAsync(context, CancellationToken.None));

        Assert.Equal(Now.AddMinutes(90).AddMilliseconds(500), waiting.ResumeAt);
    }

    [Theory]
    [InlineData("""{ "seconds": 0 }""")]
    [InlineData("""{ "until": "timestamp('2020-01-01T00:00:00Z')" }""")]
    [InlineData("""{ "until": "'2026-05-04T10:00:00Z'" }""")]
    public async Task Delay_WhenDueTimeNotInTheFuture_CompletesAtOnce(string config)
    {
        var result = As<NodeResult.Completed>(await new DelayExecutor(NodeCel).ExecuteAsync(For("delay", config), CancellationToken.None));

        Assert.Equal("success", result.Outcome);
    }

    [Theory]
    [InlineData("""{ "until": "'tomorrow'" }""", NodeErrorCodes.DelayUntilInvalid)]
    [InlineData("""{ "until": "42" }""", NodeErrorCodes.DelayUntilInvalid)]
    [InlineData("""{ "until": "duration('9000h')" }""", NodeErrorCodes.DelayUntilInvalid)]
    [InlineData("""{ "until": "timestamp(input.none)" }""", CelErrorCodes.EvalError)]
    [InlineData("""{}""", NodeErrorCodes.ConfigInvalid)]
    [InlineData("""{ "seconds": -1 }""", NodeErrorCodes.ConfigInvalid)]
    public async Task Delay_WhenDueTimeUnusable_FailsNotRetryable(string config, string code)
    {
        var failed = As<NodeResult.Failed>(await new DelayExecutor(NodeCel).ExecuteAsync(For("delay", config, Activation(Json("{}"))), CancellationToken.None));

        Assert.Equal((code, false), (failed.Code, failed.Retryable));
    }
}
