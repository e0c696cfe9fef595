namespace ControlTower.Server.Credentials;

internal sealed partial class CredentialKeyRing
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Credential keys loaded from {Source}: {Count} key(s), newest {Fingerprint} encrypts")]
        public static partial void Loaded(ILogger logger, string source, int count, string fingerprint);

        [LoggerMessage(2, LogLevel.Warning, "No CREDENTIAL_KEYS set: generated credential key {Fingerprint} into {Path}; back this file up, credentials are unreadable without it")]
        public static partial void Generated(ILogger logger, string fingerprint, string path);
    }
}
