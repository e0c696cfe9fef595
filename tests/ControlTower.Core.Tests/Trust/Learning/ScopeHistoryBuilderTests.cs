using System.Text.Json.Nodes;
using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;

namespace ControlTower.Core.Tests.Trust.Learning;

public sealed class ScopeHistoryBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly TrustScope A = new("t1", "s1", "refill", "pharmacy.dispense", "pharmacist");
    private static readonly TrustScope B = A with { Site = "s2" };

    private static TrustExample Example(string id, TrustScope scope, double minutes, bool? approved, bool? succeeded) =>
        new(id, new TrustProposal(scope, [], T0.AddMinutes(minutes), new ScopeHistory(99, 1, 99, 0)), approved, succeeded);

    [Fact]
    public void WithHistory_WhenExamplesArriveInAnyOrder_UsesOnlyEarlierLabelsOfTheSameScope()
    {
        var result = ScopeHistoryBuilder.WithHistory(
        [
            Example("c", A, 60, true, null),
            Example("a", A, 0, true, true),
            Example("x", B, 10, false, null),
            Example("b", A, 30, false, false),
        ]).ToDictionary(e => e.Id, e => e.Proposal.History);

        Assert.Equal(new ScopeHistory(0, null, 0, null), result["a"]);
        Assert.Equal(new ScopeHistory(1, 1.0, 1, null), result["b"]);
        Assert.Equal(new ScopeHistory(2, 0.5, 1, 0.5), result["c"]);
        Assert.Equal(new ScopeHistory(0, null, 0, null), result["x"]);
    }

    [Fact]
    public void WithHistory_WhenAnExamplesOwnLabelsChange_ItsOwnHistoryDoesNot()
    {
        List<TrustExample> Stream(bool? lastApproved, bool? lastSucceeded) =>
            [Example("a", A, 0, true, true), Example("b", A, 5, false, null), Example("c", A, 10, lastApproved, lastSucceeded)];

        var one = ScopeHistoryBuilder.WithHistory(Stream(true, true));
        var other = ScopeHistoryBuilder.WithHistory(Stream(false, false));

        Assert.Equal(one[^1].Proposal.History, other[^1].Proposal.History);
    }
}
