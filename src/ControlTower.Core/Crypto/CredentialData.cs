using System.Text.Json.Nodes;

namespace ControlTower.Core.Crypto;

/// <summary>
/// The secret fields of a credential, one validated shape per <see cref="CredentialType"/>.
/// Instances are always valid: constructors check their input. <see cref="ToString"/> never
/// prints values, so a credential that ends up in a log line or exception shows nothing secret.
/// </summary>
public abstract record CredentialData
{
    private protected CredentialData()
    {
    }

    public abstract CredentialType Type { get; }

    /// <summary>
    /// Parses plaintext data as accepted once by the create/update API (and from a decrypted
    /// envelope): a JSON object whose fields are those of the type's shape, unknown fields refused.
    /// </summary>
    /// <exception cref="CredentialException"><c>credential.data_invalid</c>, naming the field.</exception>
    public static CredentialData Parse(CredentialType type, JsonNode? data) => type switch
    {
        CredentialType.ApiKey => ApiKeyData.FromJson(data),
        CredentialType.BearerToken => BearerTokenData.FromJson(data),
        CredentialType.BasicAuth => BasicAuthData.FromJson(data),
        CredentialType.EnvVars => EnvVarsData.FromJson(data),
        CredentialType.OAuth2ClientCredentials => OAuth2ClientCredentialsData.FromJson(data),
        CredentialType.Headers => HeadersData.FromJson(data),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown credential type."),
    };

    /// <summary>The values a <see cref="SecretRedactor"/> must hide once this credential is loaded.</summary>
    public abstract IReadOnlyList<string> SecretValues();

    /// <summary>The data as the JSON object that <see cref="Parse"/> reads back.</summary>
    public abstract JsonObject ToJson();

    public sealed override string ToString() => $"CredentialData({Type.ToWireName()}, redacted)";
}
