using MySql.Data.MySqlClient;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>
/// A fresh, empty database on the MariaDB (or MySQL) that test.sh starts (CT_TEST_MYSQL, a mysql:// URL), dropped
/// afterwards. Without that server the test fails: MySQL tests are never skipped silently.
/// </summary>
internal sealed class MySqlDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;

    private MySqlDatabase(Uri admin, string name)
    {
        var userInfo = admin.UserInfo.Split(':', 2);
        var builder = new MySqlConnectionStringBuilder
        {
            Server = admin.Host,
            Port = (uint)(admin.Port > 0 ? admin.Port : 3306),
            UserID = Uri.UnescapeDataString(userInfo[0]),
            Password = userInfo.Length == 2 ? Uri.UnescapeDataString(userInfo[1]) : "",
            Pooling = false,
        };
        _adminConnectionString = builder.ConnectionString;
        ConnectionString = new MySqlConnectionStringBuilder(builder.ConnectionString) { Database = name }.ConnectionString;
        Url = new UriBuilder(admin) { Path = "/" + name }.Uri.ToString();
        Name = name;
    }

    public string Name { get; }

    /// <summary>The database as DATABASE_URL names it (mysql://user:pass@host:port/name).</summary>
    public string Url { get; }

    /// <summary>A MySql.Data connection string, for reading what the server stored.</summary>
    public string ConnectionString { get; }

    public static async Task<MySqlDatabase> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable("CT_TEST_MYSQL");
        if (string.IsNullOrWhiteSpace(admin) || !Uri.TryCreate(admin, UriKind.Absolute, out var adminUri))
        {
            throw new InvalidOperationException(
                "CT_TEST_MYSQL is not set to a mysql:// URL: run the tests with ./test.sh, which starts a throwaway MariaDB and sets it.");
        }

        var database = new MySqlDatabase(adminUri, $"ct_test_{Guid.NewGuid():N}");
        await using var connection = new MySqlConnection(database._adminConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"CREATE DATABASE `{database.Name}`", connection);
        await command.ExecuteNonQueryAsync();
        return database;
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs SQL written for PostgreSQL's quoting: the session reads "Name" as an identifier (ANSI_QUOTES).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<List<object?[]>> QueryAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    private async Task<MySqlConnection> OpenAsync()
    {
        var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var ansi = new MySqlCommand("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')", connection);
        await ansi.ExecuteNonQueryAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        MySqlConnection.ClearAllPools();
        await using var connection = new MySqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"DROP DATABASE IF EXISTS `{Name}`", connection);
        await command.ExecuteNonQueryAsync();
    }
}
