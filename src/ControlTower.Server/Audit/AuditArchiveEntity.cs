using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Audit;

/// <summary>
/// A full audit export file, gzipped into the blob store (<see cref="Sha256"/>): the stretch of the hash chain it holds
/// (<see cref="FirstSequence"/> to <see cref="LastSequence"/>, ending at <see cref="LastHash"/>). Never updated, never
/// deleted, so its blob is never pruned.
/// </summary>
internal sealed class AuditArchiveEntity
{
    public Guid Id { get; set; }

    /// <summary>The export file's name (<c>audit-{first sequence}.jsonl</c>).</summary>
    public required string FileName { get; set; }

    public long FirstSequence { get; set; }

    public long LastSequence { get; set; }

    /// <summary>The hash of the entry before the first one (the genesis hash for the first file): where the stretch joins the chain.</summary>
    public required string PreviousHash { get; set; }

    /// <summary>The hash of the last entry: the chain's state at <see cref="LastSequence"/>.</summary>
    public required string LastHash { get; set; }

    /// <summary>SHA-256 (lower-case hex) of the gzipped bytes: the blob's key.</summary>
    public required string Sha256 { get; set; }

    /// <summary>Gzipped bytes.</summary>
    public long Size { get; set; }

    /// <summary>Bytes of the JSONL file before compression.</summary>
    public long ContentLength { get; set; }

    public DateTime ArchivedAt { get; set; }
}

internal sealed class AuditArchiveEntityConfiguration : IEntityTypeConfiguration<AuditArchiveEntity>
{
    public void Configure(EntityTypeBuilder<AuditArchiveEntity> builder)
    {
        builder.ToTable("audit_archives");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.FileName).HasMaxLength(100);
        builder.Property(a => a.PreviousHash).HasMaxLength(64);
        builder.Property(a => a.LastHash).HasMaxLength(64);
        builder.Property(a => a.Sha256).HasMaxLength(64);
        builder.HasIndex(a => a.FirstSequence).IsUnique();
        builder.HasIndex(a => a.Sha256);
    }
}
