using ControlTower.Server.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Workflows;

/// <summary>
/// A grant on a workflow to one user or to everyone holding a role, as <c>editor</c> (save versions, switch it on
/// and off, manage shares, start runs) or <c>runner</c> (start runs). Exactly one grantee column is set.
/// </summary>
internal sealed class WorkflowShareEntity
{
    public Guid Id { get; set; }

    public Guid WorkflowId { get; set; }

    public Guid? GranteeUserId { get; set; }

    public string? GranteeRole { get; set; }

    /// <summary><see cref="WorkflowAccess.Editor"/> or <see cref="WorkflowAccess.Runner"/>.</summary>
    public required string Access { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>The audit actor that granted it.</summary>
    public required string CreatedBy { get; set; }
}

internal sealed class WorkflowShareEntityConfiguration : IEntityTypeConfiguration<WorkflowShareEntity>
{
    public void Configure(EntityTypeBuilder<WorkflowShareEntity> builder)
    {
        builder.ToTable("workflow_shares");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.GranteeRole).HasMaxLength(20);
        builder.Property(s => s.Access).HasMaxLength(20);
        builder.Property(s => s.CreatedBy).HasMaxLength(200);
        builder.HasIndex(s => s.WorkflowId).HasDatabaseName("ix_workflow_shares_workflow");
        builder.HasIndex(s => s.GranteeUserId).HasDatabaseName("ix_workflow_shares_user");
        builder.HasOne<WorkflowEntity>().WithMany().HasForeignKey(s => s.WorkflowId).OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_workflow_shares_workflows");
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(s => s.GranteeUserId).OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_workflow_shares_users");
    }
}
