using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;
using ControlTower.Core.Planning;

namespace ControlTower.Core.Tests.Planning;

/// <summary>
/// Requests stitched at random (seeded) from real fragments, odd punctuation and junk: the planner never throws, and
/// every graph it returns passes the save validation; everything else is a refusal with problems.
/// </summary>
public sealed class OfflinePlannerRobustnessTests
{
    private static readonly string[] Openers =
    [
        "", "When a refill request arrives, ", "Every weekday at 9, ", "When called as a tool, ", "Every 5 minutes ", "Once a day at 10 pm, ",
        "Whenever someone calls this as an MCP tool named 'x', ", "On a webhook, ", "At midnight every day, ", "When when, ",
    ];

    private static readonly string[] Clauses =
    [
        "check the stock of 'Oxycodone 5 mg'", "list the stock", "dispense 30 units", "restock it with reason 'r'", "ask a pharmacist to approve",
        "wait 2 hours", "reply with the result", "reply 'ok'", "if fewer than 20 are left", "otherwise", "if it fails", "if they reject",
        "read '/a.txt'", "write it to '/b.txt'", "search memory for 'x'", "echo 'hi'", "compute the sum of 3 and 4", "summarize it with the LLM",
        "call https://example.com/x", "fail with 'no'", "keep checking the stock until more than 5 are left, at most 3 times", "send an SMS",
        "unless it is empty", "needs two approvals", "run the workflow 'w'", "extract the name", "then", "and", ",", ";", ".", "'", "\"",
        "if", "until", "at most 0 times", "wait 0 seconds", "reply with status 999", "every", "°∆ unicode ünïcode", "use the zzz_tool tool",
    ];

    [Fact]
    public void Plan_WhenRequestsAreStitchedAtRandom_NeverThrowsAndNeverReturnsAnInvalidGraph()
    {
        var random = new Random(16);
        var planner = new OfflinePlanner();
        var drafted = 0;
        for (var i = 0; i < 400; i++)
        {
            var prompt = Openers[random.Next(Openers.Length)]
                + string.Join(random.Next(3) == 0 ? ", " : " ", Enumerable.Range(0, random.Next(1, 9)).Select(_ => Clauses[random.Next(Clauses.Length)]))
                + (random.Next(2) == 0 ? "." : "");

            var draft = planner.Plan(new PlanRequest(prompt, PlannerData.Catalog, null));

            if (draft.Graph is { } graph)
            {
                drafted++;
                Assert.Empty(StandardGraphValidation.Validate(JsonNode.Parse(graph.ToJsonString()), GraphLimits.Default));
            }
            else
            {
                Assert.NotEmpty(draft.Problems);
            }
        }

        Assert.True(drafted > 50, $"only {drafted} of 400 random requests drafted a graph");
    }

    [Fact]
    public void Plan_WhenRefinementsAreRandom_NeverThrowsAndNeverReturnsAnInvalidGraph()
    {
        var random = new Random(61);
        var baseGraph = PlannerData.Plan("When a refill request arrives, check the stock; if fewer than 20 are left ask a pharmacist to approve, then dispense and reply with the new stock.").Graph!;
        string[] refinements =
        [
            "Add a 2-hour wait before dispensing.", "Remove the approval.", "Remove the trigger.", "Remove the reply.", "Send the result to the memory server too.",
            "Change the wait to 3 hours.", "Require two approvals.", "Add an approval by a manager after the stock check.", "Then echo 'done'.",
            "Remove the condition.", "Add a wait before the nothing.", "Also write it to '/tmp/x.txt'.", "Remove the dispense.", "", "remove", "add",
        ];
        for (var i = 0; i < 200; i++)
        {
            var prompt = string.Join(' ', Enumerable.Range(0, random.Next(1, 4)).Select(_ => refinements[random.Next(refinements.Length)]));

            var draft = PlannerData.Plan(prompt, (JsonObject)baseGraph.DeepClone());

            if (draft.Graph is { } graph)
            {
                Assert.Empty(StandardGraphValidation.Validate(JsonNode.Parse(graph.ToJsonString()), GraphLimits.Default));
            }
            else
            {
                Assert.NotEmpty(draft.Problems);
            }
        }
    }
}
