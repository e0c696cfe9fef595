using ControlTower.Server.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Credentials;

/// <summary>
/// One stored credential. The secret lives only in <see cref="EncryptedData"/>, a Fernet token whose
/// plaintext binds it to <see cref="UserId"/>, <see cref="Id"/> and <see cref="CredentialType"/>.
/// Column names follow the mission's schema (<c>user_id</c>, <c>encrypted_data</c>, ...).
/// </summary>
internal sealed class CredentialEntity
{
    public Guid Id { get; set; }

    /// <summary>The owner: the only user who may change, delete or share it.</summary>
    public Guid UserId { get; set; }

    /// <summary>Wire name of the <see cref="Core.Crypto.CredentialType"/>, e.g. <c>bearer_token</c>.</summary>
    public required string CredentialType { get; set; }

    public required string Name { get; set; }

    /// <summary>Never leaves the server; re-encrypted by rotation, replaced by an update.</summary>
    public required string EncryptedData { get; set; }

    /// <summary>The MCP server this credential is for, when it is for one.</summary>
    public string? McpServerId { get; set; }

    /// <summary>Fingerprint of the key the token was made under: lets an operator see what rotation has left.</summary>
    public required string KeyFingerprint { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the secret itself was last replaced (not when it was re-encrypted under a new key).</summary>
    public DateTime? RotatedAt { get; set; }

    public DateTime? LastUsedAt { get; set; }
}

internal sealed class CredentialEntityConfiguration : IEntityTypeConfiguration<CredentialEntity>
{
    public void Configure(EntityTypeBuilder<CredentialEntity> builder)
    {
        builder.ToTable("credentials");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(c => c.UserId).HasColumnName("user_id");
        builder.Property(c => c.CredentialType).HasColumnName("credential_type").HasMaxLength(40);
        builder.Property(c => c.Name).HasColumnName("name").HasMaxLength(CredentialLimits.MaxNameLength);
        // The token is the concurrency token too: rotation and an update racing on one row cannot
        // overwrite each other's ciphertext (the loser's UPDATE matches no row and is retried).
        builder.Property(c => c.EncryptedData).HasColumnName("encrypted_data").IsConcurrencyToken();
        builder.Property(c => c.McpServerId).HasColumnName("mcp_server_id").HasMaxLength(CredentialLimits.MaxServerIdLength);
        builder.Property(c => c.KeyFingerprint).HasColumnName("key_fingerprint").HasMaxLength(16);
        builder.Property(c => c.CreatedAt).HasColumnName("created_at");
        builder.Property(c => c.RotatedAt).HasColumnName("rotated_at");
        builder.Property(c => c.LastUsedAt).HasColumnName("last_used_at");
        builder.HasIndex(c => new { c.UserId, c.Name }).IsUnique().HasDatabaseName("ix_credentials_user_name");
        builder.HasIndex(c => c.McpServerId).HasDatabaseName("ix_credentials_mcp_server");
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade).HasConstraintName("fk_credentials_users");
    }
}

internal static class CredentialLimits
{
    public const int MaxNameLength = 200;
    public const int MaxServerIdLength = 200;
}
