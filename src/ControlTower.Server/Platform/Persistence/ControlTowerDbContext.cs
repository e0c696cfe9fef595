using ControlTower.Server.Audit;
using ControlTower.Server.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ControlTower.Server.Platform.Persistence;

/// <summary>
/// The one database context. Each feature folder owns its entities and their
/// <see cref="IEntityTypeConfiguration{TEntity}"/>; they are picked up from this assembly.
/// </summary>
internal sealed class ControlTowerDbContext(DbContextOptions<ControlTowerDbContext> options) : DbContext(options)
{
    private string? _providerName;

    public DbSet<UserEntity> Users => Set<UserEntity>();

    public DbSet<ApiKeyEntity> ApiKeys => Set<ApiKeyEntity>();

    public DbSet<AuditEntryEntity> AuditEntries => Set<AuditEntryEntity>();

    public bool IsPostgreSql => ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL";

    /// <summary>MySQL or MariaDB, through Oracle's MySql.EntityFrameworkCore.</summary>
    public bool IsMySql => ProviderName == MySqlProvider.Name;

    /// <summary>SQLite: neither of the server databases.</summary>
    public bool IsSqlite => !IsPostgreSql && !IsMySql;

    /// <summary>"postgresql", "mysql" or "sqlite", for health and logs.</summary>
    public string ProviderLabel => IsPostgreSql ? "postgresql" : IsMySql ? "mysql" : "sqlite";

    // Looked up once: the engine asks on every commit, and the provider of a context never changes.
    private string? ProviderName => _providerName ??= Database.ProviderName;

    /// <summary>The engine's bulk rows (events, node results), inserted without change tracking when this context saves.</summary>
    public Runs.EngineRows EngineRows { get; } = new();

    /// <summary>Set by the group commit for its open transaction: the audit chain's head its units left (<see cref="Audit.AuditChainCursor"/>).</summary>
    public Audit.AuditChainCursor? AuditCursor { get; set; }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        if (EngineRows.IsEmpty)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        if (Database.CurrentTransaction is not null)
        {
            return await SaveWithEngineRowsAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        // One transaction for all, as SaveChanges alone would be.
        await using var transaction = await Database.BeginTransactionAsync(cancellationToken);
        var count = await SaveWithEngineRowsAsync(acceptAllChangesOnSuccess, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    private async Task<int> SaveWithEngineRowsAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken)
    {
        try
        {
            // New runs first, as tracked rows may refer to them; then the tracked changes: a run row's version check then
            // fails before its events collide on their numbers, so a concurrent writer surfaces as the concurrency conflict
            // it is, not as a logged key violation.
            await EngineRows.FlushNewRunsAsync(this, cancellationToken);
            var saved = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
            await EngineRows.FlushAsync(this, cancellationToken);
            return saved;
        }
        finally
        {
            EngineRows.Clear();
        }
    }

    public override void Dispose()
    {
        EngineRows.Dispose();
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        EngineRows.Dispose();
        return base.DisposeAsync();
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) => EngineRows.IsEmpty
        ? base.SaveChanges(acceptAllChangesOnSuccess)
        : throw new InvalidOperationException("The engine's rows are saved with SaveChangesAsync only.");

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ControlTowerDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every time is UTC; SQLite hands values back unspecified, so say so on the way out.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        value => value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value, DateTimeKind.Utc),
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
