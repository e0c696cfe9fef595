using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlTower.Server.Platform.Persistence;

/// <summary>
/// MySql.EntityFrameworkCore takes its migration lock with <c>GET_LOCK(name, -1)</c>, "wait for ever" on MySQL;
/// MariaDB answers a negative timeout with NULL, and a positive one as a 32-bit number, where the provider reads a
/// 64-bit one. The same wait, spelled as the longest timeout both servers accept and cast to a 64-bit result, lets
/// <c>migrate</c> run on MariaDB too.
/// </summary>
internal sealed class MariaDbMigrationLock : DbCommandInterceptor
{
    private const string ProviderStatement = "SELECT GET_LOCK('__EFMigrationsLock',-1);";
    // The BIGINT fallback widens the result to 64 bits (MariaDB narrows a CAST AS SIGNED to the value's width); never 1, so a NULL is still a failure.
    private const string PortableStatement = "SELECT COALESCE(GET_LOCK('__EFMigrationsLock',2147483647), -9223372036854775807);";

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

    private static void Rewrite(DbCommand command)
    {
        if (string.Equals(command.CommandText.Trim(), ProviderStatement, StringComparison.Ordinal))
        {
            command.CommandText = PortableStatement;
        }
    }
}
