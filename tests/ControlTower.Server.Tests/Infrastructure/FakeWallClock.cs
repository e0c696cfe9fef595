using Microsoft.Extensions.Time.Testing;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose date moves only when a test says so, while timers and timestamps stay
/// real: the whole app runs on it, and its workers' polling delays must still elapse without a test advancing them.
/// </summary>
internal sealed class FakeWallClock : FakeTimeProvider
{
    public FakeWallClock()
        : this(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public FakeWallClock(DateTimeOffset start)
        : base(start)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime, period);

    public override long GetTimestamp() => System.GetTimestamp();

    public override long TimestampFrequency => System.TimestampFrequency;
}
