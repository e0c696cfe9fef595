using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Blobs;

/// <summary>One stored blob: its content hash (the store's key), size and media type.</summary>
internal sealed class BlobEntity
{
    public required string Sha256 { get; set; }

    public long Size { get; set; }

    public required string MediaType { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Bumped by every new reference, so the pruner leaves alone a blob that a run started to use a moment ago.</summary>
    public DateTime LastReferencedAt { get; set; }
}

/// <summary>A run that refers to a blob (its input, a node's output). A blob with no such row left is deleted by the pruner.</summary>
internal sealed class RunBlobEntity
{
    public Guid RunId { get; set; }

    public required string Sha256 { get; set; }
}

internal sealed class BlobEntityConfigurations : IEntityTypeConfiguration<BlobEntity>, IEntityTypeConfiguration<RunBlobEntity>
{
    public void Configure(EntityTypeBuilder<BlobEntity> builder)
    {
        builder.ToTable("blobs");
        builder.HasKey(b => b.Sha256);
        builder.Property(b => b.Sha256).HasMaxLength(64);
        builder.Property(b => b.MediaType).HasMaxLength(100);
    }

    public void Configure(EntityTypeBuilder<RunBlobEntity> builder)
    {
        builder.ToTable("run_blobs");
        builder.HasKey(b => new { b.RunId, b.Sha256 });
        builder.Property(b => b.Sha256).HasMaxLength(64);
        builder.HasIndex(b => b.Sha256);
    }
}
