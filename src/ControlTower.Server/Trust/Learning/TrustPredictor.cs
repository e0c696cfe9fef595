using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Trust.Learning;

/// <summary>
/// The <see cref="ITrustPredictor"/> of the process: scores proposals with the models in memory (swapped atomically by
/// <see cref="Use"/>), synchronous and I/O-free. A kind without a model answers with its documented prior, marked cold start:
/// approval — the scope's approval rate so far with Laplace smoothing, (rate·n + 1)/(n + 2) over its n prior proposals
/// (0.5 with no history); success — <see cref="TrustLearningOptions.SuccessPrior"/>; anomaly — score 0, never flagged
/// (nothing to compare with; stages keep cold scopes behind a person anyway).
/// </summary>
internal sealed class TrustPredictor(IOptions<TrustLearningOptions> options) : ITrustPredictor
{
    public const string ApprovalPriorVersion = "prior:approval-laplace/1";
    public const string SuccessPriorVersion = "prior:success-constant/1";
    public const string AnomalyPriorVersion = "prior:anomaly-none/1";

    private volatile TrustModelSet _models = TrustModelSet.Empty;

    public TrustModelSet Models => _models;

    /// <summary>Replaces the models in use; predictions already running finish with the old ones.</summary>
    public void Use(TrustModelSet models) => _models = models;

    public TrustPredictions Predict(TrustProposal proposal)
    {
        var models = _models;
        FeatureRow? row = null;
        float[]? slots = null;
        TrustFeatureConfig? encodedWith = null;

        TrustPrediction Tree(TreeTrustModel model)
        {
            if (!ReferenceEquals(encodedWith, model.Features))
            {
                encodedWith = model.Features;
                row = model.Features.Extract(proposal);
                slots = new float[model.Features.SlotCount];
                model.Features.Encode(row, slots);
            }

            return model.Predict(row!, slots!);
        }

        var approval = models.Approval is { } a ? Tree(a) : ApprovalPrior(proposal.History);
        var success = models.Outcome is { } o ? Tree(o) : new TrustPrediction(options.Value.SuccessPrior, SuccessPriorVersion, true, []);
        var anomaly = models.Anomaly?.Predict(proposal) ?? new AnomalyPrediction(0, false, AnomalyPriorVersion, true, []);
        return new TrustPredictions(approval, success, anomaly);
    }

    internal static TrustPrediction ApprovalPrior(ScopeHistory history)
    {
        var n = history.ApprovalRateSoFar is null ? 0 : history.PriorProposals;
        var rate = history.ApprovalRateSoFar ?? 0;
        var probability = ((rate * n) + 1) / (n + 2.0);
        IReadOnlyList<FeatureContribution> why = n == 0 ? [] : [new FeatureContribution("history.approval_rate",
            rate.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), probability - 0.5)];
        return new TrustPrediction(probability, ApprovalPriorVersion, true, why);
    }
}
