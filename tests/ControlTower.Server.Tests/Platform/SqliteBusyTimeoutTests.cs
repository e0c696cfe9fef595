using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Platform;

public sealed class SqliteBusyTimeoutTests
{
    [Fact]
    public async Task Connection_WhenOpenedByTheApp_WaitsWithSqlitesBusyHandler()
    {
        using var factory = new ControlTowerFactory();
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContextAsync();

        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA busy_timeout";
        var timeout = (long)(await command.ExecuteScalarAsync())!;

        Assert.Equal(5000L, timeout);
    }
}
