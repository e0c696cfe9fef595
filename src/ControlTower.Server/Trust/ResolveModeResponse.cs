using ControlTower.Core.Trust;
using ControlTower.Server.Governance;

namespace ControlTower.Server.Trust;

/// <summary>
/// The answer of <c>POST /api/trust/resolve-mode</c>: what mode a proposal would get and why. Property for property the
/// JSON of <see cref="TrustResolution.ToJson"/> (the approval's audit evidence) without the proposal id, plus the gate and
/// the kill switch (which, engaged, makes the mode <c>blocked</c>); a test holds the two shapes equal.
/// </summary>
internal sealed record ResolveModeResponse(
    string ScopeKey,
    TrustScopeParts Scope,
    string Stage,
    string EffectiveStage,
    string Mode,
    string Why,
    bool Shadow,
    string PolicyVersion,
    TrustPredictionsView Predictions,
    string Explanation,
    bool RunsWithoutWaiting,
    bool KillSwitch,
    GateDecision Gate)
{
    public static ResolveModeResponse From(TrustResolution resolution, KillSwitchView killSwitch, GateDecision gate)
    {
        var mode = resolution.Mode;
        var response = new ResolveModeResponse(resolution.Scope.Key, TrustScopeParts.From(resolution.Scope), resolution.ScopeStage.Name(), mode.Stage.Name(),
            mode.Mode, mode.Why, !mode.ShowPredictions, resolution.PolicyVersion, TrustPredictionsView.From(resolution.Predictions),
            TrustResolution.Explain(resolution.Predictions), mode.RunsWithoutWaiting, killSwitch.Engaged, gate);
        return killSwitch.Engaged
            ? response with { Mode = "blocked", RunsWithoutWaiting = false, Why = $"the kill switch is engaged: {killSwitch.Reason}" }
            : response;
    }
}

internal sealed record TrustScopeParts(string Tenant, string Site, string Queue, string ActionType, string Role)
{
    public static TrustScopeParts From(TrustScope scope) => new(scope.Tenant, scope.Site, scope.Queue, scope.ActionType, scope.Role);
}

/// <summary>The three predictions, rounded to 4 decimals as the evidence records them.</summary>
internal sealed record TrustPredictionsView(TrustPredictionView Approval, TrustPredictionView Success, AnomalyPredictionView Anomaly)
{
    public static TrustPredictionsView From(TrustPredictions p) => new(
        TrustPredictionView.From(p.Approval),
        TrustPredictionView.From(p.Success),
        new AnomalyPredictionView(Round(p.Anomaly.Score), p.Anomaly.Anomalous, p.Anomaly.ModelVersion, p.Anomaly.ColdStart, ContributionView.From(p.Anomaly.TopContributions)));

    internal static double Round(double value) => Math.Round(value, 4);
}

/// <summary>A probability, the model (or prior, <see cref="ColdStart"/>) that gave it, and its top contributions.</summary>
internal sealed record TrustPredictionView(double Probability, string ModelVersion, bool ColdStart, IReadOnlyList<ContributionView> Contributions)
{
    public static TrustPredictionView From(TrustPrediction p) =>
        new(TrustPredictionsView.Round(p.Probability), p.ModelVersion, p.ColdStart, ContributionView.From(p.TopContributions));
}

internal sealed record AnomalyPredictionView(double Score, bool Anomalous, string ModelVersion, bool ColdStart, IReadOnlyList<ContributionView> Contributions);

/// <summary>How much one feature (at its value) moved the prediction, in probability units.</summary>
internal sealed record ContributionView(string Feature, string Value, double Contribution)
{
    public static IReadOnlyList<ContributionView> From(IReadOnlyList<FeatureContribution> contributions) =>
        [.. contributions.Select(c => new ContributionView(c.Feature, c.Value, TrustPredictionsView.Round(c.Contribution)))];
}
