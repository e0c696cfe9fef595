using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.NodeSwitches;

/// <summary>
/// The kill switch of one node type. A type without a row is on; the row keeps the last change
/// (who, when, why); the history of changes is the audit log (<c>node_type.disabled</c> / <c>node_type.enabled</c>).
/// </summary>
internal sealed class NodeTypeSwitchEntity
{
    public required string NodeType { get; set; }

    public bool Enabled { get; set; }

    public string? Reason { get; set; }

    public required string ChangedBy { get; set; }

    public DateTime ChangedAt { get; set; }
}

internal sealed class NodeTypeSwitchEntityConfiguration : IEntityTypeConfiguration<NodeTypeSwitchEntity>
{
    public void Configure(EntityTypeBuilder<NodeTypeSwitchEntity> builder)
    {
        builder.ToTable("node_type_switches");
        builder.HasKey(s => s.NodeType);
        builder.Property(s => s.NodeType).HasMaxLength(100);
        builder.Property(s => s.Reason).HasMaxLength(1000);
        builder.Property(s => s.ChangedBy).HasMaxLength(200);
    }
}
