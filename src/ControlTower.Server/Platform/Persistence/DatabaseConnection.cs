using ControlTower.Server.Platform.Configuration;
using Npgsql;

namespace ControlTower.Server.Platform.Persistence;

internal enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>Which database a <c>DATABASE_URL</c> names, and the connection string for its provider.</summary>
internal sealed record DatabaseConnection(DatabaseProvider Provider, string ConnectionString)
{
    public static DatabaseConnection Resolve(DatabaseOptions database, PlatformOptions platform)
    {
        var url = database.Url?.Trim();
        if (string.IsNullOrEmpty(url))
        {
            var file = Path.Combine(platform.DataDirectoryFullPath, "controltower.db");
            return new(DatabaseProvider.Sqlite, $"Data Source={file}");
        }

        if (url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return new(DatabaseProvider.PostgreSql, FromPostgresUri(new Uri(url)));
        }

        if (url.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            // sqlite:relative/path, sqlite:///absolute/path
            var path = url["sqlite:".Length..];
            path = path.StartsWith("//", StringComparison.Ordinal) ? path[2..] : path;
            return new(DatabaseProvider.Sqlite, $"Data Source={path}");
        }

        if (url.Contains("Data Source=", StringComparison.OrdinalIgnoreCase))
        {
            return new(DatabaseProvider.Sqlite, url);
        }

        return new(DatabaseProvider.PostgreSql, url);
    }

    private static string FromPostgresUri(Uri uri)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        }

        if (userInfo.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }

        return builder.ConnectionString;
    }

    /// <summary>The file of a SQLite connection, for creating its folder.</summary>
    public string? SqliteFile =>
        Provider == DatabaseProvider.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource
            : null;
}
