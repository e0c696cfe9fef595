using System.Text.Json;
using ControlTower.Core.Graphs;
using ControlTower.Core.Scheduling;

namespace ControlTower.Core.Tests.Scheduling;

public sealed class RunSchedulerTests
{
    [Fact]
    public void Apply_WhenChainRunsToTheEnd_ExecutesInOrderAndCompletesWithTerminalOutput()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a", "b").Edge("start", "a").Edge("a", "b").Plan());

        var started = run.Start();
        Assert.Equal(["a"], started.Commands.OfType<ExecuteNode>().Select(c => c.NodeId));
        Assert.Equal(RunStatus.Running, run.State.Status);
        run.Complete("a");
        Assert.Equal(["a", "b"], run.ExecutedIds);
        var done = run.Complete("b", output: """{"answer":42}""");

        Assert.Equal(RunStatus.Completed, run.State.Status);
        var complete = Assert.IsType<CompleteRun>(Assert.Single(done.Commands));
        Assert.Equal("""{"b":{"answer":42}}""", complete.Output!.Value.GetRawText());
        Assert.Equal(3, run.State.StepsUsed);
    }

    [Fact]
    public void Apply_WhenJoinHasTwoBranches_WaitsForBoth()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a", "b", "j")
            .Edge("start", "a").Edge("start", "b").Edge("a", "j").Edge("b", "j").Plan());
        run.Start();
        Assert.Equal(["a", "b"], run.ExecutedIds);

        run.Complete("a");
        Assert.Equal(NodeStatus.Pending, run.Status("j"));
        run.Complete("b");

        Assert.Equal(["a", "b", "j"], run.ExecutedIds);
    }

    [Fact]
    public void Apply_WhenConditionTakesOneBranch_SkipsTheOtherAndJoinStillFires()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("c", "condition", """{"expression":"true"}""").Transform("x", "y", "y2", "j")
            .Edge("start", "c").Edge("c", "x", "true").Edge("c", "y", "false").Edge("y", "y2").Edge("x", "j").Edge("y2", "j").Plan());
        run.Start();

        run.Complete("c", "true");

        Assert.Equal(NodeStatus.Skipped, run.Status("y"));
        Assert.Equal(NodeStatus.Skipped, run.Status("y2"));
        Assert.Equal(NodeStatus.Pending, run.Status("j"));
        run.Complete("x");
        Assert.Equal(["c", "x", "j"], run.ExecutedIds);
        run.Complete("j");
        Assert.Equal(RunStatus.Completed, run.State.Status);
    }

    [Fact]
    public void Apply_WhenEveryInputOfAJoinIsSkipped_SkipsTheJoinAndCompletes()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("c", "condition", """{"expression":"true"}""").Transform("x", "y", "j", "after")
            .Edge("start", "c").Edge("c", "x", "false").Edge("c", "y", "false").Edge("x", "j").Edge("y", "j").Edge("j", "after").Plan());
        run.Start();

        var result = run.Complete("c", "true");

        Assert.All(new[] { "x", "y", "j", "after" }, id => Assert.Equal(NodeStatus.Skipped, run.Status(id)));
        Assert.IsType<CompleteRun>(Assert.Single(result.Commands));
    }

    [Theory]
    [InlineData("high", "h")]
    [InlineData("low", "l")]
    [InlineData("default", "d")]
    public void Apply_WhenSwitchReportsACase_RunsOnlyThatBranch(string outcome, string expected)
    {
        var run = new RunHarness(new GraphBuilder().Trigger()
            .Node("s", "switch", """{"cases":[{"name":"high","when":"input.x > 10"},{"name":"low","when":"input.x < 0"}]}""")
            .Transform("h", "l", "d").Edge("start", "s").Edge("s", "h", "high").Edge("s", "l", "low").Edge("s", "d", "default").Plan());
        run.Start();

        run.Complete("s", outcome);

        Assert.Equal(["s", expected], run.ExecutedIds);
        Assert.Equal(2, new[] { "h", "l", "d" }.Count(id => run.Status(id) == NodeStatus.Skipped));
    }

    [Fact]
    public void Apply_WhenMergeAnyGetsItsFirstInput_FiresOnceWithoutWaitingForTheOthers()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a", "b").Node("m", "merge", """{"mode":"any"}""")
            .Edge("start", "a").Edge("start", "b").Edge("a", "m").Edge("b", "m").Plan());
        run.Start();

        run.Complete("b");
        Assert.Equal(["a", "b", "m"], run.ExecutedIds);
        run.Complete("m");
        Assert.Equal(RunStatus.Running, run.State.Status);
        run.Complete("a");

        Assert.Single(run.ExecutedIds, "m");
        Assert.Equal(RunStatus.Completed, run.State.Status);
    }

    [Fact]
    public void Apply_WhenMergeAllHasASkippedInput_FiresOnTheTakenOne()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("c", "condition", """{"expression":"true"}""").Transform("x", "y").Node("m", "merge", """{"mode":"all"}""")
            .Edge("start", "c").Edge("c", "x", "true").Edge("c", "y", "false").Edge("x", "m").Edge("y", "m").Plan());
        run.Start();
        run.Complete("c", "true");
        Assert.Equal(NodeStatus.Pending, run.Status("m"));

        run.Complete("x");

        Assert.Equal(NodeStatus.Running, run.Status("m"));
    }

    private static RunHarness LoopRun(int maxIterations, int stepBudget = 1000) => new(new GraphBuilder().Trigger().Transform("body", "exit")
        .Node("c", "condition", """{"expression":"nodes.body.output.more"}""")
        .Edge("start", "body").Edge("body", "c").Edge("c", "body", "true", loop: maxIterations).Edge("c", "exit", "false")
        .Config("stepBudget", stepBudget).Plan());

    [Fact]
    public void Apply_WhenLoopRepeatsWithinItsBound_ReRunsTheBodyWithFreshAttemptsAndThenExits()
    {
        var run = LoopRun(maxIterations: 3);
        run.Start();
        for (var i = 0; i < 3; i++)
        {
            run.Complete("body", output: $$"""{"i":{{i}}}""");
            run.Complete("c", "true");
            Assert.Equal(NodeStatus.Running, run.Status("body"));
            Assert.Equal(NodeStatus.Pending, run.Status("exit"));
        }

        run.Complete("body", output: """{"i":3}""");
        run.Complete("c", "false");
        run.Complete("exit");

        Assert.Equal(RunStatus.Completed, run.State.Status);
        Assert.Equal(["body:1", "c:1", "body:2", "c:2", "body:3", "c:3", "body:4", "c:4", "exit:1"], run.Executed.Select(e => $"{e.NodeId}:{e.Attempt}"));
        Assert.Equal(run.Executed.Count(), run.Executed.Select(e => e.IdempotencyKey).Distinct().Count());
        Assert.Equal(4, run.State.Node("body").Activations);
        Assert.Equal([3], run.State.LoopIterations.ToArray());
    }

    [Fact]
    public void Apply_WhenLoopBodyRunsAgain_ItsInputShowsThePreviousIterationOfTheLoopBack()
    {
        var run = LoopRun(maxIterations: 3);
        run.Start();
        run.Complete("body", output: """{"i":0}""");

        run.Complete("c", "true", output: """{"decided":true}""");

        var second = run.Executed.Last().Activation.ToJson();
        Assert.Equal("body", second["node"]!["id"]!.GetValue<string>());
        Assert.Equal(2, second["node"]!["iteration"]!.GetValue<int>());
        Assert.Equal(0, second["nodes"]!["body"]!["output"]!["i"]!.GetValue<int>());
        Assert.Equal("true", second["nodes"]!["c"]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_WhenLoopExceedsItsBound_FailsTheRunWithLoopBoundExceeded()
    {
        var run = LoopRun(maxIterations: 1);
        run.Start();
        run.Complete("body");
        run.Complete("c", "true");
        run.Complete("body");

        var result = run.Complete("c", "true");

        var fail = Assert.IsType<FailRun>(Assert.Single(result.Commands));
        Assert.Equal(("c", "run.loop_bound_exceeded"), (fail.NodeId, fail.Code));
        Assert.Equal(RunStatus.Failed, run.State.Status);
        Assert.Equal(NodeStatus.Cancelled, run.Status("exit"));
    }

    [Fact]
    public void Apply_WhenStepBudgetRunsOut_FailsTheRunWithStepBudgetExceeded()
    {
        var run = LoopRun(maxIterations: 100, stepBudget: 5);
        run.Start();
        run.Complete("body");
        run.Complete("c", "true");
        run.Complete("body");

        var result = run.Complete("c", "true");

        var fail = Assert.IsType<FailRun>(Assert.Single(result.Commands));
        Assert.Equal(("body", "run.step_budget_exceeded"), (fail.NodeId, fail.Code));
        Assert.Equal(5, run.State.StepsUsed);
        Assert.Equal(RunStatus.Failed, run.State.Status);
    }

    [Fact]
    public void Apply_WhenFailureHasAnErrorEdge_RoutesToTheHandlerAndTheRunCompletes()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a", "next", "handler")
            .Edge("start", "a").Edge("a", "next").Edge("a", "handler", "error").Plan());
        run.Start();

        run.Fail("a", code: "tool.down");

        Assert.Equal(NodeStatus.Failed, run.Status("a"));
        Assert.Equal(NodeStatus.Skipped, run.Status("next"));
        var handler = run.Executed.Last();
        Assert.Equal("handler", handler.NodeId);
        Assert.Equal("tool.down", handler.Activation.ToJson()["nodes"]!["a"]!["error"]!["code"]!.GetValue<string>());
        run.Complete("handler");
        Assert.Equal(RunStatus.Completed, run.State.Status);
    }

    [Fact]
    public void Apply_WhenFailureIsNotCaught_FailsTheRunNamingNodeCodeAndMessageAndCancelsTheRest()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a", "b", "after")
            .Edge("start", "a").Edge("start", "b").Edge("a", "after").Plan());
        run.Start();

        var result = run.Fail("a", code: "cel.eval_error");

        Assert.Equal([new CancelNode("b", 1, "run_failed"), new FailRun("a", "cel.eval_error", "a broke")], result.Commands);
        Assert.Equal(new RunError("a", "cel.eval_error", "a broke"), run.State.Error);
        Assert.Equal((NodeStatus.Failed, NodeStatus.Cancelled, NodeStatus.Cancelled), (run.Status("a"), run.Status("b"), run.Status("after")));
        Assert.Equal("run.finished", run.Complete("b").Ignored);
    }

    [Fact]
    public void Apply_WhenRetryableFailureHasTriesLeft_SchedulesDeterministicBackoffThenRetries()
    {
        var policy = new RetryPolicy(3, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10), 0.5);
        var plan = new GraphBuilder().Trigger().Node("a", "http.request", """{"url":"https://example.com"}""", policy).Edge("start", "a").Plan();
        var run = new RunHarness(plan, seed: 99);
        run.Start();

        var first = Assert.IsType<ScheduleRetry>(Assert.Single(run.Fail("a", retryable: true).Commands));
        Assert.Equal(NodeStatus.BackingOff, run.Status("a"));
        Assert.Equal(RunStatus.Waiting, run.State.Status);
        Assert.Equal(("a", 2), (first.NodeId, first.NextAttempt));
        Assert.Equal(RunHarness.T0 + RetryBackoff.Delay(policy, 99, "a", 1, 1), first.DueAt);
        Assert.InRange((first.DueAt - RunHarness.T0).TotalMilliseconds, 500, 1500);

        run.Now = first.DueAt;
        var retried = Assert.IsType<ExecuteNode>(Assert.Single(run.Apply(new RetryDue("a", 2, run.Now)).Commands));
        Assert.Equal(("run1:a:2", 2), (retried.IdempotencyKey, retried.Attempt));

        var second = Assert.IsType<ScheduleRetry>(Assert.Single(run.Fail("a", retryable: true).Commands));
        Assert.InRange((second.DueAt - run.Now).TotalMilliseconds, 1000, 3000);
        run.Now = second.DueAt;
        run.Apply(new RetryDue("a", 3, run.Now));

        var last = run.Fail("a", retryable: true);
        Assert.Equal("a", Assert.IsType<FailRun>(Assert.Single(last.Commands)).NodeId);
        Assert.Equal(3, run.State.Node("a").Tries);
    }

    [Fact]
    public void Delay_WhenSeedNodeAndAttemptAreTheSame_IsTheSameAndOtherwiseVaries()
    {
        var policy = new RetryPolicy(5, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), 0.3);

        var delays = Enumerable.Range(0, 50).Select(seed => RetryBackoff.Delay(policy, seed, "a", 1, 1)).ToList();

        Assert.Equal(delays, Enumerable.Range(0, 50).Select(seed => RetryBackoff.Delay(policy, seed, "a", 1, 1)));
        Assert.True(delays.Distinct().Count() > 40);
        Assert.All(delays, d => Assert.InRange(d.TotalMilliseconds, 700, 1300));
        Assert.Equal(TimeSpan.FromMinutes(1), RetryBackoff.Delay(policy with { Jitter = 0 }, 1, "a", 9, 9));
    }

    [Fact]
    public void Apply_WhenRetriesAreSpentAndAnErrorEdgeExists_RoutesToTheErrorHandler()
    {
        var policy = new RetryPolicy(2, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10), 0);
        var run = new RunHarness(new GraphBuilder().Trigger().Node("a", "mcp.tool", """{"server":"s","tool":"t"}""", policy).Transform("handler")
            .Edge("start", "a").Edge("a", "handler", "error").Plan());
        run.Start();
        var retry = Assert.IsType<ScheduleRetry>(Assert.Single(run.Fail("a", retryable: true).Commands));
        run.Apply(new RetryDue("a", retry.NextAttempt, retry.DueAt));

        run.Fail("a", retryable: true);

        Assert.Equal(NodeStatus.Failed, run.Status("a"));
        Assert.Equal(["a", "a", "handler"], run.ExecutedIds);
    }

    [Fact]
    public void Apply_WhenNonRetryableFailureHasTriesLeft_DoesNotRetry()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("a", "http.request", """{"url":"https://x"}""").Edge("start", "a").Plan());
        run.Start();

        var result = run.Fail("a", retryable: false);

        Assert.IsType<FailRun>(Assert.Single(result.Commands));
    }

    [Fact]
    public void Apply_WhenCancelledWhileNodesRun_CancelsThemAndIgnoresLateResults()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a", "b", "c").Edge("start", "a").Edge("start", "b").Edge("a", "c").Plan());
        run.Start();

        var result = run.Apply(new CancelRequested(run.Now, "user"));

        Assert.Equal([new CancelNode("a", 1, "user"), new CancelNode("b", 1, "user"), new CancelRun("user")], result.Commands);
        Assert.Equal(RunStatus.Cancelled, run.State.Status);
        Assert.All(new[] { "a", "b", "c" }, id => Assert.Equal(NodeStatus.Cancelled, run.Status(id)));
        Assert.Equal("run.finished", run.Complete("a").Ignored);
    }

    [Fact]
    public void Apply_WhenCancelledDuringABackoff_CancelsTheRetryAndIgnoresItsTimer()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("a", "http.request", """{"url":"https://x"}""").Edge("start", "a").Plan());
        run.Start();
        var retry = Assert.IsType<ScheduleRetry>(Assert.Single(run.Fail("a", retryable: true).Commands));

        var cancelled = run.Apply(new CancelRequested(run.Now));
        var late = run.Apply(new RetryDue("a", retry.NextAttempt, retry.DueAt));

        Assert.Contains(new CancelNode("a", 1, "cancelled"), cancelled.Commands);
        Assert.Equal("run.finished", late.Ignored);
        Assert.Single(run.ExecutedIds);
    }

    [Fact]
    public void Apply_WhenEventsAreDuplicatedOrStale_IgnoresThemWithoutChangingState()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("a", "http.request", """{"url":"https://x"}""").Transform("b").Edge("start", "a").Edge("a", "b").Plan());
        run.Start();
        var retry = Assert.IsType<ScheduleRetry>(Assert.Single(run.Fail("a", retryable: true).Commands));
        run.Apply(new RetryDue("a", 2, retry.DueAt));
        var before = run.State;

        Assert.Equal("event.stale_attempt", run.Apply(new NodeCompleted("a", 1, "success", null, run.Now)).Ignored);
        Assert.Equal("event.retry_stale", run.Apply(new RetryDue("a", 2, retry.DueAt)).Ignored);
        Assert.Equal("event.node_not_running", run.Apply(new NodeCompleted("b", 0, "success", null, run.Now)).Ignored);
        Assert.Equal("event.node_unknown", run.Apply(new NodeCompleted("zzz", 1, "success", null, run.Now)).Ignored);
        Assert.Equal("run.already_started", run.Start().Ignored);
        Assert.Same(before, run.State);

        run.Complete("a");
        Assert.Equal("event.node_not_running", run.Apply(new NodeCompleted("a", 2, "success", null, run.Now)).Ignored);
        Assert.Equal(["a", "a", "b"], run.ExecutedIds);
    }

    [Fact]
    public void Apply_WhenNotStarted_IgnoresNodeEvents()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a").Edge("start", "a").Plan());

        Assert.Equal("run.not_started", run.Apply(new NodeCompleted("a", 1, "success", null, run.Now)).Ignored);
    }

    [Fact]
    public void Apply_WhenNodeWaitsForAPerson_RunWaitsAndResumesOnTheOutcome()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("ok", "approval", """{"title":"Refill?"}""").Transform("go", "stop")
            .Edge("start", "ok").Edge("ok", "go", "approved").Edge("ok", "stop", "rejected").Plan());
        run.Start();

        run.Apply(new NodeWaiting("ok", 1, "approval", run.Now));
        Assert.Equal((RunStatus.Waiting, NodeStatus.Waiting, "approval"), (run.State.Status, run.Status("ok"), run.State.Node("ok").WaitReason));
        run.Complete("ok", "rejected");

        Assert.Equal(["ok", "stop"], run.ExecutedIds);
        Assert.Equal(NodeStatus.Skipped, run.Status("go"));
    }

    [Fact]
    public void Apply_WhenAPersonRetriesAnUnknownOutcome_IssuesANewAttemptWithANewKey()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("a", "governed.action", """{"actionType":"refill.dispense","server":"s","tool":"t"}""").Edge("start", "a").Plan());
        run.Start();
        run.Apply(new NodeWaiting("a", 1, "outcome_unknown", run.Now));

        var result = run.Apply(new NodeRetryRequested("a", run.Now));

        Assert.Equal(new CancelNode("a", 1, "retry_requested"), result.Commands[0]);
        Assert.Equal("run1:a:2", Assert.IsType<ExecuteNode>(result.Commands[1]).IdempotencyKey);
        Assert.Equal("event.node_not_waiting", run.Apply(new NodeRetryRequested("a", run.Now)).Ignored);
    }

    [Fact]
    public void Apply_WhenAParkedNodeIsResumed_RunsTheSameAttemptWithoutSpendingATry()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a").Transform("b").Edge("start", "a").Edge("start", "b").Plan());
        run.Start();
        run.Apply(new NodeWaiting("a", 1, "node_type_disabled", run.Now));
        run.Complete("b");
        Assert.Equal((RunStatus.Waiting, NodeStatus.Waiting, "node_type_disabled"), (run.State.Status, run.Status("a"), run.State.Node("a").WaitReason));

        var resumed = run.Apply(new NodeResumed("a", 1, run.Now));

        Assert.Empty(resumed.Commands);
        Assert.Equal((RunStatus.Running, NodeStatus.Running, null, 1, 1), (run.State.Status, run.Status("a"), run.State.Node("a").WaitReason, run.State.Node("a").Attempt, run.State.Node("a").Tries));
        Assert.Equal("event.node_not_waiting", run.Apply(new NodeResumed("a", 1, run.Now)).Ignored);
        Assert.Equal("event.stale_attempt", run.Apply(new NodeResumed("a", 2, run.Now)).Ignored);
        run.Complete("a");
        Assert.Equal(RunStatus.Completed, run.State.Status);
    }

    [Fact]
    public void Apply_WhenOutcomeIsNotDeclared_FailsTheNodeWithOutcomeUndeclared()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("c", "condition", """{"expression":"true"}""").Edge("start", "c").Plan());
        run.Start();

        var result = run.Complete("c", "maybe");

        var fail = Assert.IsType<FailRun>(Assert.Single(result.Commands));
        Assert.Equal("node.outcome_undeclared", fail.Code);
    }

    [Fact]
    public void Apply_WhenParallelismIsLimited_DispatchesOneAtATimeInGraphOrder()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a", "b", "c").Edge("start", "a").Edge("start", "b").Edge("start", "c")
            .Config("maxParallelNodes", 1).Plan());

        run.Start();
        Assert.Equal(["a"], run.ExecutedIds);
        Assert.Equal(NodeStatus.Ready, run.Status("b"));
        run.Complete("a");
        run.Complete("b");

        Assert.Equal(["a", "b", "c"], run.ExecutedIds);
    }

    [Fact]
    public void Apply_WhenARespondNodeSucceeded_UsesItsOutputAsTheRunOutput()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("r", "respond", """{"body":"input"}""").Transform("log")
            .Edge("start", "r").Edge("r", "log").Plan());
        run.Start();
        run.Complete("r", output: """{"status":"ok"}""");

        var result = run.Complete("log");

        Assert.Equal("""{"status":"ok"}""", Assert.IsType<CompleteRun>(Assert.Single(result.Commands)).Output!.Value.GetRawText());
    }

    [Fact]
    public void Apply_WhenANodeIsDispatched_ItsActivationHoldsInputAndUpstreamResultsButNotSkippedNodes()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("c", "condition", """{"expression":"true"}""").Transform("x", "y", "j")
            .Edge("start", "c").Edge("c", "x", "true").Edge("c", "y", "false").Edge("x", "j").Edge("y", "j").Plan(), runId: "r-9");
        run.Start("""{"order":7}""");
        run.Complete("c", "true", """true""");
        run.Complete("x", output: """{"v":1}""");

        var activation = run.Executed.Last().Activation;

        Assert.Equal(
            """{"input":""" +
                """{"order":7},"nodes":""" +
                """{"start":{"outcome":"success","output":{"order":7}},"c":{"outcome":"true","output":true},"x":""" +
                """{"outcome":"success","output":{"v":1}}},"run":{"id":"r-9"},"node":{"id":"j","attempt":1,"iteration":1}}""",
            activation.ToJson().ToJsonString());
        Assert.Equal(activation.ToJson().ToJsonString(), activation.ToJsonElement().GetRawText());
    }

    [Fact]
    public void Apply_WhenStartedFromASecondTrigger_SkipsTheFirstTriggersBranch()
    {
        var run = new RunHarness(new GraphBuilder().Trigger("manual").Node("hook", "trigger.webhook").Transform("a", "b")
            .Edge("manual", "a").Edge("hook", "b").Plan());

        run.Start(trigger: "hook");

        Assert.Equal(["b"], run.ExecutedIds);
        Assert.Equal((NodeStatus.Skipped, NodeStatus.Skipped), (run.Status("manual"), run.Status("a")));
        Assert.Equal("hook", run.State.TriggerNodeId);
        Assert.Throws<SchedulerException>(() => new RunHarness(run.Plan).Start(trigger: "a"));
    }

    [Fact]
    public void Apply_WhenStateBelongsToAnotherPlan_Throws()
    {
        var plan = new GraphBuilder().Trigger().Transform("a").Edge("start", "a").Plan();
        var other = new GraphBuilder().Trigger().Transform("b").Edge("start", "b").Plan();

        var ex = Assert.Throws<SchedulerException>(() => RunScheduler.Apply(other, RunState.Create(plan, "r", 1), new RunStarted(null, RunHarness.T0)));

        Assert.Equal("run.state_plan_mismatch", ex.Code);
    }

    [Fact]
    public void Compile_WhenGraphIsInvalid_ThrowsWithEveryProblem()
    {
        var graph = new GraphBuilder().Transform("a").Edge("a", "ghost").Build();

        var ex = Assert.Throws<GraphInvalidException>(() => RunPlan.Compile(graph, NodeTypeCatalog.BuiltIn));

        Assert.Equal("graph.invalid", ex.Code);
        Assert.Contains(ex.Problems, p => p.Code == GraphProblemCodes.TriggerMissing);
        Assert.Contains(ex.Problems, p => p.Code == GraphProblemCodes.EdgeDangling);
    }

    [Fact]
    public void ChangedNodes_WhenAnEventChangesTwoNodes_ReturnsExactlyThose()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a", "b", "c").Edge("start", "a").Edge("a", "b").Edge("start", "c").Plan());
        run.Start();
        var before = run.State;

        run.Complete("a");

        Assert.Equal(["a", "b"], run.State.ChangedNodes(before).Select(n => n.NodeId));
    }

    [Fact]
    public void ExecuteNode_CarriesTheNodesTypeAndEffectiveTimeout()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Node("h", "http.request", """{"url":"https://x"}""").Node("d", "delay", """{"seconds":5}""")
            .Edge("start", "h").Edge("start", "d").Plan());

        run.Start();

        Assert.Equal([("http.request", TimeSpan.FromSeconds(30)), ("delay", (TimeSpan?)null)], run.Executed.Select(e => (e.NodeType, e.Timeout)));
    }

    [Fact]
    public void Activation_WhenOutputIsJsonNull_WritesNull()
    {
        var activation = new NodeActivation("r", "n", 1, 1, null, [new UpstreamResult("a", "success", null, null)]);

        Assert.Equal("""{"input":null,"nodes":{"a":{"outcome":"success","output":null}},"run":{"id":"r"},"node":{"id":"n","attempt":1,"iteration":1}}""",
            activation.ToJsonElement().GetRawText());
        Assert.Equal(JsonValueKind.Object, activation.ToJsonElement().ValueKind);
    }
}

public sealed class RunRetryTests
{
    [Fact]
    public void Apply_WhenAFailedRunIsRetried_RerunsTheFailedNodeAndTheCancelledWorkThenCompletes()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a", "b", "after", "done")
            .Edge("start", "a").Edge("start", "b").Edge("a", "after").Edge("start", "done").Plan());
        run.Start();
        run.Complete("done");
        run.Fail("a", code: "cel.eval_error");
        Assert.Equal(RunStatus.Failed, run.State.Status);

        var retried = run.Apply(new RunRetryRequested(run.Now));

        Assert.Null(retried.Ignored);
        Assert.Equal(["run1:a:2", "run1:b:2"], retried.Commands.OfType<ExecuteNode>().Select(e => e.IdempotencyKey));
        Assert.Equal((RunStatus.Running, null), (run.State.Status, run.State.Error));
        Assert.Equal(NodeStatus.Succeeded, run.Status("done"));
        run.Complete("a");
        run.Complete("b");
        run.Complete("after");
        Assert.Equal(RunStatus.Completed, run.State.Status);
        Assert.Equal(["a", "b", "done", "a", "b", "after"], run.ExecutedIds);
    }

    [Fact]
    public void Apply_WhenTheRunDidNotFailAtANode_IgnoresARetry()
    {
        var run = new RunHarness(new GraphBuilder().Trigger().Transform("a").Edge("start", "a").Plan());
        run.Start();

        Assert.Equal("run.not_retryable", run.Apply(new RunRetryRequested(run.Now)).Ignored);
        run.Apply(new CancelRequested(run.Now));
        Assert.Equal("run.not_retryable", run.Apply(new RunRetryRequested(run.Now)).Ignored);
    }
}
