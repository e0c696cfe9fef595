using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ControlTower.Server.Tests.Workflows;

/// <summary>
/// Upgrading a database with workflows, versions and runs to <c>20261207000001_WorkflowOwnership</c>, on SQLite and
/// PostgreSQL: each version gets its saver's id (the owner's for a version no user saved), and an unfinished
/// webhook run moves from the owner's identity to its version's author; finished and manual runs are left alone.
/// </summary>
public sealed class WorkflowOwnershipMigrationTests
{
    private const string Before = "20261121000008_NodeTypeSwitches";

    private static readonly Guid Owner = Guid.NewGuid();
    private static readonly Guid Editor = Guid.NewGuid();
    private static readonly Guid Workflow = Guid.NewGuid();
    private static readonly Guid OpenHookRun = Guid.NewGuid();
    private static readonly Guid DoneHookRun = Guid.NewGuid();
    private static readonly Guid ManualRun = Guid.NewGuid();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Migrate_WhenWorkflowsAndRunsExist_AssignsAuthorsAndMovesOpenTriggerRunsToThem(string provider)
    {
        await using var postgres = provider == "postgres" ? await PostgresDatabase.CreateAsync() : null;
        var folder = Directory.CreateTempSubdirectory("controltower-upgrade-").FullName;
        var connection = postgres is null
            ? new DatabaseConnection(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(folder, "upgrade.db")};Pooling=False")
            : new DatabaseConnection(DatabaseProvider.PostgreSql, postgres.ConnectionString);
        var options = new DbContextOptionsBuilder<ControlTowerDbContext>();
        PersistenceServiceCollectionExtensions.Configure(options, connection);
        try
        {
            await using var db = new ControlTowerDbContext(options.Options);
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(Before);
            await SeedAsync(db);

            await migrator.MigrateAsync();

            var authors = await db.Database.SqlQueryRaw<Guid>("""SELECT "AuthorId" AS "Value" FROM workflow_versions ORDER BY "Version" """).ToListAsync();
            Assert.Equal([Owner, Editor, Owner], authors);
            var runs = await db.Database.SqlQueryRaw<RunRow>("""SELECT "Id", "StartedBy", "PrincipalSource" FROM runs""").ToDictionaryAsync(r => r.Id);
            Assert.Equal((Editor, "version_author"), (runs[OpenHookRun].StartedBy, runs[OpenHookRun].PrincipalSource));
            Assert.Equal((Owner, "caller"), (runs[DoneHookRun].StartedBy, runs[DoneHookRun].PrincipalSource));
            Assert.Equal((Owner, "caller"), (runs[ManualRun].StartedBy, runs[ManualRun].PrincipalSource));
            Assert.Equal(0, await db.Database.SqlQueryRaw<int>("""SELECT COUNT(*) AS "Value" FROM workflow_shares""").SingleAsync());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class RunRow
    {
        public Guid Id { get; set; }

        public Guid StartedBy { get; set; }

        public string PrincipalSource { get; set; } = "";
    }

    private static async Task SeedAsync(ControlTowerDbContext db)
    {
        // The rows are written as SQL in the shape of the schema before the migration, not through today's model.
        var pg = db.IsPostgreSql;
        string Id(Guid id) => pg ? $"'{id}'" : $"'{id.ToString().ToUpperInvariant()}'";
        const string at = "'2026-12-01 00:00:00'";
        var sql = $"""
            INSERT INTO users ("Id", "Name", "Role", "BuiltIn", "Disabled", "CreatedAt") VALUES
              ({Id(Owner)}, 'owner', 'operator', FALSE, FALSE, {at}),
              ({Id(Editor)}, 'editor', 'operator', FALSE, FALSE, {at});
            INSERT INTO workflows ("Id", "Name", "OwnerId", "Enabled", "LatestVersion", "CreatedAt", "UpdatedAt")
            VALUES ({Id(Workflow)}, 'hook', {Id(Owner)}, TRUE, 3, {at}, {at});
            INSERT INTO workflow_versions ("WorkflowId", "Version", "Graph", "Author", "CreatedAt") VALUES
              ({Id(Workflow)}, 1, '[]', 'user:owner', {at}),
              ({Id(Workflow)}, 2, '[]', 'user:editor', {at}),
              ({Id(Workflow)}, 3, '[]', 'system:seed', {at});
            INSERT INTO runs ("Id", "WorkflowId", "WorkflowVersion", "Status", "State", "StateVersion", "NextEventSeq", "Seed", "Trigger", "StartedBy", "TraceId", "CreatedAt", "UpdatedAt") VALUES
              ({Id(OpenHookRun)}, {Id(Workflow)}, 2, 'waiting', '[]', 1, 1, 7, 'webhook', {Id(Owner)}, 't1', {at}, {at}),
              ({Id(DoneHookRun)}, {Id(Workflow)}, 2, 'completed', '[]', 1, 1, 7, 'webhook', {Id(Owner)}, 't2', {at}, {at}),
              ({Id(ManualRun)}, {Id(Workflow)}, 2, 'running', '[]', 1, 1, 7, 'manual', {Id(Owner)}, 't3', {at}, {at});
            """;
        await db.Database.ExecuteSqlRawAsync(sql);
    }
}
