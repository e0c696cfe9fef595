using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Platform;

/// <summary>
/// Runs before the server takes requests: schema (migrate or check), the built-in admin, and in demo
/// mode the demo data. A failure here stops the start with the reason.
/// </summary>
internal sealed class PlatformInitializer(
    DatabaseInitializer database,
    BuiltInUsers builtInUsers,
    DemoSeeder demo,
    Pharmacy.PharmacyDemoSeeder pharmacy,
    IOptions<PlatformOptions> platform) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        await builtInUsers.EnsureAdminAsync(cancellationToken);
        if (platform.Value.Mode == RunMode.Demo)
        {
            await demo.SeedAsync(cancellationToken);
            await pharmacy.SeedAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
