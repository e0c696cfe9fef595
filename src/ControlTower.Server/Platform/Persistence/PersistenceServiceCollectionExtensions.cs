using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlTower.Server.Platform.Persistence;

internal static class PersistenceServiceCollectionExtensions
{
    public const string MigrationsHistoryTable = "__ct_migrations";

    private static readonly SqliteBusyTimeout BusyTimeout = new();
    private static readonly MySqlReadCommitted ReadCommitted = new();
    private static readonly MySqlReadCommittedTransactions ReadCommittedTransactions = new();
    private static readonly MariaDbDialect MariaDb = new();

    public static IServiceCollection AddPersistence(this IServiceCollection services, DatabaseConnection connection)
    {
        services.AddSingleton(connection);
        services.AddDbContextFactory<ControlTowerDbContext>((provider, options) =>
        {
            Configure(options, connection);
            options.AddInterceptors(provider.GetServices<IInterceptor>());
        });
        services.AddSingleton<DatabaseInitializer>();
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, DatabaseConnection connection)
    {
        if (connection.Provider == DatabaseProvider.PostgreSql)
        {
            options.UseNpgsql(connection.ConnectionString, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable));
        }
        else if (connection.Provider == DatabaseProvider.MySql)
        {
            options.UseMySQL(connection.ConnectionString, mysql => mysql.MigrationsHistoryTable(MigrationsHistoryTable));
            options.AddInterceptors(ReadCommitted, ReadCommittedTransactions, MariaDb);
        }
        else
        {
            options.UseSqlite(connection.ConnectionString, sqlite => sqlite.MigrationsHistoryTable(MigrationsHistoryTable));
            options.AddInterceptors(BusyTimeout);
        }

        // Migrations are hand-written (the EF design-time tools are not available), so there is no
        // model snapshot to compare with; the schema tests compare the migrated database to the model instead.
        options.ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning));
    }
}
