using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlTower.Server.Audit;

/// <summary>
/// The one row a MySQL transaction locks (<c>FOR UPDATE</c>) before appending to the audit chain. MySQL's own
/// named locks belong to the connection, not the transaction, so they could outlive a failed commit in the pool;
/// a row lock ends with the transaction, as PostgreSQL's transaction-scoped advisory lock does.
/// </summary>
internal sealed class AuditChainLockEntity
{
    public const int TheRow = 1;

    public int Id { get; set; }
}

internal sealed class AuditChainLockEntityConfiguration : IEntityTypeConfiguration<AuditChainLockEntity>
{
    public void Configure(EntityTypeBuilder<AuditChainLockEntity> builder)
    {
        builder.ToTable("audit_chain_lock");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
    }
}
