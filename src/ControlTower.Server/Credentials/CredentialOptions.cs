using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Credentials;

/// <summary>Settings of the credential vault, bound from flat environment-style keys.</summary>
internal sealed class CredentialOptions
{
    /// <summary>
    /// Comma-separated Fernet keys (base64url, 32 bytes), newest first: the first encrypts, all decrypt.
    /// Required in production. Without it, demo and development generate one key into
    /// <c>DATA_DIR/credential.key</c> (owner-only) and reuse it.
    /// </summary>
    [ConfigurationKeyName("CREDENTIAL_KEYS")]
    public string? Keys { get; set; }

    /// <summary>How many credentials one rotation transaction re-encrypts.</summary>
    [ConfigurationKeyName("CREDENTIAL_ROTATION_BATCH_SIZE")]
    [Range(1, 10_000)]
    public int RotationBatchSize { get; set; } = 100;

    /// <summary>
    /// An OAuth access token is renewed this long before it expires, or after 90% of its lifetime if
    /// that comes sooner (so short-lived tokens are still reused).
    /// </summary>
    [ConfigurationKeyName("CREDENTIAL_OAUTH_REFRESH_MARGIN_SECONDS")]
    [Range(0, 3600)]
    public double OAuthRefreshMarginSeconds { get; set; } = 60;

    /// <summary>Lifetime assumed for a token whose endpoint sent no <c>expires_in</c>.</summary>
    [ConfigurationKeyName("CREDENTIAL_OAUTH_DEFAULT_LIFETIME_SECONDS")]
    [Range(1, 86_400)]
    public double OAuthDefaultLifetimeSeconds { get; set; } = 300;

    [ConfigurationKeyName("CREDENTIAL_OAUTH_TIMEOUT_SECONDS")]
    [Range(1, 300)]
    public double OAuthTimeoutSeconds { get; set; } = 30;

    public IReadOnlyList<string> KeyList =>
        (Keys ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // Options objects end up in debugger views and exception messages; the keys must not.
    public override string ToString() => $"CredentialOptions({KeyList.Count} key(s))";
}
