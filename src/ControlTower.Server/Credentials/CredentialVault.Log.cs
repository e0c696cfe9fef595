namespace ControlTower.Server.Credentials;

internal sealed partial class CredentialVault
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Credential {CredentialId} ({CredentialType}) {Change} by {Actor}")]
        public static partial void Changed(ILogger logger, Guid credentialId, string credentialType, string change, string actor);

        [LoggerMessage(2, LogLevel.Information, "Credential {CredentialId} decrypted for user {UserId} (run {RunId}, node {NodeId})")]
        public static partial void Used(ILogger logger, Guid credentialId, Guid userId, string? runId, string? nodeId);

        [LoggerMessage(3, LogLevel.Warning, "Credential {CredentialId} could not be used by user {UserId}: {Code}")]
        public static partial void UseFailed(ILogger logger, Guid credentialId, Guid userId, string code);
    }
}
