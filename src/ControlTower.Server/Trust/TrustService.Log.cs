namespace ControlTower.Server.Trust;

internal sealed partial class TrustService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 9401, Level = LogLevel.Information, Message = "Trust scope {ScopeKey} moved from {From} to {To} by rule {Rule}")]
        public static partial void StageChanged(ILogger logger, string scopeKey, string from, string to, string rule);

        [LoggerMessage(EventId = 9402, Level = LogLevel.Information, Message = "Trust scope {ScopeKey} pinned at {Stage} by {Actor}")]
        public static partial void Pinned(ILogger logger, string scopeKey, string? stage, string actor);
    }
}
