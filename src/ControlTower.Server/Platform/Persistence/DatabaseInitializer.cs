using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Platform.Persistence;

/// <summary>Brings the database to the code's schema: migrates in demo and development, checks in production.</summary>
internal sealed partial class DatabaseInitializer(
    IDbContextFactory<ControlTowerDbContext> contexts,
    DatabaseConnection connection,
    IOptions<PlatformOptions> platform,
    ILogger<DatabaseInitializer> logger)
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (platform.Value.Mode == RunMode.Production)
        {
            var pending = await PendingMigrationsAsync(cancellationToken);
            if (pending.Count > 0)
            {
                throw new ControlTowerException(
                    ErrorKind.Unavailable,
                    ErrorCodes.MigrationsPending,
                    $"The database lacks {pending.Count} migration(s) ({string.Join(", ", pending)}): run `controltower migrate` first.");
            }

            return;
        }

        await MigrateAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        if (connection.SqliteFile is { } file && Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (connection.Provider == DatabaseProvider.MySql)
        {
            await UseBinaryCollationWhenEmptyAsync(db, pending, cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (connection.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets readers go on while the engine writes checkpoints; the setting persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        foreach (var migration in pending)
        {
            Log.MigrationApplied(logger, migration, connection.Provider);
        }

        return pending;
    }

    /// <summary>
    /// Before the first migration, makes the MySQL database's default collation binary, so that its tables compare
    /// text as SQLite and PostgreSQL do: MySQL's usual default ignores case and accents, so "Alice" would take "alice"'s unique name.
    /// </summary>
    private static async Task UseBinaryCollationWhenEmptyAsync(ControlTowerDbContext db, List<string> pending, CancellationToken cancellationToken)
    {
        if (pending.Count == db.Database.GetMigrations().Count() && await db.Database.CanConnectAsync(cancellationToken))
        {
            await db.Database.ExecuteSqlRawAsync("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;", cancellationToken);
        }
    }

    public async Task<IReadOnlyList<string>> PendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
    }
}
