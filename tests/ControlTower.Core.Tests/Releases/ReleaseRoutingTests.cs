using ControlTower.Core.Releases;

namespace ControlTower.Core.Tests.Releases;

/// <summary>The canary split: deterministic per key, close to the asked share, monotone as the share rises.</summary>
public sealed class ReleaseRoutingTests
{
    private static readonly Guid Workflow = Guid.Parse("6f1c1a52-2f0e-4a53-9a65-4c8f6f0d7e11");
    private static readonly DateTimeOffset Start = new(2026, 12, 8, 9, 0, 0, TimeSpan.Zero);

    private static ReleaseState Canary(int percent) =>
        new(ReleaseMode.Canary, 1, 2, CanaryPolicy.Default with { Steps = [percent] }, 0, Start);

    private static IEnumerable<string> Keys(int count) => Enumerable.Range(0, count).Select(i => $"delivery-{i}");

    [Fact]
    public void VersionFor_WhenTheSameKeyComesAgain_PicksTheSameVersion()
    {
        var release = Canary(30);

        var first = Keys(2000).Select(k => ReleaseRouting.VersionFor(release, Workflow, k)).ToList();
        var again = Keys(2000).Select(k => ReleaseRouting.VersionFor(release, Workflow, k)).ToList();

        Assert.Equal(first, again);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(25)]
    [InlineData(50)]
    public void VersionFor_WhenManyKeys_SendsCloseToTheShareToTheCandidate(int percent)
    {
        var share = Keys(20_000).Count(k => ReleaseRouting.VersionFor(Canary(percent), Workflow, k) == 2) / 20_000.0;

        Assert.InRange(share, (percent - 1.5) / 100, (percent + 1.5) / 100);
    }

    [Fact]
    public void VersionFor_WhenTheShareRises_NoKeyMovesBackToStable()
    {
        var at10 = Keys(5000).Where(k => ReleaseRouting.VersionFor(Canary(10), Workflow, k) == 2).ToHashSet();
        var at50 = Keys(5000).Where(k => ReleaseRouting.VersionFor(Canary(50), Workflow, k) == 2).ToHashSet();

        Assert.Subset(at50, at10);
    }

    [Theory]
    [InlineData("delivery-0", 3273)]
    [InlineData("delivery-1", 9690)]
    [InlineData("order-42", 7817)]
    public void Bucket_WhenKnownKey_IsPinned(string key, int bucket)
    {
        // Pinned (computed independently: SHA-256 of "{workflow:N}\n{key}", first 8 bytes big-endian, mod 10000): a
        // change of the hash would move live traffic between versions, so it must be deliberate.
        Assert.Equal(bucket, ReleaseRouting.Bucket(Workflow, key));
        Assert.NotEqual(bucket, ReleaseRouting.Bucket(Guid.Empty, key));
    }

    [Theory]
    [InlineData(ReleaseMode.Direct)]
    [InlineData(ReleaseMode.Shadow)]
    public void VersionFor_WhenNotACanary_AlwaysStable(ReleaseMode mode) =>
        Assert.All(Keys(500), k => Assert.Equal(1, ReleaseRouting.VersionFor(new ReleaseState(mode, 1, 2, null, 0, Start), Workflow, k)));
}
