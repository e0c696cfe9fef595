using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Releases;

/// <summary>
/// A workflow's release (one row per workflow; none means the latest version takes new runs). <see cref="Revision"/>
/// is the optimistic concurrency token: a person's change and the canary check never overwrite each other.
/// </summary>
internal sealed class WorkflowReleaseEntity
{
    public Guid WorkflowId { get; set; }

    /// <summary><c>direct</c>, <c>canary</c> or <c>shadow</c>.</summary>
    public required string Mode { get; set; }

    public int StableVersion { get; set; }

    /// <summary>The stable version before the last change: where a rollback without a version goes.</summary>
    public int? PreviousStableVersion { get; set; }

    public int? CandidateVersion { get; set; }

    /// <summary>The canary policy as JSON (<see cref="ReleasePolicyJson"/>); null outside a canary.</summary>
    public string? CanaryPolicy { get; set; }

    public int StepIndex { get; set; }

    /// <summary>When the current canary step, or the shadow, began.</summary>
    public DateTime PhaseStartedAt { get; set; }

    /// <summary>The last automatic check's verdict or the last person's reason, for the panel.</summary>
    public string? LastDecision { get; set; }

    public int Revision { get; set; }

    public DateTime UpdatedAt { get; set; }

    public required string UpdatedBy { get; set; }
}

/// <summary>
/// A live run and its shadow on the candidate; the comparison is filled in once the shadow finished. A live run the
/// candidate cannot replay (its trigger node is gone) is kept with <see cref="RefusedCode"/> and no shadow run, so it
/// is not tried again.
/// </summary>
internal sealed class ShadowRunEntity
{
    public Guid LiveRunId { get; set; }

    public Guid? ShadowRunId { get; set; }

    /// <summary>Why no shadow could start (a stable error code); null for a started shadow.</summary>
    public string? RefusedCode { get; set; }

    public Guid WorkflowId { get; set; }

    public int LiveVersion { get; set; }

    public int CandidateVersion { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? ComparedAt { get; set; }

    /// <summary>How many nodes differ; null until compared.</summary>
    public int? Differences { get; set; }

    /// <summary>The compared nodes as JSON: <c>[{ nodeId, nodeType, differs }]</c>.</summary>
    public string? Nodes { get; set; }
}

internal sealed class WorkflowReleaseEntityConfiguration : IEntityTypeConfiguration<WorkflowReleaseEntity>
{
    public void Configure(EntityTypeBuilder<WorkflowReleaseEntity> builder)
    {
        builder.ToTable("workflow_releases");
        builder.HasKey(r => r.WorkflowId);
        builder.Property(r => r.Mode).HasMaxLength(20);
        builder.Property(r => r.LastDecision).HasMaxLength(1000);
        builder.Property(r => r.UpdatedBy).HasMaxLength(200);
        builder.Property(r => r.Revision).IsConcurrencyToken();
        builder.HasOne<Workflows.WorkflowEntity>().WithMany().HasForeignKey(r => r.WorkflowId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ShadowRunEntityConfiguration : IEntityTypeConfiguration<ShadowRunEntity>
{
    public void Configure(EntityTypeBuilder<ShadowRunEntity> builder)
    {
        builder.ToTable("release_shadow_runs");
        builder.HasKey(s => s.LiveRunId);
        builder.HasIndex(s => new { s.WorkflowId, s.CandidateVersion });
        builder.HasIndex(s => s.ShadowRunId).IsUnique();
        builder.Property(s => s.RefusedCode).HasMaxLength(100);
    }
}
