using System.Globalization;
using System.Text.Json.Nodes;
using ControlTower.Core.Trust;

namespace ControlTower.Server.Trust;

/// <summary>
/// What the trust system says about one proposal: its scope and id, the features it was scored on, the predictions,
/// the scope's stage and the mode that decides. <see cref="Evidence"/> is what an approval carries (no predictions in
/// <c>observe</c>: they are recorded in shadow so they can be scored honestly).
/// </summary>
internal sealed record TrustResolution(TrustScope Scope, string ProposalId, TrustProposal Proposal, TrustPredictions Predictions, ModeDecision Mode, TrustStage ScopeStage, string PolicyVersion)
{
    public JsonObject Evidence()
    {
        var evidence = new JsonObject
        {
            ["scopeKey"] = Scope.Key,
            ["scope"] = ScopeJson(Scope),
            ["proposalId"] = ProposalId,
            ["stage"] = ScopeStage.Name(),
            ["effectiveStage"] = Mode.Stage.Name(),
            ["mode"] = Mode.Mode,
            ["why"] = Mode.Why,
            ["shadow"] = !Mode.ShowPredictions,
            ["policyVersion"] = PolicyVersion,
        };
        if (Mode.ShowPredictions)
        {
            evidence["predictions"] = PredictionsJson(Predictions);
            evidence["explanation"] = Explain(Predictions);
        }

        return evidence;
    }

    /// <summary>The resolution in full (predictions always), for the resolve-mode API and the trust event.</summary>
    public JsonObject ToJson()
    {
        var json = Evidence();
        json["predictions"] = PredictionsJson(Predictions);
        json["explanation"] = Explain(Predictions);
        json["runsWithoutWaiting"] = Mode.RunsWithoutWaiting;
        return json;
    }

    public static JsonObject ScopeJson(TrustScope scope) => new()
    {
        ["tenant"] = scope.Tenant,
        ["site"] = scope.Site,
        ["queue"] = scope.Queue,
        ["actionType"] = scope.ActionType,
        ["role"] = scope.Role,
    };

    public static JsonObject PredictionsJson(TrustPredictions p) => new()
    {
        ["approval"] = Prediction(p.Approval.Probability, p.Approval.ModelVersion, p.Approval.ColdStart, p.Approval.TopContributions),
        ["success"] = Prediction(p.Success.Probability, p.Success.ModelVersion, p.Success.ColdStart, p.Success.TopContributions),
        ["anomaly"] = new JsonObject
        {
            ["score"] = Round(p.Anomaly.Score),
            ["anomalous"] = p.Anomaly.Anomalous,
            ["modelVersion"] = p.Anomaly.ModelVersion,
            ["coldStart"] = p.Anomaly.ColdStart,
            ["contributions"] = Contributions(p.Anomaly.TopContributions),
        },
    };

    /// <summary>"approval 0.94: quantity 30 (+0.12), controlled=false (+0.08); success …" for a person to read.</summary>
    public static string Explain(TrustPredictions p) => string.Join("; ",
        Line("approval", p.Approval.Probability, p.Approval.ColdStart, p.Approval.TopContributions),
        Line("success", p.Success.Probability, p.Success.ColdStart, p.Success.TopContributions),
        Line(p.Anomaly.Anomalous ? "anomalous" : "anomaly", p.Anomaly.Score, p.Anomaly.ColdStart, p.Anomaly.TopContributions));

    private static string Line(string name, double value, bool coldStart, IReadOnlyList<FeatureContribution> contributions)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"{name} {value:0.00}") + (coldStart ? " (cold start prior)" : "");
        return contributions.Count == 0
            ? head
            : $"{head}: {string.Join(", ", contributions.Take(3).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Feature} {c.Value} ({c.Contribution:+0.00;-0.00})")))}";
    }

    private static JsonObject Prediction(double probability, string version, bool coldStart, IReadOnlyList<FeatureContribution> contributions) => new()
    {
        ["probability"] = Round(probability),
        ["modelVersion"] = version,
        ["coldStart"] = coldStart,
        ["contributions"] = Contributions(contributions),
    };

    private static JsonArray Contributions(IReadOnlyList<FeatureContribution> contributions) =>
        new([.. contributions.Select(c => (JsonNode)new JsonObject { ["feature"] = c.Feature, ["value"] = c.Value, ["contribution"] = Round(c.Contribution) })]);

    private static double Round(double value) => Math.Round(value, 4);
}
