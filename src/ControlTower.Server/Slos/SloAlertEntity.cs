using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Slos;

/// <summary>
/// One firing of one burn-rate rule of one SLO, from the evaluation that raised it to the one that cleared it.
/// <see cref="DedupeKey"/> (SLO, rule and the short window it fired in) is unique, so two evaluations (two processes,
/// a retry) raise and notify an episode once.
/// </summary>
internal sealed class SloAlertEntity
{
    public Guid Id { get; set; }

    public required string DedupeKey { get; set; }

    public required string SloId { get; set; }

    public required string Rule { get; set; }

    /// <summary>page or ticket.</summary>
    public required string Severity { get; set; }

    public double LongBurnRate { get; set; }

    public double ShortBurnRate { get; set; }

    public required string ConfigRevision { get; set; }

    public DateTime FiredAt { get; set; }

    public DateTime? ResolvedAt { get; set; }

    public DateTime? NotifiedFiringAt { get; set; }

    public DateTime? NotifiedResolvedAt { get; set; }
}

internal sealed class SloAlertConfiguration : IEntityTypeConfiguration<SloAlertEntity>
{
    public void Configure(EntityTypeBuilder<SloAlertEntity> builder)
    {
        builder.ToTable("slo_alerts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.DedupeKey).HasMaxLength(200);
        builder.Property(a => a.SloId).HasMaxLength(100);
        builder.Property(a => a.Rule).HasMaxLength(50);
        builder.Property(a => a.Severity).HasMaxLength(20);
        builder.Property(a => a.ConfigRevision).HasMaxLength(20);
        builder.HasIndex(a => a.DedupeKey).IsUnique();
        builder.HasIndex(a => new { a.SloId, a.ResolvedAt });
    }
}
