using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Rules;

/// <summary>A named rule set; every save makes an immutable <see cref="RuleSetVersionEntity"/>.</summary>
internal sealed class RuleSetEntity
{
    public required string Id { get; set; }

    public string? Description { get; set; }

    public int LatestVersion { get; set; }

    public required string CreatedBy { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

internal sealed class RuleSetVersionEntity
{
    public required string RuleSetId { get; set; }

    public int Version { get; set; }

    /// <summary>The definition as <see cref="Core.Rules.RuleSetJson.ToJson"/> writes it.</summary>
    public required string Definition { get; set; }

    public required string Author { get; set; }

    public string? Message { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class RuleSetEntityConfigurations : IEntityTypeConfiguration<RuleSetEntity>, IEntityTypeConfiguration<RuleSetVersionEntity>
{
    public void Configure(EntityTypeBuilder<RuleSetEntity> builder)
    {
        builder.ToTable("rule_sets");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(100);
        builder.Property(r => r.Description).HasMaxLength(2000);
        builder.Property(r => r.CreatedBy).HasMaxLength(200);
        builder.Property(r => r.LatestVersion).IsConcurrencyToken();
    }

    public void Configure(EntityTypeBuilder<RuleSetVersionEntity> builder)
    {
        builder.ToTable("rule_set_versions");
        builder.HasKey(v => new { v.RuleSetId, v.Version });
        builder.Property(v => v.RuleSetId).HasMaxLength(100);
        builder.Property(v => v.Author).HasMaxLength(200);
        builder.Property(v => v.Message).HasMaxLength(1000);
        builder.HasOne<RuleSetEntity>().WithMany().HasForeignKey(v => v.RuleSetId).OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_rule_set_versions_rule_sets");
    }
}
