using System.Text.Json.Nodes;

namespace ControlTower.Server.Trust;

internal sealed record TrustScopeBody(string? Tenant, string? Site, string? Queue, string? ActionType, string? Role);

/// <summary>
/// A trust event from another system (<c>POST /api/trust/events</c>). A <c>proposal</c> without <see cref="Predictions"/> is
/// scored here and answered with its mode, like a governed action's; <see cref="Context"/> is its feature snapshot.
/// </summary>
internal sealed record TrustEventBody(
    string? Kind, string? ProposalId, TrustScopeBody? Scope, string? Result, string? Actor, double? LatencySeconds, double? DurationMs,
    string? Mode, DateTimeOffset? At, JsonObject? Context, JsonObject? Predictions, bool? Reversible);

internal sealed record ResolveModeBody(TrustScopeBody? Scope, JsonObject? Context, bool? Reversible, Guid? WorkflowId, bool? RuleRequiresApproval);

/// <summary><see cref="Stage"/> pins the scope there; <see cref="Freeze"/> pins it where it is; neither unpins. A reason is required.</summary>
internal sealed record PinBody(string? Stage, bool? Freeze, string? Reason);

internal sealed record PinView(string Stage, string Reason, string By, DateTimeOffset At);

/// <summary>A scope as the list shows it: stage (and the effective one under the kill switch), pin, gate, last metrics and thresholds.</summary>
internal sealed record ScopeView(
    string Key, JsonObject Scope, string Stage, DateTimeOffset StageSince, string EffectiveStage, PinView? Pin, bool KillSwitch, JsonObject Gate,
    JsonNode? Metrics, JsonObject Thresholds, string? LastRule, JsonNode? LastReasons, DateTimeOffset? LastEvaluatedAt, string PolicyVersion, int EligibleStreak);

internal sealed record StageChangeView(Guid Id, string From, string To, string Rule, JsonNode? Reasons, JsonNode? Checks, JsonNode? Metrics, string PolicyVersion, string Actor, DateTimeOffset At);

internal sealed record TrustEventView(
    Guid Id, string Kind, string ProposalId, string? Result, string Actor, string? Mode, double? LatencySeconds, double? DurationMs,
    double? PredictedApproval, double? PredictedSuccess, double? AnomalyScore, bool? Anomalous, JsonNode? Features, JsonNode? Predictions,
    Guid? RunId, string? NodeId, Guid? ExecutionId, string Source, DateTimeOffset At);

/// <summary>One point of a scope's trust-over-time series: the window's metrics as they stood at <see cref="At"/>.</summary>
internal sealed record MetricPoint(
    DateTimeOffset At, int Events, double? Reliability, double? ReliabilityLower, double? Alignment, double? AlignmentLower,
    double? OverrideRate, double? Brier, double? Ece, double? SecondsSaved);

internal sealed record ScopeDetail(ScopeView Scope, IReadOnlyList<StageChangeView> Changes, IReadOnlyList<MetricPoint> Series, IReadOnlyList<TrustEventView> Events);

internal sealed record RecordedEvent(TrustEventView Event, bool Repeated, ScopeView Scope, JsonObject? Resolution);
