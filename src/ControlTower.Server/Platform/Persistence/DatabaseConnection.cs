using System.Text.RegularExpressions;
using ControlTower.Server.Platform.Configuration;
using Microsoft.Extensions.Options;
using MySql.Data.MySqlClient;
using Npgsql;

namespace ControlTower.Server.Platform.Persistence;

internal enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
    MySql,
}

/// <summary>Which database a <c>DATABASE_URL</c> names, and the connection string for its provider.</summary>
internal sealed partial record DatabaseConnection(DatabaseProvider Provider, string ConnectionString)
{
    public const string Supported =
        "postgres://user:pass@host:port/db (or an Npgsql string, Host=...), mysql://user:pass@host:port/db, " +
        "sqlite:path (or Data Source=path), or empty for a SQLite file in DATA_DIR";

    /// <summary>The connection <c>DATABASE_URL</c> names; a malformed URL or an unknown scheme refuses to start (<see cref="OptionsValidationException"/>), naming what is supported.</summary>
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
            return new(DatabaseProvider.PostgreSql, FromPostgresUri(ParseUri(url)));
        }

        if (url.StartsWith("mysql://", StringComparison.OrdinalIgnoreCase))
        {
            return new(DatabaseProvider.MySql, FromMySqlUri(ParseUri(url)));
        }

        if (url.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            // sqlite:relative/path, sqlite:///absolute/path
            var path = url["sqlite:".Length..];
            path = path.StartsWith("//", StringComparison.Ordinal) ? path[2..] : path;
            return new(DatabaseProvider.Sqlite, $"Data Source={path}");
        }

        if (Scheme().Match(url) is { Success: true } scheme)
        {
            throw Refuse($"its scheme '{scheme.Groups[1].Value}://' is not one Control Tower knows");
        }

        if (url.Contains("Data Source=", StringComparison.OrdinalIgnoreCase))
        {
            return new(DatabaseProvider.Sqlite, url);
        }

        return new(DatabaseProvider.PostgreSql, ValidNpgsqlString(url));
    }

    /// <summary>The file of a SQLite connection, for creating its folder.</summary>
    public string? SqliteFile =>
        Provider == DatabaseProvider.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource
            : null;

    private static Uri ParseUri(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0 && uri.AbsolutePath.Trim('/').Length > 0
            ? uri
            : throw Refuse("it is not a URL of the form scheme://user:pass@host:port/database");

    private static string FromPostgresUri(Uri uri)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        var (user, password) = UserInfo(uri);
        builder.Username = user;
        builder.Password = password;
        return builder.ConnectionString;
    }

    private static string FromMySqlUri(Uri uri)
    {
        var builder = new MySqlConnectionStringBuilder
        {
            Server = uri.Host,
            Port = (uint)(uri.IsDefaultPort || uri.Port <= 0 ? 3306 : uri.Port),
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
            CharacterSet = "utf8mb4",
        };
        var (user, password) = UserInfo(uri);
        builder.UserID = user ?? "";
        builder.Password = password ?? "";
        return builder.ConnectionString;
    }

    private static (string? User, string? Password) UserInfo(Uri uri)
    {
        var userInfo = uri.UserInfo.Split(':', 2);
        var user = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : null;
        var password = userInfo.Length == 2 ? Uri.UnescapeDataString(userInfo[1]) : null;
        return (user, password);
    }

    private static string ValidNpgsqlString(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString).ConnectionString;
        }
        catch (ArgumentException)
        {
            throw Refuse("it is neither a URL nor a valid Npgsql connection string");
        }
    }

    // Never echoes the value: it may carry a password.
    private static OptionsValidationException Refuse(string why) =>
        new(nameof(DatabaseOptions), typeof(DatabaseOptions), [$"DATABASE_URL is not usable: {why}. Supported: {Supported}."]);

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9+.\-]*)://", RegexOptions.CultureInvariant)]
    private static partial Regex Scheme();
}
