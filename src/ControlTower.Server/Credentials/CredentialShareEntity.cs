using ControlTower.Server.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Credentials;

/// <summary>
/// A use-only grant of a credential to one user or to everyone holding a role: grantees may have runs
/// use it, never read it back, change it or share it further. Exactly one grantee column is set.
/// </summary>
internal sealed class CredentialShareEntity
{
    public Guid Id { get; set; }

    public Guid CredentialId { get; set; }

    public Guid? GranteeUserId { get; set; }

    public string? GranteeRole { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>The audit actor that granted it.</summary>
    public required string CreatedBy { get; set; }
}

internal sealed class CredentialShareEntityConfiguration : IEntityTypeConfiguration<CredentialShareEntity>
{
    public void Configure(EntityTypeBuilder<CredentialShareEntity> builder)
    {
        builder.ToTable("credential_shares");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(s => s.CredentialId).HasColumnName("credential_id");
        builder.Property(s => s.GranteeUserId).HasColumnName("grantee_user_id");
        builder.Property(s => s.GranteeRole).HasColumnName("grantee_role").HasMaxLength(20);
        builder.Property(s => s.CreatedAt).HasColumnName("created_at");
        builder.Property(s => s.CreatedBy).HasColumnName("created_by").HasMaxLength(200);
        builder.HasIndex(s => s.CredentialId).HasDatabaseName("ix_credential_shares_credential");
        builder.HasIndex(s => s.GranteeUserId).HasDatabaseName("ix_credential_shares_user");
        builder.HasIndex(s => s.GranteeRole).HasDatabaseName("ix_credential_shares_role");
        builder.HasIndex(s => new { s.CredentialId, s.GranteeUserId }).IsUnique().HasDatabaseName("ux_credential_shares_user");
        builder.HasIndex(s => new { s.CredentialId, s.GranteeRole }).IsUnique().HasDatabaseName("ux_credential_shares_role");
        builder.HasOne<CredentialEntity>().WithMany().HasForeignKey(s => s.CredentialId).OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_credential_shares_credentials");
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(s => s.GranteeUserId).OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_credential_shares_users");
    }
}
