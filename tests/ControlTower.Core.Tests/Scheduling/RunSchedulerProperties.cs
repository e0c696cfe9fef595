using System.Text.Json;
using ControlTower.Core.Graphs;
using ControlTower.Core.Scheduling;
using FsCheck;
using FsCheck.Fluent;

namespace ControlTower.Core.Tests.Scheduling;

/// <summary>
/// Properties over random graphs driven by a random (seeded) executor: outcomes, failures,
/// retries, waits, duplicate deliveries and cancellations in random order.
/// </summary>
public sealed class RunSchedulerProperties
{
    public sealed record Scenario(int Seed, int NodeCount, bool WithLoop, int StepBudget, bool MayCancel, bool MayRetryRun = false);

    private static readonly Arbitrary<Scenario> Scenarios = Arb.From(
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from count in Gen.Choose(2, 14)
        from loop in Gen.Elements(false, false, true)
        from budget in Gen.Elements(8, 30, 1000)
        from cancel in Gen.Elements(false, false, false, true)
        from retryRun in Gen.Elements(false, true)
        select new Scenario(seed, count, loop, budget, cancel, retryRun));

    private const int MaxEvents = 5000;

    [Fact]
    public void Apply_OverRandomGraphs_EveryRunTerminatesWithinBudgetAndEveryNodeEndsFinal() =>
        Prop.ForAll(Scenarios, scenario =>
        {
            var trace = Simulate(scenario);
            Assert.True(trace.Final.IsFinished, $"{scenario}: run did not finish: {trace.Final.Status}");
            Assert.All(trace.Final.Nodes, n => Assert.True(n.IsFinal, $"{scenario}: node {n.NodeId} ended {n.Status}"));
            var executions = trace.Commands.OfType<ExecuteNode>().Count();
            Assert.True(executions + 1 <= trace.Plan.StepBudget, $"{scenario}: {executions + 1} steps > {trace.Plan.StepBudget}");
            Assert.Equal(executions + 1, trace.Final.StepsUsed);
            if (trace.Final.Status == RunStatus.Completed)
            {
                Assert.DoesNotContain(trace.Final.Nodes, n => n.Status == NodeStatus.Cancelled);
                Assert.Single(trace.Commands.OfType<CompleteRun>());
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(400));

    [Fact]
    public void Apply_OverRandomGraphs_NoNodeExecutesTwiceWithoutARetryOrALoop() =>
        Prop.ForAll(Scenarios, scenario =>
        {
            var trace = Simulate(scenario);
            var keys = trace.Commands.OfType<ExecuteNode>().Select(e => e.IdempotencyKey).ToList();
            Assert.Equal(keys.Count, keys.Distinct().Count());
            var allowance = new Dictionary<string, int>();
            var loopResets = trace.Plan.LoopEdges.Length > 0;
            for (var c = 0; c < trace.Commands.Count; c++)
            {
                if (trace.RunRetryMarks.Contains(c))
                {
                    foreach (var node in trace.Plan.Nodes)
                    {
                        allowance[node.Id] = allowance.GetValueOrDefault(node.Id) + 1;
                    }
                }

                switch (trace.Commands[c])
                {
                    case ScheduleRetry retry:
                        allowance[retry.NodeId] = allowance.GetValueOrDefault(retry.NodeId) + 1;
                        break;
                    case ExecuteNode execute when execute.Attempt > 1 && !loopResets:
                        Assert.True(allowance.GetValueOrDefault(execute.NodeId) > 0, $"{scenario}: {execute.NodeId} attempt {execute.Attempt} without a retry");
                        allowance[execute.NodeId]--;
                        break;
                }
            }

            if (!loopResets && trace.RunRetryMarks.Count == 0)
            {
                Assert.All(trace.Final.Nodes, n => Assert.True(n.Activations <= 1, $"{scenario}: {n.NodeId} activated {n.Activations} times"));
                Assert.True(trace.FinalNeverLeftFinal, $"{scenario}: a final node changed status");
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(400));

    [Fact]
    public void Apply_OverRandomGraphs_SameInputsGiveIdenticalStatesAndCommands() =>
        Prop.ForAll(Scenarios, scenario =>
        {
            var first = Simulate(scenario);
            var second = Simulate(scenario);
            Assert.Equal(first.StateJson, second.StateJson);
            Assert.Equal(Describe(first.Commands), Describe(second.Commands));
            Assert.Equal(first.StateJson, RunStateJson.Serialize(RunStateJson.Deserialize(first.StateJson)));
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(400));

    [Fact]
    public void Apply_OverRandomGraphs_JoinsFireOnlyWhenAllInputsResolvedAndOneTaken() =>
        Prop.ForAll(Scenarios, scenario =>
        {
            var trace = Simulate(scenario, checkJoins: true);
            Assert.True(trace.JoinViolation is null, $"{scenario}: {trace.JoinViolation}");
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(400));

    [Fact]
    public void Simulate_OverManyScenarios_CoversEveryWayARunCanEnd()
    {
        var random = new Random(2026);
        var traces = Enumerable.Range(0, 400)
            .Select(_ => new Scenario(random.Next(), random.Next(2, 15), random.Next(3) == 0, new[] { 8, 30, 1000 }[random.Next(3)], random.Next(4) == 0, random.Next(2) == 0))
            .Select(s => Simulate(s)).ToList();

        Assert.Contains(traces, t => t.Final.Status == RunStatus.Completed);
        Assert.Contains(traces, t => t.Final.Status == RunStatus.Cancelled);
        Assert.Contains(traces, t => t.Final.Error?.Code == "run.step_budget_exceeded");
        Assert.Contains(traces, t => t.Final.Error?.Code == "run.loop_bound_exceeded");
        Assert.Contains(traces, t => t.Final.Error?.Code == "sim.failure");
        Assert.Contains(traces, t => t.Final.Status == RunStatus.Completed && t.Final.LoopIterations.Any(i => i > 0));
        Assert.Contains(traces, t => t.Final.Status == RunStatus.Completed && t.Final.Nodes.Any(n => n.Status == NodeStatus.Failed));
        Assert.Contains(traces, t => t.Final.Status == RunStatus.Completed && t.Final.Nodes.Any(n => n.Status == NodeStatus.Skipped));
        Assert.Contains(traces, t => t.Commands.OfType<ScheduleRetry>().Any());
        Assert.Contains(traces, t => t.Final.Status == RunStatus.Completed && t.RunRetryMarks.Count > 0);
    }

    private static IEnumerable<string> Describe(IEnumerable<RunCommand> commands) =>
        commands.Select(c => c is ExecuteNode e ? $"exec {e.IdempotencyKey} {e.Activation.ToJson().ToJsonString()}" : c.ToString()!);

    /// <param name="RunRetryMarks">Positions in <paramref name="Commands"/> where a failed run was retried from its failed node.</param>
    private sealed record Trace(RunPlan Plan, RunState Final, List<RunCommand> Commands, bool FinalNeverLeftFinal, string? JoinViolation, List<int> RunRetryMarks)
    {
        public string StateJson => RunStateJson.Serialize(Final);
    }

    private static readonly string[] Types = ["transform", "condition", "switch", "merge.any", "merge.all", "http.request", "approval", "fail"];

    internal static WorkflowGraph RandomGraph(Random random, int count, bool withLoop, int stepBudget)
    {
        var builder = new GraphBuilder().Trigger("n0").Config("stepBudget", stepBudget);
        var outcomes = new List<string[]> { new[] { "success" } };
        for (var i = 1; i < count; i++)
        {
            var type = Types[random.Next(Types.Length)];
            var retry = new RetryPolicy(random.Next(1, 4), TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(30), 0.5);
            switch (type)
            {
                case "condition":
                    builder.Node($"n{i}", type, """{"expression":"true"}""");
                    outcomes.Add(["true", "false"]);
                    break;
                case "switch":
                    builder.Node($"n{i}", type, """{"cases":[{"name":"a","when":"true"},{"name":"b","when":"false"}]}""");
                    outcomes.Add(["a", "b", "default"]);
                    break;
                case "merge.any" or "merge.all":
                    builder.Node($"n{i}", "merge", $$"""{"mode":"{{type[6..]}}"}""");
                    outcomes.Add(["success"]);
                    break;
                case "approval":
                    builder.Node($"n{i}", type, """{"title":"t"}""");
                    outcomes.Add(["approved", "rejected", "expired"]);
                    break;
                case "fail":
                    builder.Node($"n{i}", type, """{"code":"x.y","message":"m"}""");
                    outcomes.Add([]);
                    break;
                case "http.request":
                    builder.Node($"n{i}", type, """{"url":"https://x"}""", retry);
                    outcomes.Add(["success"]);
                    break;
                default:
                    builder.Node($"n{i}", type, """{"expression":"1"}""", retry);
                    outcomes.Add(["success"]);
                    break;
            }

            var sources = Enumerable.Range(0, i).OrderBy(_ => random.Next()).Take(random.Next(1, Math.Min(i, 3) + 1));
            foreach (var source in sources)
            {
                var handles = outcomes[source].Append("error").ToArray();
                builder.Edge($"n{source}", $"n{i}", source == 0 ? "success" : handles[random.Next(handles.Length)]);
            }
        }

        var graph = builder.Build();
        if (withLoop && count > 2)
        {
            var tail = random.Next(2, count);
            var forward = GraphAlgorithms.Adjacency(count,
                graph.Edges.Select(e => (int.Parse(e.Source[1..], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(e.Target[1..], System.Globalization.CultureInfo.InvariantCulture))));
            var heads = Enumerable.Range(1, tail).Where(h => GraphAlgorithms.Reaches(forward, h, tail)).ToList();
            if (heads.Count > 0)
            {
                var handles = outcomes[tail].Append("error").ToArray();
                var loop = new GraphEdge($"n{tail}", $"n{heads[random.Next(heads.Count)]}", handles[random.Next(handles.Length)]) { Loop = new LoopBound(random.Next(1, 4)) };
                graph = graph with { Edges = [.. graph.Edges, loop] };
            }
        }

        return graph;
    }

    private static Trace Simulate(Scenario scenario, bool checkJoins = false)
    {
        var random = new Random(scenario.Seed);
        var graph = RandomGraph(random, scenario.NodeCount, scenario.WithLoop, scenario.StepBudget);
        Assert.Empty(GraphValidator.Validate(graph, NodeTypeCatalog.BuiltIn, GraphLimits.Default, GraphValidationHooks.None));
        var plan = RunPlan.Compile(graph, NodeTypeCatalog.BuiltIn);
        var state = RunState.Create(plan, $"run-{scenario.Seed}", scenario.Seed);
        var commands = new List<RunCommand>();
        var inFlight = new List<RunEvent>();
        var past = new List<RunEvent>();
        var now = RunHarness.T0;
        var finalNeverLeftFinal = true;
        string? joinViolation = null;
        var retryMarks = new List<int>();

        void Apply(RunEvent evt)
        {
            var result = RunScheduler.Apply(plan, state, evt);
            for (var i = 0; i < state.Nodes.Length && evt is not RunRetryRequested; i++)
            {
                finalNeverLeftFinal &= !state.Nodes[i].IsFinal || result.State.Nodes[i].Status == state.Nodes[i].Status;
            }

            state = result.State;
            commands.AddRange(result.Commands);
            past.Add(evt);
            foreach (var command in result.Commands)
            {
                switch (command)
                {
                    case ExecuteNode e:
                        if (checkJoins)
                        {
                            joinViolation ??= CheckJoin(plan, state, e);
                        }

                        inFlight.Add(Outcome(plan, e, random, now));
                        break;
                    case ScheduleRetry r:
                        inFlight.Add(new RetryDue(r.NodeId, r.NextAttempt, r.DueAt));
                        break;
                }
            }
        }

        Apply(new RunStarted(RunHarness.Json("""{"seed":1}"""), now));
        for (var step = 0; step < MaxEvents; step++)
        {
            now = now.AddSeconds(1);
            if (state.IsFinished)
            {
                if (!scenario.MayRetryRun || retryMarks.Count >= 2 || state.Error?.NodeId is not { } failed || state.Node(failed).Status != NodeStatus.Failed)
                {
                    break;
                }

                retryMarks.Add(commands.Count);
                Apply(new RunRetryRequested(now));
                continue;
            }

            var roll = random.NextDouble();
            if (scenario.MayCancel && roll < 0.03)
            {
                Apply(new CancelRequested(now));
            }
            else if (roll < 0.08 && past.Count > 1)
            {
                Apply(past[random.Next(past.Count)]);
            }
            else
            {
                Assert.True(inFlight.Count > 0, $"{scenario}: run is {state.Status} with nothing in flight");
                var index = random.Next(inFlight.Count);
                var evt = inFlight[index];
                inFlight.RemoveAt(index);
                Apply(evt);
            }
        }

        return new Trace(plan, state, commands, finalNeverLeftFinal, joinViolation, retryMarks);
    }

    /// <summary>What the executor reports for an attempt: mostly a declared outcome, sometimes a failure or a wait followed by an outcome.</summary>
    private static RunEvent Outcome(RunPlan plan, ExecuteNode e, Random random, DateTimeOffset now)
    {
        var node = plan.Node(e.NodeId);
        var roll = random.NextDouble();
        if (node.Outcomes.Length == 0 || roll < 0.15)
        {
            return new NodeFailed(e.NodeId, e.Attempt, "sim.failure", "simulated", random.NextDouble() < 0.7, now);
        }

        var outcome = node.Outcomes[random.Next(node.Outcomes.Length)];
        return new NodeCompleted(e.NodeId, e.Attempt, outcome, JsonDocument.Parse($$"""{"attempt":{{e.Attempt}}}""").RootElement.Clone(), now);
    }

    /// <summary>
    /// At dispatch of a first try of a first activation, every incoming forward edge must be resolved
    /// (merge any: one taken) and at least one taken. A taken loop edge activates its target directly.
    /// </summary>
    private static string? CheckJoin(RunPlan plan, RunState state, ExecuteNode e)
    {
        var node = plan.Node(e.NodeId);
        var loopedInto = plan.LoopEdges.Any(l => plan.Edges[l].Target == node.Index && state.LoopIterations[plan.Edges[l].LoopOrdinal] > 0);
        if (state.Node(e.NodeId) is not { Tries: 1, Activations: 1 } || node.IncomingForward.Length == 0 || loopedInto)
        {
            return null;
        }

        var sources = node.IncomingForward.Select(i => (Edge: plan.Edges[i], Source: state.Nodes[plan.Edges[i].Source])).ToList();
        var taken = sources.Any(s => s.Source.Status is NodeStatus.Succeeded or NodeStatus.Failed && s.Source.Outcome == s.Edge.SourceHandle);
        var resolved = sources.All(s => s.Source.IsFinal);
        return taken && (resolved || node.MergeAny) ? null : $"{e.NodeId} dispatched with taken={taken} resolved={resolved}";
    }
}
