using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Retention;

/// <summary>A run a person keeps out of retention (evidence for an incident, a case under review), until they release it.</summary>
internal sealed class RunHoldEntity
{
    public Guid RunId { get; set; }

    public required string HeldBy { get; set; }

    public string? Reason { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class RunHoldEntityConfiguration : IEntityTypeConfiguration<RunHoldEntity>
{
    public void Configure(EntityTypeBuilder<RunHoldEntity> builder)
    {
        builder.ToTable("run_holds");
        builder.HasKey(h => h.RunId);
        builder.Property(h => h.HeldBy).HasMaxLength(200);
        builder.Property(h => h.Reason).HasMaxLength(1000);
    }
}
