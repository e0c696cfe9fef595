using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Governance;

/// <summary>
/// A durable approval, asked for by one attempt of an <c>approval</c> or <c>governed.action</c> node.
/// <see cref="Roles"/> and <see cref="Users"/> are comma-wrapped lists (<c>,admin,approver,</c>) so inbox
/// queries filter in SQL on both providers. <see cref="Version"/> is bumped by every decision: the
/// conditional bump is the row lock that makes racing decisions take turns.
/// </summary>
internal sealed class ApprovalEntity
{
    public Guid Id { get; set; }

    public Guid RunId { get; set; }

    public required string NodeId { get; set; }

    public int Attempt { get; set; }

    public Guid WorkflowId { get; set; }

    public required string NodeType { get; set; }

    public required string Title { get; set; }

    public string? Instructions { get; set; }

    public string? Evidence { get; set; }

    public required string Roles { get; set; }

    public required string Users { get; set; }

    public int RequiredApprovals { get; set; }

    public int RequiredRejections { get; set; }

    public bool AllowSelfApproval { get; set; }

    public Guid InitiatorId { get; set; }

    /// <summary>pending, approved, rejected, expired, cancelled.</summary>
    public required string Status { get; set; }

    public long Version { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? ExpiresAt { get; set; }

    public DateTime? EscalateAt { get; set; }

    public string? EscalationRole { get; set; }

    public DateTime? EscalatedAt { get; set; }

    public DateTime? ResolvedAt { get; set; }

    /// <summary>The node's output once resolved: the decision (who, when, comment) and every vote.</summary>
    public string? Output { get; set; }

    /// <summary>Which decisions must carry a comment: <c>always</c>, <c>reject</c> (the default) or <c>never</c>.</summary>
    public string CommentRequired { get; set; } = ApprovalComments.OnReject;
}

/// <summary>One person's vote on an approval; unique per (approval, idempotency key) and per (approval, decider).</summary>
internal sealed class ApprovalDecisionEntity
{
    public Guid Id { get; set; }

    public Guid ApprovalId { get; set; }

    public required string IdempotencyKey { get; set; }

    public Guid DeciderId { get; set; }

    public required string DeciderName { get; set; }

    /// <summary>approve or reject.</summary>
    public required string Decision { get; set; }

    public string? Comment { get; set; }

    public DateTime DecidedAt { get; set; }
}

/// <summary>A remark on an approval by anyone who can read it (questions, context); decisions carry their own comment.</summary>
internal sealed class ApprovalCommentEntity
{
    public Guid Id { get; set; }

    public Guid ApprovalId { get; set; }

    public Guid AuthorId { get; set; }

    public required string AuthorName { get; set; }

    public required string Text { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>A gate: whether governed actions in a scope may run without a person. Null scope parts match anything.</summary>
internal sealed class GateEntity
{
    public required string ScopeKey { get; set; }

    public Guid? WorkflowId { get; set; }

    public string? NodeType { get; set; }

    public string? ActionType { get; set; }

    public bool Authorized { get; set; }

    public required string Reason { get; set; }

    public required string UpdatedBy { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>Every change of a gate or of the kill switch (scope key <c>kill_switch</c>, where the flag means engaged).</summary>
internal sealed class GateHistoryEntity
{
    public Guid Id { get; set; }

    public required string ScopeKey { get; set; }

    public bool Value { get; set; }

    public required string Reason { get; set; }

    public required string Actor { get; set; }

    public DateTime At { get; set; }
}

/// <summary>A named platform switch; today only <c>kill_switch</c>: engaged stops every governed action.</summary>
internal sealed class GovernanceSwitchEntity
{
    public required string Name { get; set; }

    public bool Engaged { get; set; }

    public required string Reason { get; set; }

    public required string UpdatedBy { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>A governed action that ran: what it called, the state before and after, and how to undo it until when.</summary>
internal sealed class ExecutionEntity
{
    public Guid Id { get; set; }

    public Guid RunId { get; set; }

    public required string NodeId { get; set; }

    public int Attempt { get; set; }

    public Guid WorkflowId { get; set; }

    public required string ActionType { get; set; }

    public required string ServerId { get; set; }

    public required string Tool { get; set; }

    public required string Arguments { get; set; }

    public string? Result { get; set; }

    public string? BeforeState { get; set; }

    public string? AfterState { get; set; }

    public string? Diff { get; set; }

    public string? CompensationTool { get; set; }

    public string? CompensationArguments { get; set; }

    public DateTime? ReversibleUntil { get; set; }

    public Guid? ApprovalId { get; set; }

    /// <summary>Who let it run: <c>approval:{id}</c> or <c>gate:{scope}</c>.</summary>
    public required string AuthorizedBy { get; set; }

    /// <summary>executed, rolling_back, rolled_back (a failed or interrupted rollback goes back to executed).</summary>
    public required string Status { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? RolledBackAt { get; set; }

    public string? RolledBackBy { get; set; }

    public string? RollbackReason { get; set; }

    public string? RollbackResult { get; set; }

    /// <summary>Which rollback attempt holds (or last held) the <c>rolling_back</c> claim; its writes are conditional on it.</summary>
    public Guid? RollbackClaimId { get; set; }

    public DateTime? RollbackStartedAt { get; set; }

    public string? RollbackStartedBy { get; set; }

    /// <summary>A <c>rolling_back</c> claim not finished by then was abandoned (the process died) and may be taken over.</summary>
    public DateTime? RollbackLeaseUntil { get; set; }

    /// <summary>The last failed or interrupted rollback attempt: <c>{ code, message, by, startedAt, at }</c>; cleared by a successful one.</summary>
    public string? LastRollbackError { get; set; }

    /// <summary>The trust scope the action ran under (null: the action declares no scope).</summary>
    public string? TrustScopeKey { get; set; }

    public string? TrustProposalId { get; set; }

    /// <summary>What let it run: <c>person</c> (an approval) or the stage that ran it without waiting.</summary>
    public string? TrustMode { get; set; }

    public string? TrustWhy { get; set; }
}

internal sealed class GovernanceEntityConfigurations :
    IEntityTypeConfiguration<ApprovalEntity>,
    IEntityTypeConfiguration<ApprovalDecisionEntity>,
    IEntityTypeConfiguration<ApprovalCommentEntity>,
    IEntityTypeConfiguration<GateEntity>,
    IEntityTypeConfiguration<GateHistoryEntity>,
    IEntityTypeConfiguration<GovernanceSwitchEntity>,
    IEntityTypeConfiguration<ExecutionEntity>
{
    public void Configure(EntityTypeBuilder<ApprovalEntity> builder)
    {
        builder.ToTable("approvals");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.NodeId).HasMaxLength(100);
        builder.Property(a => a.NodeType).HasMaxLength(100);
        builder.Property(a => a.Title).HasMaxLength(500);
        builder.Property(a => a.Roles).HasMaxLength(1000);
        builder.Property(a => a.Users).HasMaxLength(4000);
        builder.Property(a => a.Status).HasMaxLength(20);
        builder.Property(a => a.EscalationRole).HasMaxLength(50);
        builder.Property(a => a.CommentRequired).HasMaxLength(10).HasDefaultValue(ApprovalComments.OnReject);
        builder.HasIndex(a => new { a.RunId, a.NodeId, a.Attempt }).IsUnique();
        builder.HasIndex(a => new { a.Status, a.CreatedAt });
        builder.HasIndex(a => a.WorkflowId);
    }

    public void Configure(EntityTypeBuilder<ApprovalDecisionEntity> builder)
    {
        builder.ToTable("approval_decisions");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.IdempotencyKey).HasMaxLength(200);
        builder.Property(d => d.DeciderName).HasMaxLength(200);
        builder.Property(d => d.Decision).HasMaxLength(10);
        builder.Property(d => d.Comment).HasMaxLength(4000);
        builder.HasIndex(d => new { d.ApprovalId, d.IdempotencyKey }).IsUnique();
        builder.HasIndex(d => new { d.ApprovalId, d.DeciderId }).IsUnique();
        builder.HasOne<ApprovalEntity>().WithMany().HasForeignKey(d => d.ApprovalId).OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_approval_decisions_approvals");
    }

    public void Configure(EntityTypeBuilder<ApprovalCommentEntity> builder)
    {
        builder.ToTable("approval_comments");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.AuthorName).HasMaxLength(200);
        builder.Property(c => c.Text).HasMaxLength(4000);
        builder.HasIndex(c => new { c.ApprovalId, c.CreatedAt });
        builder.HasOne<ApprovalEntity>().WithMany().HasForeignKey(c => c.ApprovalId).OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_approval_comments_approvals");
    }

    public void Configure(EntityTypeBuilder<GateEntity> builder)
    {
        builder.ToTable("gates");
        builder.HasKey(g => g.ScopeKey);
        builder.Property(g => g.ScopeKey).HasMaxLength(400);
        builder.Property(g => g.NodeType).HasMaxLength(100);
        builder.Property(g => g.ActionType).HasMaxLength(200);
        builder.Property(g => g.Reason).HasMaxLength(1000);
        builder.Property(g => g.UpdatedBy).HasMaxLength(200);
    }

    public void Configure(EntityTypeBuilder<GateHistoryEntity> builder)
    {
        builder.ToTable("gate_history");
        builder.HasKey(h => h.Id);
        builder.Property(h => h.ScopeKey).HasMaxLength(400);
        builder.Property(h => h.Reason).HasMaxLength(1000);
        builder.Property(h => h.Actor).HasMaxLength(200);
        builder.HasIndex(h => new { h.ScopeKey, h.At });
    }

    public void Configure(EntityTypeBuilder<GovernanceSwitchEntity> builder)
    {
        builder.ToTable("governance_switches");
        builder.HasKey(s => s.Name);
        builder.Property(s => s.Name).HasMaxLength(50);
        builder.Property(s => s.Reason).HasMaxLength(1000);
        builder.Property(s => s.UpdatedBy).HasMaxLength(200);
    }

    public void Configure(EntityTypeBuilder<ExecutionEntity> builder)
    {
        builder.ToTable("governed_executions");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.NodeId).HasMaxLength(100);
        builder.Property(e => e.ActionType).HasMaxLength(200);
        builder.Property(e => e.ServerId).HasMaxLength(100);
        builder.Property(e => e.Tool).HasMaxLength(200);
        builder.Property(e => e.CompensationTool).HasMaxLength(200);
        builder.Property(e => e.AuthorizedBy).HasMaxLength(500);
        builder.Property(e => e.Status).HasMaxLength(20);
        builder.Property(e => e.RolledBackBy).HasMaxLength(200);
        builder.Property(e => e.RollbackReason).HasMaxLength(1000);
        builder.Property(e => e.RollbackStartedBy).HasMaxLength(200);
        builder.Property(e => e.TrustScopeKey).HasMaxLength(1100);
        builder.Property(e => e.TrustProposalId).HasMaxLength(200);
        builder.Property(e => e.TrustMode).HasMaxLength(30);
        builder.Property(e => e.TrustWhy).HasMaxLength(1000);
        builder.HasIndex(e => new { e.RunId, e.NodeId, e.Attempt }).IsUnique();
        builder.HasIndex(e => e.ApprovalId);
    }
}
