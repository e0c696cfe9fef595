using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Runs;

/// <summary>Links a replay run to the finished run whose recorded side effects it is fed.</summary>
internal sealed class RunReplayEntity
{
    public Guid RunId { get; set; }

    public Guid SourceRunId { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class RunReplayEntityConfiguration : IEntityTypeConfiguration<RunReplayEntity>
{
    public void Configure(EntityTypeBuilder<RunReplayEntity> builder)
    {
        builder.ToTable("run_replays");
        builder.HasKey(r => r.RunId);
        builder.HasIndex(r => r.SourceRunId);
    }
}
