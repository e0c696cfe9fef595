using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;
using ControlTower.Core.Planning;

namespace ControlTower.Core.Tests.Planning;

public sealed class OfflinePlannerTests
{
    private const string IssueExample = "When a refill request arrives by webhook, check the stock with the pharmacy server; if fewer than 20 are left " +
        "ask a pharmacist to approve, then dispense and reply with the new stock.";

    [Fact]
    public void Plan_WhenGivenTheIssueExample_DraftsTheGatedRefill()
    {
        var draft = PlannerData.Plan(IssueExample);

        var graph = Assert.IsType<JsonObject>(draft.Graph);
        Assert.Equal(["trigger", "get_stock", "condition", "approval", "dispense", "reply"], Ids(graph));
        Assert.Equal(
            ["trigger:success>get_stock", "get_stock:success>condition", "condition:true>approval", "approval:approved>dispense", "condition:false>dispense", "dispense:success>reply"],
            Edges(graph));
        Assert.Equal("nodes.get_stock.output.structuredContent.on_hand < 20", (string?)Node(graph, "condition")["config"]!["expression"]);
        Assert.Equal("respond_node", (string?)Node(graph, "trigger")["config"]!["respondMode"]);
        Assert.Equal("{{ input.drug }}", (string?)Node(graph, "dispense")["config"]!["arguments"]!["drug"]);
        Assert.Equal("offline", draft.Planner);
        Assert.Empty(draft.Problems);
    }

    [Fact]
    public void Plan_WhenDrafted_ExplainsEveryNodeAndListsItsAssumptions()
    {
        var draft = PlannerData.Plan(IssueExample);

        Assert.Equal(Ids(draft.Graph!), draft.Explanation.Select(e => e.NodeId));
        Assert.All(draft.Explanation, e => Assert.False(string.IsNullOrWhiteSpace(e.Text)));
        Assert.Contains("'drug' comes from the run input (input.drug).", draft.Assumptions);
        Assert.Contains(draft.Assumptions, a => a.Contains("pharmacist", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_WhenCalledAgain_GivesTheSameGraphByteForByte()
    {
        foreach (var c in PlannerData.Corpus.Where(c => c.Base is null))
        {
            var first = new OfflinePlanner().Plan(new PlanRequest(c.Prompt, PlannerData.Catalog, null));
            var second = new OfflinePlanner().Plan(new PlanRequest(c.Prompt, [.. PlannerData.Catalog], null));

            Assert.Equal(first.Graph?.ToJsonString(), second.Graph?.ToJsonString());
            Assert.Equal(first.Assumptions, second.Assumptions);
            Assert.Equal(first.Problems, second.Problems);
        }
    }

    [Fact]
    public void Plan_WhenEveryCorpusDraftIsValidatedAgain_NoneHasAProblem()
    {
        foreach (var result in PlanCorpus.Run(PlannerData.Corpus, PlannerData.Catalog, new OfflinePlanner().Plan))
        {
            if (result.Draft.Graph is { } graph)
            {
                Assert.Empty(StandardGraphValidation.Validate(JsonNode.Parse(graph.ToJsonString()), GraphLimits.Default));
                Assert.Empty(result.Draft.Problems);
            }
            else
            {
                Assert.NotEmpty(result.Draft.Problems);
            }
        }
    }

    [Fact]
    public void Plan_WhenAToolIsNamedThatNoServerOffers_RefusesWithTheClosestMatches()
    {
        var draft = PlannerData.Plan("Use the search_nodez tool to find 'Alice'.");

        Assert.Null(draft.Graph);
        var problem = Assert.Single(draft.Problems);
        Assert.Equal(PlanProblemCodes.ToolUnknown, problem.Code);
        Assert.Contains("memory/search_nodes", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WhenAnActionHasNoTool_RefusesInsteadOfGuessing()
    {
        var draft = PlannerData.Plan("Check the stock, then send an SMS to the patient.");

        Assert.Null(draft.Graph);
        Assert.Equal(PlanProblemCodes.ToolUnknown, Assert.Single(draft.Problems).Code);
    }

    [Fact]
    public void Plan_WhenTheServerIsNotRegistered_SaysWhichServersThereAre()
    {
        var draft = PlannerData.Plan("Check the stock with the warehouse server.");

        var problem = Assert.Single(draft.Problems);
        Assert.Equal(PlanProblemCodes.ServerUnknown, problem.Code);
        Assert.Contains("pharmacy", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Plan_WhenThePromptIsEmpty_RefusesWithItsCode(string prompt) =>
        Assert.Equal(PlanProblemCodes.PromptEmpty, Assert.Single(PlannerData.Plan(prompt).Problems).Code);

    [Fact]
    public void Plan_WhenThePromptIsTooLong_RefusesWithItsCode() =>
        Assert.Equal(PlanProblemCodes.PromptTooLong,
            Assert.Single(new OfflinePlanner(maxPromptLength: 20).Plan(new PlanRequest("Check the stock and reply with it.", PlannerData.Catalog, null)).Problems).Code);

    [Fact]
    public void Plan_WhenARefinementIsApplied_ExplainsEveryNodeOfTheResult()
    {
        var draft = PlannerData.Plan("Add a 2-hour wait before dispensing.", PlannerData.Plan(IssueExample).Graph);

        Assert.Equal(Ids(draft.Graph!).Order(), draft.Explanation.Select(e => e.NodeId).Order());
    }

    [Fact]
    public void Plan_WhenNothingFollowsTheTrigger_SaysThereIsNothingToDo() =>
        Assert.Equal(PlanProblemCodes.NothingToDo, Assert.Single(PlannerData.Plan("When a webhook arrives.").Problems).Code);

    [Fact]
    public void Plan_WhenArgumentsAreQuotedOrCounted_FillsThemReusesEarlierOnesAndTakesTheRestFromTheInput()
    {
        var graph = PlannerData.Plan("Dispense 30 tablets of 'Lisinopril 10 mg' for prescription 'RX-1002', then restock it with reason 'return'.").Graph!;

        var dispense = Node(graph, "dispense")["config"]!["arguments"]!;
        Assert.Equal(30, (int)dispense["quantity"]!);
        Assert.Equal("Lisinopril 10 mg", (string?)dispense["drug"]);
        Assert.Equal("RX-1002", (string?)dispense["rx"]);
        var restock = Node(graph, "restock")["config"]!["arguments"]!;
        Assert.Equal("Lisinopril 10 mg", (string?)restock["drug"]);
        Assert.Equal("return", (string?)restock["reason"]);
        Assert.Equal(30, (int)restock["quantity"]!);
        Assert.Equal("{{ input.rx }}", (string?)Node(PlannerData.Plan("Restock 'X' with reason 'r', then dispense it.").Graph!, "dispense")["config"]!["arguments"]!["rx"]);
    }

    [Fact]
    public void Plan_WhenAStepNamesAnEarlierResult_ReferencesThatNodesOutput()
    {
        var graph = PlannerData.Plan("Read the text file '/logs/app.log', summarize it with the LLM, and write the summary to '/logs/summary.txt'.").Graph!;

        Assert.Equal("{{ nodes.summarize.output.text }}", (string?)Node(graph, "write_file")["config"]!["arguments"]!["content"]);
        Assert.Contains("nodes.read_text_file.output", (string?)Node(graph, "summarize")["config"]!["prompt"], StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WhenTheManualTriggerNeedsInput_DeclaresItsSchema()
    {
        var graph = PlannerData.Plan("Restock the drug with reason 'delivery'.").Graph!;

        var schema = Node(graph, "trigger")["config"]!["inputSchema"]!;
        Assert.Equal(["drug", "quantity"], schema["required"]!.AsArray().Select(r => (string?)r));
    }

    [Fact]
    public void Plan_WhenALoopIsBounded_DraftsABackEdgeWithTheBound()
    {
        var graph = PlannerData.Plan("Call https://api.example.com/items until the status is 'ready', at most 5 times, waiting 1 minute between tries.").Graph!;

        var back = Assert.Single(graph["edges"]!.AsArray(), e => e!["loop"] is not null)!;
        Assert.Equal(5, (int)back["loop"]!["maxIterations"]!);
        Assert.Equal("http_request", (string?)back["target"]);
    }

    [Fact]
    public void Plan_WhenRefiningWithAWait_InsertsItBeforeTheNamedNode()
    {
        var baseGraph = PlannerData.Plan(IssueExample).Graph!;

        var draft = PlannerData.Plan("Add a 2-hour wait before dispensing.", baseGraph);

        var graph = draft.Graph!;
        Assert.Equal(7200, (int)Node(graph, "wait")["config"]!["seconds"]!);
        Assert.Contains("wait:success>dispense", Edges(graph));
        Assert.Contains("approval:approved>wait", Edges(graph));
        Assert.Contains("condition:false>wait", Edges(graph));
        Assert.DoesNotContain("approval:approved>dispense", Edges(graph));
    }

    [Fact]
    public void Plan_WhenRefiningByRemovingTheApproval_JoinsItsInputsToWhatFollowed()
    {
        var baseGraph = PlannerData.Plan(IssueExample).Graph!;

        var graph = PlannerData.Plan("Remove the approval.", baseGraph).Graph!;

        Assert.DoesNotContain("approval", Ids(graph));
        Assert.Contains("condition:true>dispense", Edges(graph));
        Assert.Contains("condition:false>dispense", Edges(graph));
    }

    [Fact]
    public void Plan_WhenRefiningWithAnotherServerToo_BranchesOffTheLastAction()
    {
        var baseGraph = PlannerData.Plan(IssueExample).Graph!;

        var draft = PlannerData.Plan("Send the result to the memory server too.", baseGraph);

        Assert.Contains("dispense:success>create_entities", Edges(draft.Graph!));
        Assert.Contains("dispense:success>reply", Edges(draft.Graph!));
    }

    [Fact]
    public void Plan_WhenARefinementNamesNoNode_RefusesAndLeavesTheBaseAlone()
    {
        var baseGraph = PlannerData.Plan("List the stock and reply with it.").Graph!;
        var before = baseGraph.ToJsonString();

        var draft = PlannerData.Plan("Add a 1-hour wait before the fax.", baseGraph);

        Assert.Null(draft.Graph);
        Assert.Equal(PlanProblemCodes.RefinementUnresolved, Assert.Single(draft.Problems).Code);
        Assert.Equal(before, baseGraph.ToJsonString());
    }

    [Fact]
    public void Plan_WhenTheBaseGraphIsNotAGraph_Refuses() =>
        Assert.Equal(PlanProblemCodes.RefinementUnresolved, Assert.Single(PlannerData.Plan("Remove the approval.", new JsonObject { ["nodes"] = 3 }).Problems).Code);

    private static List<string> Ids(JsonObject graph) => [.. graph["nodes"]!.AsArray().Select(n => (string)n!["id"]!)];

    private static List<string> Edges(JsonObject graph) =>
        [.. graph["edges"]!.AsArray().Select(e => $"{e!["source"]}:{e["sourceHandle"]}>{e["target"]}")];

    private static JsonObject Node(JsonObject graph, string id) => graph["nodes"]!.AsArray().Single(n => (string?)n!["id"] == id)!.AsObject();
}
