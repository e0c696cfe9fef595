using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Audit;

/// <summary>One row of the append-only, hash-chained audit log. Never updated, never deleted.</summary>
internal sealed class AuditEntryEntity
{
    /// <summary>1, 2, 3, ... with no gaps: part of what the hash covers.</summary>
    public long Sequence { get; set; }

    public DateTime Timestamp { get; set; }

    public required string Actor { get; set; }

    public required string Action { get; set; }

    public required string Target { get; set; }

    /// <summary>Why it happened, in words.</summary>
    public required string Reason { get; set; }

    /// <summary>Canonical JSON object or null; never a secret.</summary>
    public string? Data { get; set; }

    public required string PreviousHash { get; set; }

    public required string Hash { get; set; }
}

internal sealed class AuditEntryEntityConfiguration : IEntityTypeConfiguration<AuditEntryEntity>
{
    public void Configure(EntityTypeBuilder<AuditEntryEntity> builder)
    {
        builder.ToTable("audit_entries");
        builder.HasKey(e => e.Sequence);
        builder.Property(e => e.Sequence).ValueGeneratedNever();
        builder.Property(e => e.Actor).HasMaxLength(200);
        builder.Property(e => e.Action).HasMaxLength(100);
        builder.Property(e => e.Target).HasMaxLength(400);
        builder.Property(e => e.PreviousHash).HasMaxLength(64);
        builder.Property(e => e.Hash).HasMaxLength(64);
        builder.HasIndex(e => e.Timestamp);
        builder.HasIndex(e => e.Actor);
        builder.HasIndex(e => e.Action);
        builder.HasIndex(e => e.Target);
    }
}
