using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Workflows;

/// <summary>A workflow: its name, owner, kill switch and latest version. Its graphs live in versions.</summary>
internal sealed class WorkflowEntity
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public Guid OwnerId { get; set; }

    /// <summary>The kill switch: a disabled workflow starts no new runs.</summary>
    public bool Enabled { get; set; } = true;

    public int LatestVersion { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>One immutable saved graph. Runs pin the version they started on.</summary>
internal sealed class WorkflowVersionEntity
{
    public Guid WorkflowId { get; set; }

    public int Version { get; set; }

    /// <summary>The graph as saved (schema v1 JSON).</summary>
    public required string Graph { get; set; }

    public required string Author { get; set; }

    /// <summary>The user who saved it: runs of this version without a caller (webhook, schedule) act as them.</summary>
    public Guid AuthorId { get; set; }

    public string? Message { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class WorkflowEntityConfiguration : IEntityTypeConfiguration<WorkflowEntity>
{
    public void Configure(EntityTypeBuilder<WorkflowEntity> builder)
    {
        builder.ToTable("workflows");
        builder.HasKey(w => w.Id);
        builder.Property(w => w.Name).HasMaxLength(200);
        builder.Property(w => w.Description).HasMaxLength(2000);
        builder.HasIndex(w => w.Name);
    }
}

internal sealed class WorkflowVersionEntityConfiguration : IEntityTypeConfiguration<WorkflowVersionEntity>
{
    public void Configure(EntityTypeBuilder<WorkflowVersionEntity> builder)
    {
        builder.ToTable("workflow_versions");
        builder.HasKey(v => new { v.WorkflowId, v.Version });
        builder.Property(v => v.Author).HasMaxLength(200);
        builder.Property(v => v.Message).HasMaxLength(1000);
        builder.HasOne<WorkflowEntity>().WithMany().HasForeignKey(v => v.WorkflowId).OnDelete(DeleteBehavior.Cascade);
    }
}
