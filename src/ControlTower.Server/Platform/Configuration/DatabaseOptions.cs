using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Platform.Configuration;

internal sealed class DatabaseOptions
{
    /// <summary>
    /// Empty: a SQLite file <c>controltower.db</c> in <c>DATA_DIR</c>.
    /// <c>postgres://user:pass@host:port/db</c> or an Npgsql string (<c>Host=...</c>): PostgreSQL.
    /// <c>Data Source=path</c> or <c>sqlite:path</c>: that SQLite file.
    /// </summary>
    [ConfigurationKeyName("DATABASE_URL")]
    public string? Url { get; set; }
}
