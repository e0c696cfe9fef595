using System.Text;
using ControlTower.Core.Crypto;

namespace ControlTower.Server.Credentials;

/// <summary>
/// Maps decrypted credential data to what an MCP connection carries (DESIGN.md §3: env vars for stdio,
/// headers for HTTP; never arguments or expressions). Pure: the OAuth access token is obtained by the
/// caller (<see cref="OAuthTokenCache"/>) and passed in.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>env_vars</c>: the variables, no headers.</item>
/// <item><c>bearer_token</c>: <c>Authorization: Bearer &lt;token&gt;</c>.</item>
/// <item><c>api_key</c>: header <c>header_name</c> (default <see cref="DefaultApiKeyHeader"/>) and env <see cref="ApiKeyVariable"/>.</item>
/// <item><c>basic_auth</c>: <c>Authorization: Basic base64(user:password)</c> in UTF-8 (RFC 7617).</item>
/// <item><c>headers</c>: the headers, no env.</item>
/// <item><c>oauth2_client_credentials</c>: <c>Authorization: Bearer &lt;access token&gt;</c>; client id and secret never reach the server.</item>
/// </list>
/// </remarks>
internal static class CredentialInjection
{
    public const string DefaultApiKeyHeader = "X-Api-Key";
    public const string ApiKeyVariable = "API_KEY";
    public const string AuthorizationHeader = "Authorization";

    /// <summary>Whether a credential of <paramref name="type"/> gives a stdio connection anything (environment variables).</summary>
    public static bool CarriesEnvironment(CredentialType type) => type is CredentialType.EnvVars or CredentialType.ApiKey;

    /// <summary>Whether a credential of <paramref name="type"/> gives an HTTP connection anything (headers): all but <c>env_vars</c>.</summary>
    public static bool CarriesHeaders(CredentialType type) => type is not CredentialType.EnvVars;

    public static ConnectionSecrets ToConnectionSecrets(CredentialData data, string? oauthAccessToken = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data switch
        {
            EnvVarsData env => Secrets(env.Variables, []),
            BearerTokenData bearer => Secrets([], [new(AuthorizationHeader, $"Bearer {bearer.Token}")]),
            ApiKeyData apiKey => Secrets([new(ApiKeyVariable, apiKey.Key)], [new(apiKey.HeaderName ?? DefaultApiKeyHeader, apiKey.Key)]),
            BasicAuthData basic => Secrets([], [new(AuthorizationHeader, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.Username}:{basic.Password}")))]),
            HeadersData headers => Secrets([], headers.Headers),
            OAuth2ClientCredentialsData => Secrets([], [new(AuthorizationHeader, "Bearer " + (oauthAccessToken
                ?? throw new ArgumentException("An oauth2_client_credentials credential needs its access token.", nameof(oauthAccessToken))))]),
            _ => throw new ArgumentOutOfRangeException(nameof(data), data.Type, "Unknown credential type."),
        };
    }

    /// <summary>
    /// The values a redactor must hide once these secrets exist: each value, and the credentials part of
    /// an <c>Authorization</c> value (the Basic base64 is not any stored secret spelled out).
    /// </summary>
    public static IEnumerable<string> DerivedSecrets(ConnectionSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        foreach (var value in secrets.Headers.Values.Concat(secrets.EnvironmentVariables.Values))
        {
            yield return value;
            if (value.IndexOf(' ', StringComparison.Ordinal) is var space and > 0)
            {
                yield return value[(space + 1)..];
            }
        }
    }

    private static ConnectionSecrets Secrets(IEnumerable<KeyValuePair<string, string>> environment, IEnumerable<KeyValuePair<string, string>> headers) =>
        new(
            new Dictionary<string, string>(environment, StringComparer.Ordinal),
            new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase));
}
