using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Identity;

internal sealed class UserEntity
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string? Email { get; set; }

    public required string Role { get; set; }

    /// <summary>The built-in admin that the bootstrap key and demo mode act as.</summary>
    public bool BuiltIn { get; set; }

    public bool Disabled { get; set; }

    /// <summary><c>issuer|subject</c> of the OIDC identity this user signs in as; null for local users.</summary>
    public string? ExternalSubject { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class ApiKeyEntity
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public required string Name { get; set; }

    /// <summary>The key's public prefix: finds the row without revealing the secret part.</summary>
    public required string Prefix { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole key; the key itself is never stored.</summary>
    public required string Hash { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}

internal sealed class UserEntityConfiguration : IEntityTypeConfiguration<UserEntity>
{
    public void Configure(EntityTypeBuilder<UserEntity> builder)
    {
        builder.ToTable("users");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Name).HasMaxLength(100);
        builder.HasIndex(u => u.Name).IsUnique();
        builder.Property(u => u.Email).HasMaxLength(320);
        builder.Property(u => u.Role).HasMaxLength(20);
        builder.Property(u => u.ExternalSubject).HasMaxLength(520);
        builder.HasIndex(u => u.ExternalSubject).IsUnique();
    }
}

internal sealed class ApiKeyEntityConfiguration : IEntityTypeConfiguration<ApiKeyEntity>
{
    public void Configure(EntityTypeBuilder<ApiKeyEntity> builder)
    {
        builder.ToTable("api_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Name).HasMaxLength(100);
        builder.Property(k => k.Prefix).HasMaxLength(16);
        builder.HasIndex(k => k.Prefix).IsUnique();
        builder.Property(k => k.Hash).HasMaxLength(64);
        builder.HasIndex(k => k.UserId);
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
