using System.Text.Json.Nodes;

namespace ControlTower.Core.Trust;

/// <summary>
/// A trust scope: the unit that earns (or loses) autonomy. Every field is a plain string; an empty string
/// means "any" for that dimension. <see cref="Key"/> is the stable, URL-safe identity used in the API.
/// </summary>
public sealed record TrustScope(string Tenant, string Site, string Queue, string ActionType, string Role)
{
    public string Key => string.Join('|', Tenant, Site, Queue, ActionType, Role);
}

/// <summary>
/// What a scope's history looked like just before a proposal, computed from earlier trust events only
/// (never from the proposal's own labels). Nulls mean "no history yet" and follow the feature policy.
/// </summary>
public sealed record ScopeHistory(
    int PriorProposals,
    double? ApprovalRateSoFar,
    int EventsLastHour,
    double? HoursSinceLastFailure);

/// <summary>One proposal to score: its scope, its context fields (numbers, booleans, strings), when, and the history.</summary>
public sealed record TrustProposal(TrustScope Scope, JsonObject Context, DateTimeOffset At, ScopeHistory History);

/// <summary>
/// One labelled example for training: a proposal and what happened to it. <see cref="Succeeded"/> is null when
/// the action did not run (rejected, expired); <see cref="Approved"/> is null when no person was asked.
/// </summary>
public sealed record TrustExample(string Id, TrustProposal Proposal, bool? Approved, bool? Succeeded);

/// <summary>How much one feature moved a score, in the score's own units, for a person to read.</summary>
public sealed record FeatureContribution(string Feature, string Value, double Contribution);

/// <summary>A probability with the model that produced it and why; <see cref="ColdStart"/> when it is a documented prior.</summary>
public sealed record TrustPrediction(
    double Probability,
    string ModelVersion,
    bool ColdStart,
    IReadOnlyList<FeatureContribution> TopContributions);

/// <summary>An anomaly score in [0, 1] and whether it passes the configured contamination threshold.</summary>
public sealed record AnomalyPrediction(
    double Score,
    bool Anomalous,
    string ModelVersion,
    bool ColdStart,
    IReadOnlyList<FeatureContribution> TopContributions);

/// <summary>The three predictions a governed action carries.</summary>
public sealed record TrustPredictions(TrustPrediction Approval, TrustPrediction Success, AnomalyPrediction Anomaly);

/// <summary>
/// Scores proposals with the models currently loaded in memory. Synchronous and I/O-free so a governed action
/// never waits on storage or training; implementations fall back to cold-start priors before any model exists.
/// </summary>
public interface ITrustPredictor
{
    TrustPredictions Predict(TrustProposal proposal);
}
