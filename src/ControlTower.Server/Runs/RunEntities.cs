using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Runs;

/// <summary>
/// A run: the version it is pinned to, its checkpoint (the header of the scheduler's state as JSON, its nodes'
/// states in <see cref="RunNodeStateEntity"/> rows; runs stored before those rows hold the whole state here) and where it
/// is. Every change to the checkpoint bumps <see cref="StateVersion"/>, so two workers that raced
/// on one run find out and the loser re-applies its event on the fresh state.
/// </summary>
internal sealed class RunEntity
{
    public Guid Id { get; set; }

    public Guid WorkflowId { get; set; }

    public int WorkflowVersion { get; set; }

    public required string Status { get; set; }

    /// <summary>Where the case the run carries is, by the workflow's own milestones (graph <c>config.phases</c>); null when it names none.</summary>
    public string? Phase { get; set; }

    public required string State { get; set; }

    public long StateVersion { get; set; }

    public long NextEventSeq { get; set; } = 1;

    public string? Input { get; set; }

    public string? Output { get; set; }

    public string? ErrorNodeId { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public long Seed { get; set; }

    public string? IdempotencyKey { get; set; }

    /// <summary>How it was started: manual, webhook, schedule, subworkflow, mcp, replay.</summary>
    public required string Trigger { get; set; }

    /// <summary>The run's principal: the user it acts as, whose credentials (own or shared with them) its nodes may use.</summary>
    public Guid StartedBy { get; set; }

    /// <summary>Why <see cref="StartedBy"/> is the principal: <see cref="RunPrincipals"/>.</summary>
    public string PrincipalSource { get; set; } = RunPrincipals.Caller;

    public required string TraceId { get; set; }

    public Guid? ParentRunId { get; set; }

    public string? ParentNodeId { get; set; }

    public int? ParentAttempt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? FinishedAt { get; set; }
}

/// <summary>One event of a run's stream, numbered from 1 without gaps (DESIGN.md §2 schema).</summary>
internal sealed class RunEventEntity
{
    public Guid RunId { get; set; }

    public long Seq { get; set; }

    public required string Type { get; set; }

    public DateTime Timestamp { get; set; }

    public required string Data { get; set; }

    public required string TraceId { get; set; }
}

/// <summary>
/// Durable work: a node attempt to execute, a retry or timer that falls due, a child run that
/// finished. Claimed with a lease; a worker that dies loses its lease and another takes the task.
/// Deleted in the same transaction that commits its result.
/// </summary>
internal sealed class RunTaskEntity
{
    public Guid Id { get; set; }

    public Guid RunId { get; set; }

    public required string NodeId { get; set; }

    public int Attempt { get; set; }

    public required string Kind { get; set; }

    public DateTime DueAt { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>The node's activation (execute, parked) or the output to complete with (timer).</summary>
    public string? Payload { get; set; }

    /// <summary>Set on parked tasks: the switched-off node type they wait for.</summary>
    public string? NodeType { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>One attempt of one node: the intent recorded before a side effect, then its result.</summary>
internal sealed class NodeExecutionEntity
{
    public Guid RunId { get; set; }

    public required string NodeId { get; set; }

    public int Attempt { get; set; }

    public required string NodeType { get; set; }

    public required string IdempotencyKey { get; set; }

    /// <summary>intent, succeeded, failed, waiting.</summary>
    public required string Status { get; set; }

    public string? Input { get; set; }

    public string? Output { get; set; }

    public string? Outcome { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }
}

/// <summary>
/// One node's state as a commit left it (<see cref="Core.Scheduling.RunStateJson.SerializeNode"/>), appended by that commit
/// under the run's new <see cref="RunEntity.StateVersion"/>; <see cref="Output"/> is set only by the commit that gave the node
/// its output. The run's state is its header (<see cref="RunEntity.State"/>) with each node's latest row (<see cref="RunStateRows"/>).
/// </summary>
internal sealed class RunNodeStateEntity
{
    public Guid RunId { get; set; }

    public required string NodeId { get; set; }

    public long Version { get; set; }

    public required string State { get; set; }

    public string? Output { get; set; }
}

internal sealed class RunEntityConfigurations :
    IEntityTypeConfiguration<RunNodeStateEntity>,
    IEntityTypeConfiguration<RunEntity>,
    IEntityTypeConfiguration<RunEventEntity>,
    IEntityTypeConfiguration<RunTaskEntity>,
    IEntityTypeConfiguration<NodeExecutionEntity>
{
    public void Configure(EntityTypeBuilder<RunEntity> builder)
    {
        builder.ToTable("runs");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.StateVersion).IsConcurrencyToken();
        builder.Property(r => r.Status).HasMaxLength(20);
        builder.Property(r => r.Phase).HasMaxLength(40);
        builder.Property(r => r.IdempotencyKey).HasMaxLength(200);
        builder.Property(r => r.Trigger).HasMaxLength(20);
        builder.Property(r => r.PrincipalSource).HasMaxLength(20);
        builder.Property(r => r.TraceId).HasMaxLength(32);
        builder.Property(r => r.ErrorCode).HasMaxLength(100);
        builder.Property(r => r.ErrorNodeId).HasMaxLength(100);
        builder.Property(r => r.ParentNodeId).HasMaxLength(100);
        builder.HasIndex(r => new { r.WorkflowId, r.IdempotencyKey }).IsUnique();
        builder.HasIndex(r => new { r.Status, r.CreatedAt });
        builder.HasIndex(r => r.CreatedAt);
        builder.HasIndex(r => r.FinishedAt);
    }

    public void Configure(EntityTypeBuilder<RunNodeStateEntity> builder)
    {
        builder.ToTable("run_node_states");
        builder.HasKey(n => new { n.RunId, n.NodeId, n.Version });
        builder.Property(n => n.NodeId).HasMaxLength(100);
        builder.HasOne<RunEntity>().WithMany().HasForeignKey(n => n.RunId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<RunEventEntity> builder)
    {
        builder.ToTable("run_events");
        builder.HasKey(e => new { e.RunId, e.Seq });
        builder.Property(e => e.Type).HasMaxLength(20);
        builder.Property(e => e.TraceId).HasMaxLength(32);
    }

    public void Configure(EntityTypeBuilder<RunTaskEntity> builder)
    {
        builder.ToTable("run_tasks");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.NodeId).HasMaxLength(100);
        builder.Property(t => t.Kind).HasMaxLength(20);
        builder.Property(t => t.LeaseOwner).HasMaxLength(64);
        builder.Property(t => t.NodeType).HasMaxLength(100);
        builder.HasIndex(t => new { t.Kind, t.NodeType });
        builder.HasIndex(t => t.DueAt);
        builder.HasIndex(t => t.RunId);
    }

    public void Configure(EntityTypeBuilder<NodeExecutionEntity> builder)
    {
        builder.ToTable("node_executions");
        builder.HasKey(e => new { e.RunId, e.NodeId, e.Attempt });
        builder.Property(e => e.NodeId).HasMaxLength(100);
        builder.Property(e => e.NodeType).HasMaxLength(100);
        builder.Property(e => e.IdempotencyKey).HasMaxLength(300);
        builder.Property(e => e.Status).HasMaxLength(20);
        builder.Property(e => e.Outcome).HasMaxLength(100);
        builder.Property(e => e.ErrorCode).HasMaxLength(100);
    }
}
