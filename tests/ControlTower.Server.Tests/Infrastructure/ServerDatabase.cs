namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>A fresh database on the PostgreSQL or the MariaDB/MySQL that test.sh starts, for scenarios that run on both servers.</summary>
internal sealed class ServerDatabase : IAsyncDisposable
{
    private readonly PostgresDatabase? _postgres;
    private readonly MySqlDatabase? _mysql;

    private ServerDatabase(PostgresDatabase? postgres, MySqlDatabase? mysql)
    {
        _postgres = postgres;
        _mysql = mysql;
    }

    /// <summary><paramref name="provider"/> is "postgres" or "mysql".</summary>
    public static async Task<ServerDatabase> CreateAsync(string provider) => provider switch
    {
        "postgres" => new(await PostgresDatabase.CreateAsync(), null),
        "mysql" => new(null, await MySqlDatabase.CreateAsync()),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "postgres or mysql"),
    };

    public ControlTowerFactory Factory(IDictionary<string, string?>? settings = null) => new(settings, _postgres, _mysql);

    /// <summary>One value; the SQL is written with PostgreSQL's quoting, which the MySQL session reads too (ANSI_QUOTES).</summary>
    public Task<T?> ScalarAsync<T>(string sql) => _postgres?.ScalarAsync<T>(sql) ?? _mysql!.ScalarAsync<T>(sql);

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        if (_mysql is not null)
        {
            await _mysql.DisposeAsync();
        }
    }
}
