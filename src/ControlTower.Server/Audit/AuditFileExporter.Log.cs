namespace ControlTower.Server.Audit;

internal sealed partial class AuditFileExporter
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Exported {Count} audit entries to {Directory}")]
        public static partial void Exported(ILogger logger, int count, string directory);

        [LoggerMessage(2, LogLevel.Error, "Audit export to {Directory} failed; it is retried at the next interval")]
        public static partial void ExportFailed(ILogger logger, Exception exception, string directory);

        [LoggerMessage(3, LogLevel.Warning, "Archiving a full audit export file failed; it is kept and retried at the next interval: {Message}")]
        public static partial void ArchiveFailed(ILogger logger, string message);
    }
}
