using System.Text.Json;
using ControlTower.Core.Scheduling;

namespace ControlTower.Core.Tests.Scheduling;

public sealed class RunStateJsonTests
{
    private static RunHarness BusyRun()
    {
        var plan = new GraphBuilder().Trigger().Transform("body", "exit", "handler").Node("c", "condition", """{"expression":"true"}""")
            .Node("h", "http.request", """{"url":"https://x"}""").Node("ok", "approval", """{"title":"t"}""")
            .Edge("start", "body").Edge("body", "c").Edge("c", "body", "true", loop: 5).Edge("c", "exit", "false")
            .Edge("start", "h").Edge("start", "ok").Edge("exit", "handler", "error").Plan();
        var run = new RunHarness(plan, runId: "run-42", seed: -3);
        run.Start("""{"patient":"p1","qty":[1,2.5,null]}""");
        run.Complete("body", output: """{"i":0,"s":"é\u2028"}""");
        run.Complete("c", "true");
        run.Fail("h", retryable: true, code: "http.503");
        run.Apply(new NodeWaiting("ok", 1, "approval", run.Now));
        return run;
    }

    [Fact]
    public void Serialize_WhenStateIsMidRun_RoundTripsToIdenticalJson()
    {
        var state = BusyRun().State;

        var json = RunStateJson.Serialize(state);
        var back = RunStateJson.Deserialize(json);

        Assert.Equal(json, RunStateJson.Serialize(back));
        Assert.Equal(state.Status, back.Status);
        Assert.Equal(state.Nodes.Select(n => (n.NodeId, n.Status, n.Attempt, n.Tries, n.Activations, n.Outcome, n.RetryDueAt)),
            back.Nodes.Select(n => (n.NodeId, n.Status, n.Attempt, n.Tries, n.Activations, n.Outcome, n.RetryDueAt)));
        Assert.Equal(state.LoopIterations.ToArray(), back.LoopIterations.ToArray());
    }

    [Fact]
    public void Deserialize_WhenRunContinuesFromACheckpoint_BehavesExactlyLikeTheLiveState()
    {
        var run = BusyRun();
        var restored = RunStateJson.Deserialize(RunStateJson.Serialize(run.State));
        var evt = new NodeCompleted("body", run.State.Node("body").Attempt, "success", RunHarness.Json("""{"i":1}"""), run.Now);

        var live = RunScheduler.Apply(run.Plan, run.State, evt);
        var resumed = RunScheduler.Apply(run.Plan, restored, evt);

        Assert.Equal(RunStateJson.Serialize(live.State), RunStateJson.Serialize(resumed.State));
        Assert.Equal(
            live.Commands.OfType<ExecuteNode>().Select(c => (c.IdempotencyKey, c.Activation.ToJson().ToJsonString())),
            resumed.Commands.OfType<ExecuteNode>().Select(c => (c.IdempotencyKey, c.Activation.ToJson().ToJsonString())));
    }

    [Fact]
    public void Serialize_WhenRunHasJustStarted_WritesTheDocumentedShape()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a").Edge("start", "a").Plan(), runId: "r1", seed: 5);
        run.Start("""{"x":1}""");

        var json = RunStateJson.Serialize(run.State);

        Assert.Equal(
            """{"schema":"ct.run-state/1","runId":"r1","seed":5,"status":"running","stepsUsed":2,"sequence":1,"trigger":"start","startedAt":"2026-01-01T00:00:00+00:00","input":""" +
                """{"x":1},"loopIterations":[],"nodes":""" +
                """{"start":{"status":"succeeded","attempt":1,"tries":1,"activations":1,"outcome":"success","output":""" +
                """{"x":1},"startedAt":"2026-01-01T00:00:00+00:00","finishedAt":"2026-01-01T00:00:00+00:00","completedSeq":1},"a":""" +
                """{"status":"running","attempt":1,"tries":1,"activations":1,"startedAt":"2026-01-01T00:00:00+00:00","completedSeq":0}}}""",
            json);
    }

    [Fact]
    public void Serialize_WhenNodeBacksOff_UsesSnakeCaseStatus()
    {
        var json = RunStateJson.Serialize(BusyRun().State);

        Assert.Contains("\"h\":{\"status\":\"backing_off\"", json, StringComparison.Ordinal);
        Assert.Contains("\"waitReason\":\"approval\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"schema":"other"}""")]
    [InlineData("""{"schema":"ct.run-state/1","runId":"r"}""")]
    [InlineData("""{"schema":"ct.run-state/1","runId":"r","seed":1,"status":"dancing","stepsUsed":0,"sequence":0,"loopIterations":[],"nodes":{}}""")]
    public void Deserialize_WhenDocumentIsNotARunState_ThrowsStateInvalid(string json)
    {
        var ex = Assert.Throws<SchedulerException>(() => RunStateJson.Deserialize(json));

        Assert.Equal("run.state_invalid", ex.Code);
    }

    [Fact]
    public void RunEvents_WhenSerializedWithSystemTextJson_RoundTripWithTheirTypes()
    {
        var now = RunHarness.T0;
        RunEvent[] events =
        [
            new RunStarted(RunHarness.Json("""{"a":[1]}"""), now, "start"),
            new NodeCompleted("n", 2, "true", RunHarness.Json("3"), now),
            new NodeFailed("n", 1, "x.y", "msg", true, now),
            new NodeWaiting("n", 1, "approval", now),
            new RetryDue("n", 2, now),
            new NodeRetryRequested("n", now),
            new CancelRequested(now, "user"),
            new RunRetryRequested(now),
        ];

        var json = JsonSerializer.Serialize(events);
        var back = JsonSerializer.Deserialize<RunEvent[]>(json)!;

        Assert.Equal(events.Select(e => e.GetType()), back.Select(e => e.GetType()));
        Assert.Equal(json, JsonSerializer.Serialize(back));
        Assert.Contains("\"type\":\"node_completed\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Assemble_WhenEachStepStoredOnlyItsChangedNodes_GivesTheSameStateAsTheWholeDocument()
    {
        var plan = new GraphBuilder().Trigger().Transform("body", "exit", "handler").Node("c", "condition", """{"expression":"true"}""")
            .Node("h", "http.request", """{"url":"https://x"}""").Node("ok", "approval", """{"title":"t"}""")
            .Edge("start", "body").Edge("body", "c").Edge("c", "body", "true", loop: 5).Edge("c", "exit", "false")
            .Edge("start", "h").Edge("start", "ok").Edge("exit", "handler", "error").Plan();
        var run = new RunHarness(plan, runId: "run-42", seed: -3);
        var rows = new List<StoredNodeState>();
        var header = RunStateJson.SerializeHeader(run.State);
        void Commit(Func<SchedulerResult> step)
        {
            var before = run.State;
            step();
            rows.AddRange(RunStateJson.ChangedRows(before, run.State, everyNode: false));
            header = RunStateJson.SerializeHeader(run.State);
        }

        Commit(() => run.Start("""{"patient":"p1","qty":[1,2.5,null]}"""));
        Commit(() => run.Complete("body", output: """{"i":0,"s":"é\u2028"}"""));
        Commit(() => run.Complete("c", "true"));
        Commit(() => run.Fail("h", retryable: true, code: "http.503"));
        Commit(() => run.Apply(new NodeWaiting("ok", 1, "approval", run.Now)));
        Commit(() => run.Complete("body", output: "null"));

        var assembled = RunStateJson.Assemble(header, run.State.Input, rows);

        Assert.True(RunStateJson.IsHeader(header));
        Assert.DoesNotContain("p1", header, StringComparison.Ordinal);
        Assert.Equal(RunStateJson.Serialize(run.State), RunStateJson.Serialize(assembled));
        Assert.Equal(JsonValueKind.Null, assembled.Node("body").Output!.Value.ValueKind);
        Assert.Single(rows, r => r.NodeId == "start");
        Assert.Equal(2, rows.Count(r => r.NodeId == "body" && r.Output is not null));
    }

    [Fact]
    public void Assemble_WhenStoredWhole_ReadsTheVersionOneDocumentAndItsNextCommitWritesEveryNode()
    {
        var run = BusyRun();
        var whole = RunStateJson.Serialize(run.State);

        var loaded = RunStateJson.Assemble(whole, null, []);
        var rows = RunStateJson.ChangedRows(loaded, loaded, everyNode: true).ToList();
        var split = RunStateJson.Assemble(RunStateJson.SerializeHeader(loaded), loaded.Input, rows);

        Assert.Equal(whole, RunStateJson.Serialize(loaded));
        Assert.Equal(run.State.Nodes.Length, rows.Count);
        Assert.Equal(whole, RunStateJson.Serialize(split));
    }

    [Fact]
    public void ActivationToJson_WhenBuiltFromTheStateInPlace_HasExactlyTheValuesOfItsText()
    {
        var run = BusyRun();
        var evt = new NodeCompleted("body", run.State.Node("body").Attempt, "success", RunHarness.Json("""{"i":1,"list":[1,{"x":null}],"t":true}"""), run.Now);
        var activation = RunScheduler.Apply(run.Plan, run.State, evt).Commands.OfType<ExecuteNode>().Single().Activation;

        var tree = activation.ToJson();

        Assert.Equal(System.Text.Json.Nodes.JsonNode.Parse(activation.ToJsonString())!.ToJsonString(), tree.ToJsonString());
        Assert.Equal(1, tree["nodes"]!["body"]!["output"]!["i"]!.GetValue<int>());
        Assert.Equal("p1", tree["input"]!["patient"]!.GetValue<string>());
        tree["nodes"]!["body"]!["output"]!["i"] = 2;
        Assert.Equal(1, activation.ToJson()["nodes"]!["body"]!["output"]!["i"]!.GetValue<int>());
    }
}
