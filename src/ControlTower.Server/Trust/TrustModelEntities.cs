using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Trust;

/// <summary>
/// One trained trust model: its manifest (kind, scope, version, training time, seed, feature config hash, dataset
/// manifest, held-out metrics) and its bytes, which load back into the same model. <see cref="Active"/> marks the version
/// of its kind that predictions use; older versions stay loadable.
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

    public required byte[] Artifact { get; set; }

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
        builder.HasIndex(m => m.Version).IsUnique();
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
