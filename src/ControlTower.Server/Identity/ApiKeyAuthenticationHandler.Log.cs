namespace ControlTower.Server.Identity;

internal sealed partial class ApiKeyAuthenticationHandler
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Rejected an invalid API key from {Client}")]
        public static partial void InvalidKey(ILogger logger, string client);
    }
}
