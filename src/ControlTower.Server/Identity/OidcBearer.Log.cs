namespace ControlTower.Server.Identity;

internal static partial class OidcBearer
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Rejected a bearer token ({Reason}) from {Client}")]
        public static partial void TokenRejected(ILogger logger, string reason, string client);
    }
}
