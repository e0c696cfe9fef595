using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ControlTower.Core.Releases;

/// <summary>
/// The release decision for one new run. The canary split hashes the workflow id and the run's split key (the
/// trigger's idempotency key, else the run id) into one of 10,000 buckets: the same key always lands on the same
/// side, a redelivered webhook or a re-fired schedule occurrence included, and raising the share only moves
/// buckets from stable to candidate, never back.
/// </summary>
public static class ReleaseRouting
{
    public const int Buckets = 10_000;

    /// <summary>The version a new run with <paramref name="splitKey"/> pins.</summary>
    public static int VersionFor(ReleaseState release, Guid workflowId, string splitKey) =>
        release is { Mode: ReleaseMode.Canary, CandidateVersion: { } candidate } && TakesCanary(workflowId, splitKey, release.CanaryPercent)
            ? candidate
            : release.StableVersion;

    public static bool TakesCanary(Guid workflowId, string splitKey, int percent) =>
        Bucket(workflowId, splitKey) < percent * (Buckets / 100);

    /// <summary>The key's bucket in [0, 10000): the first 8 bytes of SHA-256 over the workflow id and the key.</summary>
    public static int Bucket(Guid workflowId, string splitKey)
    {
        var bytes = Encoding.UTF8.GetBytes($"{workflowId:N}\n{splitKey}");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % Buckets);
    }
}
