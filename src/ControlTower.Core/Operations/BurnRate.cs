namespace ControlTower.Core.Operations;

/// <summary>How urgent an SLO alert is: a page wakes someone, a ticket waits for working hours.</summary>
public enum AlertSeverity
{
    Ticket,
    Page,
}

/// <summary>
/// One multi-window rule (Google SRE workbook, "multiwindow, multi-burn-rate alerts"): it fires while the burn
/// rate exceeds <see cref="Factor"/> over both the long window (enough budget is gone) and the short window
/// (it is still burning), so it fires fast and clears soon after the burn stops.
/// </summary>
public sealed record BurnRateRule(string Name, TimeSpan LongWindow, TimeSpan ShortWindow, double Factor, AlertSeverity Severity)
{
    /// <summary>The workbook's three rules for a 30-day period: 2 % of the budget in an hour, 5 % in six hours, 10 % in three days.</summary>
    public static IReadOnlyList<BurnRateRule> Workbook { get; } =
    [
        new("page-1h", TimeSpan.FromHours(1), TimeSpan.FromMinutes(5), 14.4, AlertSeverity.Page),
        new("page-6h", TimeSpan.FromHours(6), TimeSpan.FromMinutes(30), 6, AlertSeverity.Page),
        new("ticket-3d", TimeSpan.FromDays(3), TimeSpan.FromHours(6), 1, AlertSeverity.Ticket),
    ];
}

/// <summary>Events counted in a window: all of them, and the ones that spent error budget.</summary>
public readonly record struct WindowCounts(long Total, long Bad);

/// <summary>One event an SLO counts: when it happened and whether it met the objective.</summary>
public readonly record struct SloOutcome(DateTimeOffset At, bool Good);

/// <summary>A rule's verdict at one instant.</summary>
public sealed record RuleEvaluation(BurnRateRule Rule, double LongBurnRate, double ShortBurnRate, bool Firing);

/// <summary>Burn-rate arithmetic: pure, the caller passes the outcomes and the instant.</summary>
public static class BurnRate
{
    /// <summary>How many times faster than sustainable the budget burns: the bad share over the allowed bad share.</summary>
    public static double Of(WindowCounts counts, double objective)
    {
        ValidateObjective(objective);
        return counts.Total == 0 ? 0 : (double)counts.Bad / counts.Total / (1 - objective);
    }

    /// <summary>The share of the period's error budget left: 1 untouched, 0 spent, below 0 overspent.</summary>
    public static double BudgetRemaining(WindowCounts period, double objective) => 1 - Of(period, objective);

    /// <summary>Counts the outcomes in (now - window, now].</summary>
    public static WindowCounts Count(IEnumerable<SloOutcome> outcomes, DateTimeOffset now, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        long total = 0, bad = 0;
        var from = now - window;
        foreach (var outcome in outcomes)
        {
            if (outcome.At > from && outcome.At <= now)
            {
                total++;
                bad += outcome.Good ? 0 : 1;
            }
        }

        return new WindowCounts(total, bad);
    }

    public static IReadOnlyList<RuleEvaluation> Evaluate(IReadOnlyCollection<SloOutcome> outcomes, DateTimeOffset now, double objective, IReadOnlyList<BurnRateRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return [.. rules.Select(rule =>
        {
            var longBurn = Of(Count(outcomes, now, rule.LongWindow), objective);
            var shortBurn = Of(Count(outcomes, now, rule.ShortWindow), objective);
            return new RuleEvaluation(rule, longBurn, shortBurn, AtLeast(longBurn, rule.Factor) && AtLeast(shortBurn, rule.Factor));
        })];
    }

    /// <summary>A burn exactly at the factor fires: compared with a relative tolerance, as 0.0144 / 0.001 is 14.399999... in binary.</summary>
    private static bool AtLeast(double burn, double factor) => burn >= factor * (1 - 1e-9);

    private static void ValidateObjective(double objective)
    {
        if (objective is <= 0 or >= 1 || double.IsNaN(objective))
        {
            throw new ArgumentOutOfRangeException(nameof(objective), objective, "An objective is a share strictly between 0 and 1.");
        }
    }
}
