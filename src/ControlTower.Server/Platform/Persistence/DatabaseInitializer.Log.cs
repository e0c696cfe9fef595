namespace ControlTower.Server.Platform.Persistence;

internal sealed partial class DatabaseInitializer
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Applied migration {Migration} on {Provider}")]
        public static partial void MigrationApplied(ILogger logger, string migration, DatabaseProvider provider);
    }
}
