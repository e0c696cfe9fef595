using System.Data.Common;
using System.Text.RegularExpressions;
using ControlTower.Server.Credentials;
using ControlTower.Server.Governance;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Rules;
using ControlTower.Server.Workflows;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using MySql.Data.MySqlClient;
using Npgsql;

namespace ControlTower.Server.Platform.Persistence;

/// <summary>
/// The one place that recognises a unique-key violation of any provider (SQLite 19/2067 or 1555,
/// PostgreSQL 23505, MySQL 1062) and names the conflict code of the resource whose table it hit. Services check for
/// duplicates before inserting, but two requests can pass that check together; the loser's insert lands here
/// and becomes a 409 with the same code the check gives, never a 500.
/// </summary>
internal static partial class UniqueViolations
{
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintUnique = 2067;
    private const int SqliteConstraintPrimaryKey = 1555;

    /// <summary>Table → the conflict code its unique keys mean; a table not listed gets <see cref="ErrorCodes.Conflict"/>.</summary>
    private static readonly Dictionary<string, string> CodeByTable = new(StringComparer.OrdinalIgnoreCase)
    {
        ["users"] = ErrorCodes.UserExists,
        ["credentials"] = CredentialErrorCodes.NameTaken,
        ["credential_shares"] = CredentialErrorCodes.ShareExists,
        ["rule_sets"] = RuleSetErrorCodes.Exists,
        ["rule_set_versions"] = RuleSetErrorCodes.ConcurrentUpdate,
        ["workflow_versions"] = WorkflowErrorCodes.VersionConflict,
        ["mcp_servers"] = McpErrorCodes.ServerExists,
        ["approval_decisions"] = GovernanceErrorCodes.AlreadyDecided,
    };

    /// <summary>The conflict code when <paramref name="exception"/> (or one it wraps) is a unique-key violation; otherwise null.</summary>
    public static string? ConflictCode(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException db && Table(db) is { } table)
            {
                table = table.Length == 0 ? SavedTable(exception) : table;
                return CodeByTable.GetValueOrDefault(table, ErrorCodes.Conflict);
            }
        }

        return null;
    }

    /// <summary>
    /// The one table EF was saving to when the provider named none (MariaDB calls every primary key "PRIMARY"),
    /// or "" when the failed save touched several tables.
    /// </summary>
    private static string SavedTable(Exception exception) =>
        exception is DbUpdateException { Entries: [_, ..] entries }
        && entries.Select(e => e.Metadata.GetTableName()).Distinct().ToList() is [{ } table]
            ? table
            : "";

    /// <summary>The table of a unique violation ("" when the provider does not say), or null for any other error.</summary>
    private static string? Table(DbException exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } postgres => postgres.TableName ?? "",
        SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: SqliteConstraintUnique or SqliteConstraintPrimaryKey } sqlite =>
            SqliteTable().Match(sqlite.Message) is { Success: true } match ? match.Groups[1].Value : "",
        MySqlException { Number: MySqlProvider.DuplicateEntry } mysql => MySqlTable(mysql.Message),
        _ => null,
    };

    /// <summary>
    /// MySQL names the key: "for key 'users.ix_users_name'" (MySQL 8) or "for key 'ix_users_name'" (MariaDB). Index
    /// names here are ix_/ux_ + table + columns, so the longest known table the name starts with is the table.
    /// </summary>
    private static string MySqlTable(string message)
    {
        if (MySqlKey().Match(message) is not { Success: true } match)
        {
            return "";
        }

        var key = match.Groups[1].Value;
        if (key.Split('.') is [var table, _])
        {
            return table;
        }

        var name = key.Length > 3 ? key[3..] : key;
        return CodeByTable.Keys.Where(t => name.StartsWith(t + "_", StringComparison.OrdinalIgnoreCase)).MaxBy(t => t.Length) ?? "";
    }

    [GeneratedRegex(@"for key '([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex MySqlKey();

    // SQLite names the first column of the key: "UNIQUE constraint failed: users.name".
    [GeneratedRegex(@"UNIQUE constraint failed: ""?(\w+)""?\.", RegexOptions.CultureInvariant)]
    private static partial Regex SqliteTable();
}
