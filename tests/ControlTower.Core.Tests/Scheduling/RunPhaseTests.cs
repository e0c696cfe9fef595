using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;
using ControlTower.Core.Scheduling;

namespace ControlTower.Core.Tests.Scheduling;

/// <summary>A run's phase: the graph's <c>config.phases</c>, read from the node that succeeded last among those naming one.</summary>
public sealed class RunPhaseTests
{
    private static WorkflowGraph Graph(JsonObject phases)
    {
        var graph = new GraphBuilder().Trigger().Node("c", "condition", """{"expression":"true"}""").Transform("ok", "no", "done")
            .Edge("start", "c").Edge("c", "ok", "true").Edge("c", "no", "false").Edge("ok", "done").Build();
        return graph with { Config = new JsonObject { ["phases"] = phases } };
    }

    private static JsonObject Phases() => new() { ["start"] = "ordered", ["ok"] = "granted", ["no"] = "failed", ["done"] = "completed" };

    [Fact]
    public void PhaseOf_WhenNodesSucceed_FollowsTheLastOneThatNamesAPhase()
    {
        var run = new RunHarness(RunPlan.Compile(Graph(Phases()), NodeTypeCatalog.BuiltIn));
        Assert.Null(run.Plan.PhaseOf(run.State));

        run.Start();
        var ordered = run.Plan.PhaseOf(run.State);
        run.Complete("c", "true");
        var afterCondition = run.Plan.PhaseOf(run.State);
        run.Complete("ok");
        var granted = run.Plan.PhaseOf(run.State);
        run.Complete("done");

        Assert.Equal(("ordered", "ordered", "granted", "completed"), (ordered, afterCondition, granted, run.Plan.PhaseOf(run.State)));
    }

    [Fact]
    public void PhaseOf_WhenThePhaseNodeFails_KeepsThePreviousPhase()
    {
        var run = new RunHarness(RunPlan.Compile(Graph(Phases()), NodeTypeCatalog.BuiltIn));
        run.Start();
        run.Complete("c", "true");

        run.Fail("ok");

        Assert.Equal("ordered", run.Plan.PhaseOf(run.State));
    }

    [Fact]
    public void Validate_WhenPhasesNameAMissingNodeOrABadWord_ReportsEachAtItsPointer()
    {
        var phases = Phases();
        phases["ghost"] = "lost";
        phases["ok"] = "Not A Word";

        var problems = GraphValidator.Validate(Graph(phases), NodeTypeCatalog.BuiltIn, GraphLimits.Default, GraphValidationHooks.None);

        Assert.Equal(["/config/phases/ghost", "/config/phases/ok"], problems.Where(p => p.Code == GraphProblemCodes.ConfigInvalid).Select(p => p.JsonPointer).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_WhenPhasesIsNotAnObject_IsAConfigProblem()
    {
        var graph = Graph(Phases()) with { Config = new JsonObject { ["phases"] = "ordered" } };

        var problem = Assert.Single(GraphValidator.Validate(graph, NodeTypeCatalog.BuiltIn, GraphLimits.Default, GraphValidationHooks.None));

        Assert.Equal((GraphProblemCodes.ConfigInvalid, "/config/phases"), (problem.Code, problem.JsonPointer));
    }

    [Fact]
    public void OutcomeOf_ReadsTheOutcomeTheGraphDeclaresForAPhase()
    {
        var graph = Graph(Phases()) with { Config = new JsonObject { ["phases"] = Phases(), ["outcomes"] = new JsonObject { ["completed"] = "success", ["failed"] = "failure" } } };

        var plan = RunPlan.Compile(graph, NodeTypeCatalog.BuiltIn);

        Assert.Equal(("success", "failure", null, null), (plan.OutcomeOf("completed"), plan.OutcomeOf("failed"), plan.OutcomeOf("granted"), plan.OutcomeOf(null)));
    }

    [Fact]
    public void Validate_WhenOutcomesNameAnUndeclaredPhaseOrABadOutcome_ReportsEachAtItsPointer()
    {
        var outcomes = new JsonObject { ["completed"] = "success", ["lost"] = "failure", ["failed"] = "meh" };
        var graph = Graph(Phases()) with { Config = new JsonObject { ["phases"] = Phases(), ["outcomes"] = outcomes } };

        var problems = GraphValidator.Validate(graph, NodeTypeCatalog.BuiltIn, GraphLimits.Default, GraphValidationHooks.None);

        Assert.Equal(["/config/outcomes/failed", "/config/outcomes/lost"], problems.Where(p => p.Code == GraphProblemCodes.ConfigInvalid).Select(p => p.JsonPointer).Order(StringComparer.Ordinal));
    }
}
