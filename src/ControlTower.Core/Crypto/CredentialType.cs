namespace ControlTower.Core.Crypto;

/// <summary>What a credential holds and therefore how it reaches an MCP server (env vars or headers).</summary>
public enum CredentialType
{
    ApiKey,
    BearerToken,
    BasicAuth,
    EnvVars,
    OAuth2ClientCredentials,
    Headers,
}

/// <summary>The snake_case names used in the API, the database and the sealed envelope.</summary>
public static class CredentialTypes
{
    private static readonly Dictionary<string, CredentialType> ByWireName = new(StringComparer.Ordinal)
    {
        ["api_key"] = CredentialType.ApiKey,
        ["bearer_token"] = CredentialType.BearerToken,
        ["basic_auth"] = CredentialType.BasicAuth,
        ["env_vars"] = CredentialType.EnvVars,
        ["oauth2_client_credentials"] = CredentialType.OAuth2ClientCredentials,
        ["headers"] = CredentialType.Headers,
    };

    public static IReadOnlyCollection<string> WireNames => ByWireName.Keys;

    public static string ToWireName(this CredentialType type) => type switch
    {
        CredentialType.ApiKey => "api_key",
        CredentialType.BearerToken => "bearer_token",
        CredentialType.BasicAuth => "basic_auth",
        CredentialType.EnvVars => "env_vars",
        CredentialType.OAuth2ClientCredentials => "oauth2_client_credentials",
        CredentialType.Headers => "headers",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown credential type."),
    };

    public static bool TryParse(string? wireName, out CredentialType type) =>
        ByWireName.TryGetValue(wireName ?? string.Empty, out type);

    /// <exception cref="CredentialException"><c>credential.data_invalid</c> on field <c>credential_type</c>.</exception>
    public static CredentialType Parse(string? wireName) =>
        TryParse(wireName, out var type)
            ? type
            : throw CredentialException.DataInvalid("credential_type", "must be one of " + string.Join(", ", ByWireName.Keys));
}
