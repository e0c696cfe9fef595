namespace ControlTower.Server.Credentials;

internal sealed partial class OAuthTokenCache
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Obtained an OAuth access token for credential {CredentialId} from {Host}, valid {LifetimeSeconds} s, renewed after {RefreshAfterSeconds} s")]
        public static partial void TokenObtained(ILogger logger, Guid credentialId, string host, double lifetimeSeconds, double refreshAfterSeconds);

        [LoggerMessage(2, LogLevel.Warning, "OAuth token request for credential {CredentialId} failed: {Problem}")]
        public static partial void TokenFailed(ILogger logger, Guid credentialId, string problem);

        [LoggerMessage(3, LogLevel.Debug, "Token endpoint {Host} refused HTTP Basic client authentication; retrying with the client secret in the form body")]
        public static partial void RetryingWithFormAuthentication(ILogger logger, string host);
    }
}
