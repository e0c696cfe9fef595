using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Configuration;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Demo;

/// <summary>The demo's own endpoints drive or wipe demo data: they answer only in demo mode.</summary>
internal sealed class DemoMode(IOptions<PlatformOptions> platform)
{
    public bool IsOn => platform.Value.Mode == RunMode.Demo;

    public void Require()
    {
        if (!IsOn)
        {
            throw new ControlTowerException(ErrorKind.Conflict, DemoErrorCodes.DemoModeRequired,
                $"This is for demo mode only (ENVIRONMENT=demo); this server runs in {platform.Value.Mode.ToString().ToLowerInvariant()} mode.");
        }
    }
}
