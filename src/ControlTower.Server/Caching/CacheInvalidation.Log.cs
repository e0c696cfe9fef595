namespace ControlTower.Server.Caching;

internal sealed partial class CacheInvalidation
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 9803, Level = LogLevel.Warning,
            Message = "Telling the other processes to drop cache entry {Key} over PostgreSQL failed: their copies expire with CACHE_TTL")]
        public static partial void NotifyFailed(ILogger logger, string key, Exception exception);

        [LoggerMessage(EventId = 9804, Level = LogLevel.Warning, Message = "Dropping an invalidated cache entry failed; it expires with CACHE_TTL")]
        public static partial void RemoveFailed(ILogger logger, Exception exception);
    }
}
