using ControlTower.Core.Errors;

namespace ControlTower.Core.Crypto;

/// <summary>When a token may be accepted: not beyond now + skew, and (with a TTL) not older than it.</summary>
internal sealed class TimeWindow
{
    private readonly long _nowSeconds;
    private readonly TimeSpan? _ttl;
    private readonly TimeSpan _maxClockSkew;

    public TimeWindow(DateTimeOffset now, TimeSpan? ttl, TimeSpan maxClockSkew)
    {
        if (ttl is { } t)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(t, TimeSpan.Zero, nameof(ttl));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxClockSkew, TimeSpan.Zero, nameof(maxClockSkew));
        _nowSeconds = now.ToUnixTimeSeconds();
        _ttl = ttl;
        _maxClockSkew = maxClockSkew;
    }

    /// <exception cref="FernetException"><c>crypto.token_from_future</c> or <c>crypto.token_expired</c>.</exception>
    public void Check(ulong timestampSeconds)
    {
        // Int128 ticks: a 64-bit unsigned timestamp times ticks-per-second overflows long.
        var tokenTicks = (Int128)timestampSeconds * TimeSpan.TicksPerSecond;
        var nowTicks = (Int128)_nowSeconds * TimeSpan.TicksPerSecond;
        if (tokenTicks - nowTicks > _maxClockSkew.Ticks)
        {
            throw new FernetException(
                ErrorKind.Unauthorized,
                FernetErrorCodes.TokenFromFuture,
                "The Fernet token is stamped further in the future than the allowed clock skew.");
        }

        if (_ttl is { } ttl && nowTicks - tokenTicks > ttl.Ticks)
        {
            throw new FernetException(
                ErrorKind.Unauthorized,
                FernetErrorCodes.TokenExpired,
                "The Fernet token is older than its time-to-live.");
        }
    }
}
