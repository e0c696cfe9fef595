using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlTower.Server.Platform.Persistence;

/// <summary>
/// Rewrites the two statements of MySql.EntityFrameworkCore (written for MySQL 8) that MariaDB reads differently,
/// into forms both servers run alike:
/// <list type="bullet">
/// <item>The migration lock, <c>GET_LOCK(name, -1)</c>: "wait for ever" on MySQL, NULL on MariaDB, whose positive
/// answer is also a 32-bit number where the provider reads a 64-bit one. The longest timeout both accept, widened to 64 bits.</item>
/// <item><c>ExecuteDelete</c>'s <c>DELETE FROM `t` AS `a` …</c>, an alias MariaDB does not take in a single-table
/// delete: the multi-table form <c>DELETE `a` FROM `t` AS `a` …</c> means the same on both.</item>
/// </list>
/// </summary>
internal sealed partial class MariaDbDialect : DbCommandInterceptor
{
    private const string ProviderLock = "SELECT GET_LOCK('__EFMigrationsLock',-1);";

    // The BIGINT fallback widens the result to 64 bits; it is never 1, so a NULL still reads as a failure.
    private const string PortableLock = "SELECT COALESCE(GET_LOCK('__EFMigrationsLock',2147483647), -9223372036854775807);";

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Rewrite(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Rewrite(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Rewrite(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Rewrite(command);
        return ValueTask.FromResult(result);
    }

    private static void Rewrite(DbCommand command)
    {
        var text = command.CommandText;
        if (string.Equals(text.Trim(), ProviderLock, StringComparison.Ordinal))
        {
            command.CommandText = PortableLock;
        }
        else if (text.StartsWith("DELETE FROM `", StringComparison.Ordinal))
        {
            command.CommandText = AliasedDelete().Replace(text, "DELETE $2 FROM $1 AS $2", 1);
        }
    }

    [GeneratedRegex(@"^DELETE FROM (`[^`]+`) AS (`[^`]+`)", RegexOptions.CultureInvariant)]
    private static partial Regex AliasedDelete();
}
