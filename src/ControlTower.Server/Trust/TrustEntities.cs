using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Trust;

/// <summary>
/// One trust event, append-only: never updated, never deleted by retention, ordered by <see cref="At"/> then <see cref="RecordedAt"/>;
/// <see cref="ProposalId"/> ties the events of one proposal together. <see cref="Features"/> and
/// <see cref="Predictions"/> are the snapshot the proposal was scored on (JSON), with the model versions in the latter.
/// </summary>
internal sealed class TrustEventEntity
{
    public Guid Id { get; set; }

    public required string ScopeKey { get; set; }

    public required string Tenant { get; set; }

    public required string Site { get; set; }

    public required string Queue { get; set; }

    public required string ActionType { get; set; }

    public required string Role { get; set; }

    /// <summary>proposal, decision, execution, outcome, rollback, override.</summary>
    public required string Kind { get; set; }

    public required string ProposalId { get; set; }

    /// <summary>decision: approved/rejected/edited/expired; execution and outcome: succeeded/failed.</summary>
    public string? Result { get; set; }

    /// <summary>Who: the deciding person, <c>trust:{stage}</c>, a system, or the API caller.</summary>
    public required string Actor { get; set; }

    public double? LatencySeconds { get; set; }

    public double? DurationMs { get; set; }

    /// <summary>The mode an execution ran in: <c>person</c> or the stage that let it run.</summary>
    public string? Mode { get; set; }

    public double? PredictedApproval { get; set; }

    public double? PredictedSuccess { get; set; }

    public double? AnomalyScore { get; set; }

    public bool? Anomalous { get; set; }

    public string? Features { get; set; }

    public string? Predictions { get; set; }

    public Guid? RunId { get; set; }

    public string? NodeId { get; set; }

    public Guid? ExecutionId { get; set; }

    /// <summary>governed.action, approval, rollback, api.</summary>
    public required string Source { get; set; }

    /// <summary>For events posted through the API: the same key again is the same event.</summary>
    public string? IdempotencyKey { get; set; }

    public DateTime At { get; set; }

    public DateTime RecordedAt { get; set; }
}

/// <summary>A scope's current stage and the policy's running state; <see cref="Version"/> makes evaluations take turns.</summary>
internal sealed class TrustScopeEntity
{
    public required string ScopeKey { get; set; }

    public required string Tenant { get; set; }

    public required string Site { get; set; }

    public required string Queue { get; set; }

    public required string ActionType { get; set; }

    public required string Role { get; set; }

    public required string Stage { get; set; }

    public DateTime StageSince { get; set; }

    public int EligibleStreak { get; set; }

    public DateTime? EligibleSince { get; set; }

    public string? PinStage { get; set; }

    public string? PinReason { get; set; }

    public string? PinBy { get; set; }

    public DateTime? PinAt { get; set; }

    public required string PolicyVersion { get; set; }

    /// <summary>The metrics and the rule of the last evaluation (JSON), for the scope list without recomputing.</summary>
    public string? LastMetrics { get; set; }

    public string? LastRule { get; set; }

    public string? LastReasons { get; set; }

    public DateTime? LastEvaluatedAt { get; set; }

    public long Version { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>One change of a scope's stage, with the rule, reasons, checks (numbers against thresholds) and metrics that caused it.</summary>
internal sealed class TrustStageChangeEntity
{
    public Guid Id { get; set; }

    public required string ScopeKey { get; set; }

    public required string FromStage { get; set; }

    public required string ToStage { get; set; }

    public required string Rule { get; set; }

    public required string Reasons { get; set; }

    public required string Checks { get; set; }

    public string? Metrics { get; set; }

    public required string PolicyVersion { get; set; }

    public required string Actor { get; set; }

    public DateTime At { get; set; }
}

internal sealed class TrustEntityConfigurations :
    IEntityTypeConfiguration<TrustEventEntity>,
    IEntityTypeConfiguration<TrustScopeEntity>,
    IEntityTypeConfiguration<TrustStageChangeEntity>
{
    public void Configure(EntityTypeBuilder<TrustEventEntity> builder)
    {
        builder.ToTable("trust_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.ScopeKey).HasMaxLength(1100);
        builder.Property(e => e.Tenant).HasMaxLength(200);
        builder.Property(e => e.Site).HasMaxLength(200);
        builder.Property(e => e.Queue).HasMaxLength(200);
        builder.Property(e => e.ActionType).HasMaxLength(200);
        builder.Property(e => e.Role).HasMaxLength(200);
        builder.Property(e => e.Kind).HasMaxLength(20);
        builder.Property(e => e.ProposalId).HasMaxLength(200);
        builder.Property(e => e.Result).HasMaxLength(20);
        builder.Property(e => e.Actor).HasMaxLength(200);
        builder.Property(e => e.Mode).HasMaxLength(30);
        builder.Property(e => e.NodeId).HasMaxLength(100);
        builder.Property(e => e.Source).HasMaxLength(30);
        builder.Property(e => e.IdempotencyKey).HasMaxLength(200);
        builder.HasIndex(e => new { e.ScopeKey, e.At });
        builder.HasIndex(e => e.ProposalId);
        builder.HasIndex(e => e.IdempotencyKey).IsUnique();
    }

    public void Configure(EntityTypeBuilder<TrustScopeEntity> builder)
    {
        builder.ToTable("trust_scopes");
        builder.HasKey(s => s.ScopeKey);
        builder.Property(s => s.ScopeKey).HasMaxLength(1100);
        builder.Property(s => s.Tenant).HasMaxLength(200);
        builder.Property(s => s.Site).HasMaxLength(200);
        builder.Property(s => s.Queue).HasMaxLength(200);
        builder.Property(s => s.ActionType).HasMaxLength(200);
        builder.Property(s => s.Role).HasMaxLength(200);
        builder.Property(s => s.Stage).HasMaxLength(30);
        builder.Property(s => s.PinStage).HasMaxLength(30);
        builder.Property(s => s.PinReason).HasMaxLength(1000);
        builder.Property(s => s.PinBy).HasMaxLength(200);
        builder.Property(s => s.PolicyVersion).HasMaxLength(100);
        builder.Property(s => s.LastRule).HasMaxLength(50);
        builder.Property(s => s.Version).IsConcurrencyToken();
    }

    public void Configure(EntityTypeBuilder<TrustStageChangeEntity> builder)
    {
        builder.ToTable("trust_stage_changes");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.ScopeKey).HasMaxLength(1100);
        builder.Property(c => c.FromStage).HasMaxLength(30);
        builder.Property(c => c.ToStage).HasMaxLength(30);
        builder.Property(c => c.Rule).HasMaxLength(50);
        builder.Property(c => c.PolicyVersion).HasMaxLength(100);
        builder.Property(c => c.Actor).HasMaxLength(200);
        builder.HasIndex(c => new { c.ScopeKey, c.At });
    }
}
