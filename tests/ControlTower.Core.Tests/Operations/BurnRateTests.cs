using ControlTower.Core.Operations;

namespace ControlTower.Core.Tests.Operations;

public sealed class BurnRateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 100, 0.99, 0)]
    [InlineData(1, 100, 0.99, 1)]
    [InlineData(10, 100, 0.99, 10)]
    [InlineData(144, 1000, 0.99, 14.4)]
    [InlineData(6, 1000, 0.999, 6)]
    [InlineData(100, 100, 0.9, 10)]
    [InlineData(0, 0, 0.99, 0)]
    public void Of_IsTheBadShareOverTheAllowedShare(long bad, long total, double objective, double expected) =>
        Assert.Equal(expected, BurnRate.Of(new WindowCounts(total, bad), objective), precision: 9);

    [Theory]
    [InlineData(0, 1000, 0.99, 1)]
    [InlineData(5, 1000, 0.99, 0.5)]
    [InlineData(10, 1000, 0.99, 0)]
    [InlineData(20, 1000, 0.99, -1)]
    public void BudgetRemaining_IsOneMinusTheBurnOverThePeriod(long bad, long total, double objective, double expected) =>
        Assert.Equal(expected, BurnRate.BudgetRemaining(new WindowCounts(total, bad), objective), precision: 9);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    public void Of_WhenObjectiveIsNotAShare_Throws(double objective) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BurnRate.Of(new WindowCounts(10, 1), objective));

    [Fact]
    public void Count_TakesTheHalfOpenWindowEndingNow()
    {
        SloOutcome[] outcomes =
        [
            new(Now - TimeSpan.FromMinutes(5), false), // exactly at the start: outside
            new(Now - TimeSpan.FromMinutes(4), false),
            new(Now, true), // exactly now: inside
            new(Now + TimeSpan.FromSeconds(1), false), // the future: outside
        ];

        Assert.Equal(new WindowCounts(2, 1), BurnRate.Count(outcomes, Now, TimeSpan.FromMinutes(5)));
    }

    /// <summary>
    /// The workbook's table for a 99.9 % objective: which rules fire for a given bad share in the long and the short window.
    /// Each case writes 1000 events spread over the long window and 100 in the short one.
    /// </summary>
    [Theory]
    [InlineData("page-1h", 0.0144, 0.0144, true)] // exactly 14.4x in both
    [InlineData("page-1h", 0.0200, 0.0100, false)] // the long window burns, the short one has recovered
    [InlineData("page-1h", 0.0100, 0.0500, false)] // a fresh spike, not enough budget gone yet
    [InlineData("page-6h", 0.0060, 0.0060, true)]
    [InlineData("page-6h", 0.0059, 0.0100, false)]
    [InlineData("ticket-3d", 0.0010, 0.0010, true)]
    [InlineData("ticket-3d", 0.0009, 0.0050, false)]
    public void Evaluate_FiresOnlyWhenBothWindowsBurnAtTheFactor(string ruleName, double longBadShare, double shortBadShare, bool fires)
    {
        var rule = BurnRateRule.Workbook.Single(r => r.Name == ruleName);
        var outcomes = Spread(rule, longBadShare, shortBadShare);

        var evaluation = BurnRate.Evaluate(outcomes, Now, 0.999, [rule]).Single();

        Assert.Equal(fires, evaluation.Firing);
    }

    [Fact]
    public void Workbook_HasTheSreWorkbookRules()
    {
        Assert.Collection(
            BurnRateRule.Workbook,
            r => Assert.Equal((TimeSpan.FromHours(1), TimeSpan.FromMinutes(5), 14.4, AlertSeverity.Page), (r.LongWindow, r.ShortWindow, r.Factor, r.Severity)),
            r => Assert.Equal((TimeSpan.FromHours(6), TimeSpan.FromMinutes(30), 6.0, AlertSeverity.Page), (r.LongWindow, r.ShortWindow, r.Factor, r.Severity)),
            r => Assert.Equal((TimeSpan.FromDays(3), TimeSpan.FromHours(6), 1.0, AlertSeverity.Ticket), (r.LongWindow, r.ShortWindow, r.Factor, r.Severity)));
    }

    /// <summary>
    /// 100 000 events in the long window outside the short one and 10 000 inside it, with bad events chosen so the
    /// long window's share is <paramref name="longBadShare"/> and the short window's is <paramref name="shortBadShare"/>.
    /// </summary>
    private static List<SloOutcome> Spread(BurnRateRule rule, double longBadShare, double shortBadShare)
    {
        const int inShort = 10_000;
        const int outsideShort = 100_000;
        var badInShort = (int)Math.Round(shortBadShare * inShort);
        var badOutside = (int)Math.Round((longBadShare * (inShort + outsideShort)) - badInShort);
        Assert.InRange(badOutside, 0, outsideShort);
        var outcomes = new List<SloOutcome>();
        var shortStep = rule.ShortWindow / (inShort + 1);
        var outsideStep = (rule.LongWindow - rule.ShortWindow) / (outsideShort + 1);
        for (var i = 0; i < inShort; i++)
        {
            outcomes.Add(new(Now - (shortStep * (i + 1)), i >= badInShort));
        }

        for (var i = 0; i < outsideShort; i++)
        {
            outcomes.Add(new(Now - rule.ShortWindow - (outsideStep * (i + 1)), i >= badOutside));
        }

        return outcomes;
    }
}
