using System.Text.Json.Nodes;
using ControlTower.Core.Retention;

namespace ControlTower.Core.Tests.Retention;

public sealed class RetentionPolicyTests
{
    [Fact]
    public void FromGraphConfig_WhenAbsent_KeepsEverythingAndTheGlobalPolicyApplies()
    {
        var (policy, problem) = RetentionPolicy.FromGraphConfig(new JsonObject());

        Assert.Null(problem);
        Assert.Equal(new RetentionPolicy(30, 500), policy.Over(new RetentionPolicy(30, 500)));
    }

    [Fact]
    public void Over_WhenTheWorkflowSetsOneField_ReplacesOnlyThatField()
    {
        var (policy, problem) = RetentionPolicy.FromGraphConfig(new JsonObject { ["retention"] = new JsonObject { ["maxRuns"] = 5 } });

        Assert.Null(problem);
        Assert.Equal(new RetentionPolicy(30, 5), policy.Over(new RetentionPolicy(30, null)));
    }

    [Theory]
    [InlineData("""{"retention": 7}""", "must be an object")]
    [InlineData("""{"retention": {"maxAgeDays": 0}}""", "retention.maxAgeDays")]
    [InlineData("""{"retention": {"maxRuns": 1.5}}""", "retention.maxRuns")]
    [InlineData("""{"retention": {"maxRuns": "10"}}""", "retention.maxRuns")]
    [InlineData("""{"retention": {"keep": true}}""", "no field 'keep'")]
    public void FromGraphConfig_WhenMalformed_SaysWhat(string config, string expected)
    {
        var (_, problem) = RetentionPolicy.FromGraphConfig(JsonNode.Parse(config)!.AsObject());

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AgeCutoff_IsNowMinusTheDays_AndNullWithoutAnAgeLimit()
    {
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(now.AddDays(-7), new RetentionPolicy(7, null).AgeCutoff(now));
        Assert.Null(new RetentionPolicy(null, 10).AgeCutoff(now));
        Assert.True(RetentionPolicy.KeepEverything.KeepsEverything);
    }
}
