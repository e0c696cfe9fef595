namespace ControlTower.Server.Platform.Persistence;

/// <summary>What the code needs to know of Oracle's MySQL provider (MySql.EntityFrameworkCore), which also serves MariaDB.</summary>
internal static class MySqlProvider
{
    /// <summary>The provider's name, as <c>Database.ProviderName</c> and a migration's <c>ActiveProvider</c> give it.</summary>
    public const string Name = "MySql.EntityFrameworkCore";

    /// <summary>ER_DUP_ENTRY: "Duplicate entry '…' for key '…'".</summary>
    public const int DuplicateEntry = 1062;

    /// <summary>
    /// Characters of a long text key that MySQL indexes: InnoDB keys hold at most 3,072 bytes, 4 per utf8mb4 character,
    /// and a trust scope key may have 1,100. 760 leaves room for a time column beside it; scopes that share their first
    /// 760 characters (five parts of up to 200 each) would share a key.
    /// </summary>
    public const int IndexedPrefix = 760;
}
