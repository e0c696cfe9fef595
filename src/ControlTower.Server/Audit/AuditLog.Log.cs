namespace ControlTower.Server.Audit;

internal sealed partial class AuditLog
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Audit {Action} by {Actor} on {Target}")]
        public static partial void EntryWritten(ILogger logger, string action, string actor, string target);
    }
}
