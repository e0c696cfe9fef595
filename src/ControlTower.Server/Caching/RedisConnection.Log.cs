namespace ControlTower.Server.Caching;

internal sealed partial class RedisConnection
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 9801, Level = LogLevel.Warning,
            Message = "Redis is unavailable ({Reason}): the cache serves from this process's memory and rate limits count per process until it is back")]
        public static partial void Unavailable(ILogger logger, string reason, Exception? exception);

        [LoggerMessage(EventId = 9802, Level = LogLevel.Information, Message = "Redis is reachable again: the shared cache level and shared rate limits are back")]
        public static partial void Restored(ILogger logger);
    }
}
