using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Trust;

/// <summary>
/// One trained trust model: its manifest (kind, scope, version, training time, seed, feature config hash, dataset
/// manifest, held-out metrics) and a reference to its bytes in the blob store (<see cref="ArtifactSha256"/>), which load
/// back into the same model. <see cref="Active"/> marks the version of its kind that predictions use; older versions stay
/// loadable. Rows trained before the blob store held models keep their bytes inline (<see cref="Artifact"/>).
/// </summary>
internal sealed class TrustModelEntity
{
    public Guid Id { get; set; }

    public required string Kind { get; set; }

    public required string Scope { get; set; }

    public required string Version { get; set; }

    public DateTime TrainedAt { get; set; }

    public int Seed { get; set; }

    public required string FeatureConfigHash { get; set; }

    public required string Manifest { get; set; }

    /// <summary>The model's bytes, only on rows stored before models moved to the blob store; null when <see cref="ArtifactSha256"/> is set.</summary>
    public byte[]? Artifact { get; set; }

    /// <summary>The blob holding the model's bytes (their SHA-256, lower-case hex); its <c>blobs</c> row stays while this row does.</summary>
    public string? ArtifactSha256 { get; set; }

    public long? ArtifactSize { get; set; }

    public string? ArtifactMediaType { get; set; }

    /// <summary>How many trust events existed when it was trained (the new-events trigger counts from here).</summary>
    public int EventsAtTraining { get; set; }

    public bool Active { get; set; }

    public required string TrainedBy { get; set; }
}

/// <summary>A named lease across processes: whoever holds it (until <see cref="Until"/>) does the work; others skip.</summary>
internal sealed class TrustLeaseEntity
{
    public required string Name { get; set; }

    public required string Holder { get; set; }

    public DateTime Until { get; set; }
}

internal sealed class TrustModelEntityConfigurations : IEntityTypeConfiguration<TrustModelEntity>, IEntityTypeConfiguration<TrustLeaseEntity>
{
    public void Configure(EntityTypeBuilder<TrustModelEntity> builder)
    {
        builder.ToTable("trust_models");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Kind).HasMaxLength(20);
        builder.Property(m => m.Scope).HasMaxLength(1100);
        builder.Property(m => m.Version).HasMaxLength(200);
        builder.Property(m => m.FeatureConfigHash).HasMaxLength(100);
        builder.Property(m => m.TrainedBy).HasMaxLength(200);
        builder.Property(m => m.ArtifactSha256).HasMaxLength(64);
        builder.Property(m => m.ArtifactMediaType).HasMaxLength(100);
        builder.HasIndex(m => m.Version).IsUnique();
        builder.HasIndex(m => m.ArtifactSha256);
        builder.HasIndex(m => new { m.Kind, m.Active });
    }

    public void Configure(EntityTypeBuilder<TrustLeaseEntity> builder)
    {
        builder.ToTable("trust_leases");
        builder.HasKey(l => l.Name);
        builder.Property(l => l.Name).HasMaxLength(100);
        builder.Property(l => l.Holder).HasMaxLength(200);
    }
}
