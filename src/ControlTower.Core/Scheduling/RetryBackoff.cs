using System.Text;
using ControlTower.Core.Graphs;

namespace ControlTower.Core.Scheduling;

/// <summary>Retry delays with jitter that is a pure function of (run seed, node id, attempt), so a replay waits the same.</summary>
public static class RetryBackoff
{
    /// <summary>
    /// The delay before retrying after try <paramref name="tryNumber"/> (1-based within the
    /// activation) failed; <paramref name="attempt"/> is the failed attempt's run-wide number.
    /// </summary>
    public static TimeSpan Delay(RetryPolicy policy, long seed, string nodeId, int attempt, int tryNumber)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var baseMs = policy.InitialBackoff.TotalMilliseconds * Math.Pow(policy.Multiplier, Math.Max(0, tryNumber - 1));
        var maxMs = policy.MaxBackoff.TotalMilliseconds;
        baseMs = Math.Min(baseMs, maxMs);
        var factor = 1 + (policy.Jitter * ((2 * Unit(seed, nodeId, attempt)) - 1));
        return TimeSpan.FromMilliseconds(Math.Round(Math.Clamp(baseMs * factor, 0, maxMs)));
    }

    /// <summary>A uniform number in [0, 1) from FNV-1a over the node id mixed with seed and attempt by SplitMix64.</summary>
    internal static double Unit(long seed, string nodeId, int attempt)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(nodeId))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        var x = SplitMix64((ulong)seed ^ hash ^ ((ulong)(uint)attempt * 0x9E3779B97F4A7C15UL));
        return (x >> 11) * (1.0 / (1UL << 53));
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
