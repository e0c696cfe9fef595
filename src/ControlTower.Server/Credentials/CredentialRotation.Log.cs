namespace ControlTower.Server.Credentials;

internal sealed partial class CredentialRotation
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Credential key rotation to {Fingerprint}: {Done}/{Total} re-encrypted")]
        public static partial void Progress(ILogger logger, string fingerprint, int done, int total);

        [LoggerMessage(2, LogLevel.Warning, "{Count} credential(s) are under no configured key and cannot be rotated; they stay unreadable until their key is configured again")]
        public static partial void Unreadable(ILogger logger, int count);

        [LoggerMessage(3, LogLevel.Information, "Credential key rotation batch hit a concurrent change; retrying it")]
        public static partial void BatchRetried(ILogger logger);
    }
}
