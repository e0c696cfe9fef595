using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Triggers;

/// <summary>
/// Where one <c>trigger.schedule</c> node of an enabled workflow stands: the next instant it fires and
/// the last one it fired for. <see cref="Version"/> changes on every write, so two schedulers that
/// raced on the row find out; the run's idempotency key makes the race harmless anyway.
/// </summary>
internal sealed class ScheduleStateEntity
{
    public Guid WorkflowId { get; set; }

    public required string TriggerNodeId { get; set; }

    /// <summary>The workflow version the cron and time zone were read from.</summary>
    public int WorkflowVersion { get; set; }

    public required string Cron { get; set; }

    public required string TimeZone { get; set; }

    public DateTime NextFireAt { get; set; }

    public DateTime? LastFiredAt { get; set; }

    public long Version { get; set; }

    public DateTime UpdatedAt { get; set; }
}

internal sealed class ScheduleStateEntityConfiguration : IEntityTypeConfiguration<ScheduleStateEntity>
{
    public void Configure(EntityTypeBuilder<ScheduleStateEntity> builder)
    {
        builder.ToTable("schedule_states");
        builder.HasKey(s => new { s.WorkflowId, s.TriggerNodeId });
        builder.Property(s => s.TriggerNodeId).HasMaxLength(100);
        builder.Property(s => s.Cron).HasMaxLength(200);
        builder.Property(s => s.TimeZone).HasMaxLength(100);
        builder.Property(s => s.Version).IsConcurrencyToken();
        builder.HasIndex(s => s.NextFireAt);
    }
}
