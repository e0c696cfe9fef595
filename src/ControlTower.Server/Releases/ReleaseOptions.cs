using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Releases;

internal sealed class ReleaseOptions
{
    /// <summary>Run the release loop (canary checks, shadow runs) in this process. Several processes may: each change is guarded.</summary>
    [ConfigurationKeyName("RELEASE_CHECKS")]
    public bool ChecksEnabled { get; set; } = true;

    /// <summary>How often canaries are checked and finished live runs are shadowed.</summary>
    [ConfigurationKeyName("RELEASE_POLL_MILLISECONDS")]
    [Range(10, 600_000)]
    public int PollMilliseconds { get; set; } = 5000;

    public TimeSpan Poll => TimeSpan.FromMilliseconds(PollMilliseconds);
}
