using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Platform.Configuration;

internal sealed class SecurityOptions
{
    /// <summary>Bootstrap key that authenticates as the built-in admin. Required (≥ 32 chars) in production.</summary>
    [ConfigurationKeyName("ADMIN_API_KEY")]
    public string? AdminApiKey { get; set; }

    /// <summary>Act as the built-in admin when a request carries no key. Default: on in demo, off elsewhere.</summary>
    [ConfigurationKeyName("AUTH_BYPASS")]
    public bool? AuthBypass { get; set; }

    /// <summary>Comma-separated origins allowed by CORS; empty = no cross-origin access.</summary>
    [ConfigurationKeyName("CORS_ORIGINS")]
    public string? CorsOrigins { get; set; }

    /// <summary>Failed authentications allowed per client address and presented key prefix within the window before 429.</summary>
    [ConfigurationKeyName("RATE_LIMIT_AUTH_FAILURES")]
    [Range(1, 100_000)]
    public int AuthFailureLimit { get; set; } = 10;

    [ConfigurationKeyName("RATE_LIMIT_AUTH_WINDOW_SECONDS")]
    [Range(1, 86_400)]
    public int AuthFailureWindowSeconds { get; set; } = 300;

    /// <summary>Requests per minute per user, all of its keys together (per client address when anonymous).</summary>
    [ConfigurationKeyName("RATE_LIMIT_REQUESTS_PER_MINUTE")]
    [Range(1, 1_000_000)]
    public int RequestsPerMinute { get; set; } = 1200;

    /// <summary>Active (unrevoked) API keys a user may hold; issuing one more is refused with 409 <c>api_key.limit_reached</c>.</summary>
    [ConfigurationKeyName("API_KEYS_MAX_PER_USER")]
    [Range(1, 10_000)]
    public int MaxApiKeysPerUser { get; set; } = 10;

    public const int MinimumAdminKeyLength = 32;

    public IReadOnlyList<string> CorsOriginList =>
        (CorsOrigins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool AuthBypassFor(RunMode mode) => AuthBypass ?? mode == RunMode.Demo;
}
