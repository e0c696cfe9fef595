using System.Text.Json.Nodes;
using ControlTower.Core.Governance;
using ControlTower.Core.Rules;

namespace ControlTower.Core.Tests.Rules;

public sealed class RuleEvaluatorTests
{
    private static Rule R(string id, string condition, RuleAction action, int priority = 0, bool enabled = true) => new(id, condition, action, priority, enabled);

    private static readonly RuleAction Deny = new(RuleActionType.Deny, Reason: "too much");
    private static readonly RuleAction Approve = new(RuleActionType.RequireApproval);

    [Fact]
    public void Evaluate_WhenFirst_StopsAtHighestPriorityMatch()
    {
        var set = new RuleSet(HitPolicy.First, [R("low", "amount > 1", Approve, 1), R("high", "amount > 10", Deny, 5)]);

        var result = RuleEvaluator.Evaluate(set, new JsonObject { ["amount"] = 50 });

        Assert.Equal(["high"], result.Matched.Select(r => r.Id));
        Assert.True(result.Denied);
        Assert.False(result.RequiresApproval);
    }

    [Fact]
    public void Evaluate_WhenCollect_AppliesEveryMatchAndHigherPriorityOutputsWin()
    {
        var set = new RuleSet(HitPolicy.Collect,
        [
            R("a", "true", new RuleAction(RuleActionType.SetOutputs, Outputs: new JsonObject { ["tier"] = "a", ["x"] = 1 }), 1),
            R("b", "true", new RuleAction(RuleActionType.SetOutputs, Outputs: new JsonObject { ["tier"] = "b" }), 2),
            R("t", "true", new RuleAction(RuleActionType.AddTag, Tag: "vip")),
            R("off", "true", Deny, enabled: false),
        ]);

        var result = RuleEvaluator.Evaluate(set, []);

        Assert.Equal(["b", "a", "t"], result.Matched.Select(r => r.Id));
        Assert.Equal("b", result.Outputs["tier"]!.GetValue<string>());
        Assert.Equal(1, result.Outputs["x"]!.GetValue<int>());
        Assert.Equal(["vip"], result.Tags);
        Assert.False(result.Denied);
    }

    [Fact]
    public void Evaluate_WhenUniqueHasTwoMatches_ThrowsUniqueViolation()
    {
        var set = new RuleSet(HitPolicy.Unique, [R("a", "x > 1", Approve), R("b", "x > 2", Deny)]);

        var error = Assert.Throws<RuleException>(() => RuleEvaluator.Evaluate(set, new JsonObject { ["x"] = 5 }));

        Assert.Equal(RuleErrorCodes.UniqueViolation, error.Code);
    }

    [Fact]
    public void Evaluate_WhenConditionIsConjunction_TraceShowsEachPart()
    {
        var set = new RuleSet(HitPolicy.First, [R("r", "amount > 100 && region == 'eu'", Approve)]);

        var result = RuleEvaluator.Evaluate(set, new JsonObject { ["amount"] = 150, ["region"] = "us" });

        var why = Assert.Single(result.Evaluated).Why;
        Assert.Empty(result.Matched);
        Assert.Equal(2, why.Parts.Count);
        Assert.True(why.Parts[0].Value!.GetValue<bool>());
        Assert.False(why.Parts[1].Value!.GetValue<bool>());
        Assert.Equal("region == \"eu\"", why.Parts[1].Expression);
    }

    [Fact]
    public void Evaluate_WhenConditionFailsToEvaluate_RuleDoesNotMatchAndTraceHasTheError()
    {
        var set = new RuleSet(HitPolicy.Collect, [R("r", "missing > 1", Deny)]);

        var result = RuleEvaluator.Evaluate(set, []);

        Assert.Empty(result.Matched);
        Assert.StartsWith("cel.", Assert.Single(result.Evaluated).Why.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_WhenRouteRulesMatch_HighestPriorityRouteWins()
    {
        var set = new RuleSet(HitPolicy.Collect,
        [
            R("r1", "true", new RuleAction(RuleActionType.Route, Outcome: "slow"), 1),
            R("r2", "true", new RuleAction(RuleActionType.Route, Outcome: "fast"), 9),
        ]);

        Assert.Equal("fast", RuleEvaluator.Evaluate(set, []).Route);
    }

    [Fact]
    public void Read_WhenConditionsDoNotCompileOrUseUndeclaredNames_ReportsEveryProblem()
    {
        var json = JsonNode.Parse("""
            { "hitPolicy": "sometimes",
              "inputSchema": { "type": "object", "properties": { "amount": { "type": "number" } } },
              "rules": [
                { "id": "a", "condition": "amount >", "action": { "type": "deny" } },
                { "id": "b", "condition": "amount > 1 && colour == 'red' && [1].all(x, x > 0)", "action": { "type": "deny" } },
                { "id": "b", "condition": "true", "action": { "type": "explode" } } ] }
            """);

        var (set, problems) = RuleSetJson.Read(json);

        Assert.Null(set);
        Assert.Contains(problems, p => p.Code == "rules.hit_policy_invalid");
        Assert.Contains(problems, p => p.Code == "rules.condition_invalid" && p.Pointer == "/rules/0/condition");
        Assert.Contains(problems, p => p.Code == "rules.condition_undeclared" && p.Message.Contains("colour", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Message.Contains("'x'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Code == "rules.action_invalid" && p.Pointer == "/rules/2/action");
    }

    [Fact]
    public void ToJson_WhenParsedBack_GivesTheSameRuleSet()
    {
        var json = JsonNode.Parse("""
            { "hitPolicy": "collect", "rules": [
                { "id": "a", "condition": "x > 1", "priority": 3, "enabled": false, "action": { "type": "set_outputs", "outputs": { "k": 1 } } },
                { "id": "b", "condition": "x < 1", "action": { "type": "route", "outcome": "low", "reason": "small" } } ] }
            """);

        var set = RuleSetJson.Parse(json);
        var again = RuleSetJson.Parse(RuleSetJson.ToJson(set));

        Assert.True(JsonNode.DeepEquals(RuleSetJson.ToJson(set), RuleSetJson.ToJson(again)));
        Assert.Equal(3, again.Rules[0].Priority);
        Assert.False(again.Rules[0].Enabled);
    }

    [Fact]
    public void Compare_WhenEntityAdded_ReportsAnAddedPath()
    {
        var before = JsonNode.Parse("""{ "entities": [], "n": 1 }""");
        var after = JsonNode.Parse("""{ "entities": [ { "name": "x" } ], "n": 2 }""");

        var changes = JsonDiff.Compare(before, after);

        Assert.Equal(["/entities/0:added", "/n:changed"], changes.Select(c => $"{c.Path}:{c.Op}"));
    }
}
