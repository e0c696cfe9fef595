namespace ControlTower.Core.Trust;

/// <summary>What <c>conditional_auto</c> asks of the predictions before an action may run without waiting.</summary>
public sealed record ModeThresholds(double AutoApproval = 0.90, double AutoSuccess = 0.95);

/// <summary>
/// How one proposal is handled: whether it runs without waiting, the mode that decided (<c>person</c> or the stage),
/// whether the approver is shown the predictions (not in <c>observe</c>: shadow), and why.
/// </summary>
public sealed record ModeDecision(TrustStage Stage, bool RunsWithoutWaiting, string Mode, bool ShowPredictions, string Why);

/// <summary>
/// The stage's say over one governed action, after the kill switch, rules and gate (which the caller applied first and
/// which still win): <paramref name="cap"/> is the highest stage the gate allows (<c>propose</c> when it is revoked),
/// and a rule that requires approval sends it to a person whatever the stage. Pure.
/// </summary>
public static class TrustModeResolver
{
    public static ModeDecision Resolve(TrustStage stage, TrustStage cap, bool ruleRequiresApproval, bool reversible, TrustPredictions predictions, ModeThresholds thresholds)
    {
        var effective = TrustStages.Min(stage, cap);
        var show = effective > TrustStage.Observe;
        var capped = effective < stage ? $" (the gate caps {stage.Name()} at {cap.Name()})" : "";
        if (ruleRequiresApproval)
        {
            return Person(effective, show, "a rule requires a person's approval whatever the stage" + capped);
        }

        var anomaly = predictions.Anomaly;
        var approval = predictions.Approval.Probability;
        var success = predictions.Success.Probability;
        return effective switch
        {
            TrustStage.Observe => Person(effective, false, "observe: a person decides; the predictions are recorded in shadow" + capped),
            TrustStage.Propose => Person(effective, true, "propose: a person decides, shown the predictions" + capped),
            TrustStage.GuardedAuto when !reversible => Person(effective, true, "guarded_auto, but the action declares no compensation: a person decides"),
            TrustStage.GuardedAuto when anomaly.Anomalous => Person(effective, true, $"guarded_auto, but the proposal is anomalous (score {F(anomaly.Score)}): a person decides"),
            TrustStage.GuardedAuto => Auto(effective, "guarded_auto: reversible and not anomalous, so it runs now; a person may veto (roll back) inside the window" + capped),
            TrustStage.ConditionalAuto when anomaly.Anomalous => Person(effective, true, $"conditional_auto, but the proposal is anomalous (score {F(anomaly.Score)}): a person decides"),
            TrustStage.ConditionalAuto when approval < thresholds.AutoApproval || success < thresholds.AutoSuccess =>
                Person(effective, true, $"conditional_auto, but predicted approval {F(approval)} (needs {F(thresholds.AutoApproval)}) or success " +
                    $"{F(success)} (needs {F(thresholds.AutoSuccess)}) is too low: a person decides"),
            TrustStage.ConditionalAuto => Auto(effective, $"conditional_auto: predicted approval {F(approval)} and success {F(success)} clear their thresholds and it is not anomalous" + capped),
            _ when anomaly.Anomalous => Person(effective, true, $"full_auto, but the proposal is anomalous (score {F(anomaly.Score)}): a person decides"),
            _ => Auto(effective, "full_auto: not anomalous, so it runs"),
        };
    }

    private static ModeDecision Person(TrustStage stage, bool show, string why) => new(stage, false, TrustModes.Person, show, why);

    private static ModeDecision Auto(TrustStage stage, string why) => new(stage, true, stage.Name(), true, why);

    private static string F(double value) => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
