using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ControlTower.Server.Tests.Platform;

/// <summary>An empty database, migrated, has exactly the tables and columns the EF model maps, on every provider.</summary>
public sealed class MigrationTests
{
    [Fact]
    public async Task Migrate_WhenSqliteIsEmpty_SchemaMatchesModel()
    {
        using var factory = new ControlTowerFactory();
        using var client = factory.CreateClient();

        var actual = await ReadSqliteSchemaAsync(factory.SqliteFile);

        AssertSchemaMatchesModel(factory, actual);
    }

    [Fact]
    public async Task Migrate_WhenPostgresIsEmpty_SchemaMatchesModel()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        using var factory = new ControlTowerFactory(postgres: postgres);
        using var client = factory.CreateClient();

        var actual = await ReadPostgresSchemaAsync(postgres.ConnectionString);

        AssertSchemaMatchesModel(factory, actual);
    }

    [Fact]
    public async Task Migrate_WhenMySqlIsEmpty_SchemaMatchesModelWithBinaryText()
    {
        await using var mysql = await MySqlDatabase.CreateAsync();
        using var factory = new ControlTowerFactory(mysql: mysql);
        using var client = factory.CreateAdminClient();

        var actual = await ReadMySqlSchemaAsync(mysql);
        var collations = await mysql.QueryAsync(
            "SELECT DISTINCT collation_name FROM information_schema.columns WHERE table_schema = DATABASE() AND collation_name IS NOT NULL");
        var database = (await client.GetFromJsonAsync<JsonObject>("/health"))!["components"]!["database"]!;

        AssertSchemaMatchesModel(factory, actual);
        Assert.Equal(["utf8mb4_bin"], collations.Select(row => (string)row[0]!));
        Assert.Equal(("healthy", "mysql"), (database["status"]!.GetValue<string>(), database["data"]!["provider"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Migrate_WhenMySqlRunsTwice_AppliesNothingTheSecondTime()
    {
        await using var mysql = await MySqlDatabase.CreateAsync();
        using var factory = new ControlTowerFactory(mysql: mysql);
        var initializer = factory.Services.GetRequiredService<DatabaseInitializer>();

        var second = await initializer.MigrateAsync(CancellationToken.None);

        Assert.Empty(second);
        Assert.Empty(await initializer.PendingMigrationsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Migrate_WhenRunTwice_AppliesNothingTheSecondTime()
    {
        using var factory = new ControlTowerFactory();
        var initializer = factory.Services.GetRequiredService<DatabaseInitializer>();

        var second = await initializer.MigrateAsync(CancellationToken.None);

        Assert.Empty(second);
        Assert.Empty(await initializer.PendingMigrationsAsync(CancellationToken.None));
    }

    private static void AssertSchemaMatchesModel(ControlTowerFactory factory, Dictionary<string, Dictionary<string, bool>> actual)
    {
        using var db = factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContext();
        foreach (var entity in db.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            Assert.True(actual.ContainsKey(table), $"table {table} is missing");
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            var expected = entity.GetProperties().ToDictionary(p => p.GetColumnName(store)!, p => p.IsColumnNullable(store));
            Assert.Equal(expected.Keys.Order(), actual[table].Keys.Order());
            foreach (var (column, nullable) in expected)
            {
                Assert.True(actual[table][column] == nullable, $"{table}.{column}: nullable {actual[table][column]}, model says {nullable}");
            }
        }

        var modelTables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).ToHashSet();
        Assert.DoesNotContain(actual.Keys, t => !modelTables.Contains(t) && !t.StartsWith("__", StringComparison.Ordinal));
    }

    private static async Task<Dictionary<string, Dictionary<string, bool>>> ReadSqliteSchemaAsync(string file)
    {
        var schema = new Dictionary<string, Dictionary<string, bool>>();
        var tables = await Sqlite.QueryAsync(file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
        foreach (var table in tables.Select(row => (string)row[0]!))
        {
            var columns = await Sqlite.QueryAsync(file, $"SELECT name, \"notnull\", pk FROM pragma_table_info('{table}')");
            schema[table] = columns.ToDictionary(c => (string)c[0]!, c => (long)c[1]! == 0 && (long)c[2]! == 0);
        }

        return schema;
    }

    private static async Task<Dictionary<string, Dictionary<string, bool>>> ReadMySqlSchemaAsync(MySqlDatabase mysql)
    {
        var rows = await mysql.QueryAsync(
            "SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = DATABASE()");
        return rows.GroupBy(row => (string)row[0]!)
            .ToDictionary(table => table.Key, table => table.ToDictionary(row => (string)row[1]!, row => (string)row[2]! == "YES"));
    }

    private static async Task<Dictionary<string, Dictionary<string, bool>>> ReadPostgresSchemaAsync(string connectionString)
    {
        var schema = new Dictionary<string, Dictionary<string, bool>>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var table = reader.GetString(0);
            if (!schema.TryGetValue(table, out var columns))
            {
                schema[table] = columns = [];
            }

            columns[reader.GetString(1)] = reader.GetString(2) == "YES";
        }

        return schema;
    }
}
