using System.Text.Json.Nodes;
using ControlTower.Core.Rules;
using FsCheck;
using FsCheck.Fluent;

namespace ControlTower.Core.Tests.Rules;

/// <summary>Hit policies over random rule sets and inputs.</summary>
public sealed class RuleHitPolicyProperties
{
    private static readonly string[] Conditions = ["x > 0", "x > 5", "x < 3", "x % 2 == 0", "y == 'a'", "y != 'a' || x == 1", "true", "false", "missing > 1"];

    private static Gen<RuleAction> Action() => Gen.OneOf(
        Gen.Elements("a", "b", "c").Select(k => new RuleAction(RuleActionType.SetOutputs, Outputs: new JsonObject { [k] = k + "!" })),
        Gen.Elements("t1", "t2").Select(t => new RuleAction(RuleActionType.AddTag, Tag: t)),
        Gen.Constant(new RuleAction(RuleActionType.RequireApproval)),
        Gen.Constant(new RuleAction(RuleActionType.Deny)),
        Gen.Elements("left", "right").Select(o => new RuleAction(RuleActionType.Route, Outcome: o)));

    private static Gen<List<Rule>> Rules() =>
        from count in Gen.Choose(0, 8)
        from specs in Gen.ListOf(
            from condition in Gen.Elements(Conditions)
            from action in Action()
            from priority in Gen.Choose(0, 3)
            from enabled in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
            select (condition, action, priority, enabled), count)
        select specs.Select((s, i) => new Rule($"r{i}", s.condition, s.action, s.priority, s.enabled)).ToList();

    private static Gen<JsonObject> Inputs() =>
        from x in Gen.Choose(-2, 8)
        from y in Gen.Elements("a", "b")
        select new JsonObject { ["x"] = x, ["y"] = y };

    private static Gen<(List<Rule> Rules, List<Rule> Shuffled, JsonObject Input)> Cases() =>
        from rules in Rules()
        from keys in Gen.ListOf(Gen.Choose(0, 1000), rules.Count)
        from input in Inputs()
        select (rules, rules.Zip(keys).OrderBy(p => p.Second).Select(p => p.First).ToList(), input);

    [Fact]
    public void Evaluate_WhenCollectRulesAreReordered_GivesTheSameResult()
    {
        Prop.ForAll(Arb.From(Cases()), c =>
        {
            var a = RuleEvaluator.Evaluate(new RuleSet(HitPolicy.Collect, c.Rules), c.Input).ToJson();
            var b = RuleEvaluator.Evaluate(new RuleSet(HitPolicy.Collect, c.Shuffled), c.Input).ToJson();
            a.Remove("evaluated");
            b.Remove("evaluated");
            return JsonNode.DeepEquals(a, b);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Evaluate_WhenUnique_ErrorsExactlyWhenCollectFindsTwoOrMoreMatches()
    {
        Prop.ForAll(Arb.From(Cases()), c =>
        {
            var collected = RuleEvaluator.Evaluate(new RuleSet(HitPolicy.Collect, c.Rules), c.Input).Matched;
            try
            {
                var unique = RuleEvaluator.Evaluate(new RuleSet(HitPolicy.Unique, c.Rules), c.Input);
                return collected.Count <= 1 && unique.Matched.Select(r => r.Id).SequenceEqual(collected.Select(r => r.Id));
            }
            catch (RuleException ex) when (ex.Code == RuleErrorCodes.UniqueViolation)
            {
                return collected.Count >= 2;
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Evaluate_WhenFirst_MatchesAtMostOneRuleThatCollectAlsoMatches()
    {
        Prop.ForAll(Arb.From(Cases()), c =>
        {
            var first = RuleEvaluator.Evaluate(new RuleSet(HitPolicy.First, c.Rules), c.Input).Matched;
            var collected = RuleEvaluator.Evaluate(new RuleSet(HitPolicy.Collect, c.Rules), c.Input).Matched;
            return first.Count == Math.Min(1, collected.Count)
                && first.All(r => collected.Contains(r) && r.Priority == collected.Max(m => m.Priority));
        }).QuickCheckThrowOnFailure();
    }
}
