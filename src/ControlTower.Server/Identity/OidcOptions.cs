using System.ComponentModel.DataAnnotations;
using ControlTower.Server.Platform.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Identity;

/// <summary>
/// OIDC bearer tokens beside API keys. Off until <c>OIDC_AUTHORITY</c> or <c>OIDC_METADATA_ADDRESS</c> is set;
/// then a JWT in <c>Authorization: Bearer</c> is validated against the provider's signing keys, audience,
/// issuer and lifetime, and acts as the user it names (created on first sight).
/// </summary>
internal sealed class OidcOptions
{
    /// <summary>The issuer's base URL; its discovery document is at <c>/.well-known/openid-configuration</c>.</summary>
    [ConfigurationKeyName("OIDC_AUTHORITY")]
    public string? Authority { get; set; }

    /// <summary>The discovery document's URL, when it is not under the authority.</summary>
    [ConfigurationKeyName("OIDC_METADATA_ADDRESS")]
    public string? MetadataAddress { get; set; }

    /// <summary>The audience tokens must be issued for (this API's client id or resource). Required with OIDC.</summary>
    [ConfigurationKeyName("OIDC_AUDIENCE")]
    public string? Audience { get; set; }

    /// <summary>The claim that carries roles (a string or an array); values are role names or keys of <see cref="RoleMap"/>.</summary>
    [ConfigurationKeyName("OIDC_ROLE_CLAIM")]
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The role of a token whose role claim names no known role; empty refuses such tokens.</summary>
    [ConfigurationKeyName("OIDC_DEFAULT_ROLE")]
    public string? DefaultRole { get; set; } = Roles.Viewer;

    /// <summary>Comma-separated <c>claimValue=role</c> pairs, e.g. <c>ct-admins=admin,pharmacists=approver</c>.</summary>
    [ConfigurationKeyName("OIDC_ROLE_MAP")]
    public string? RoleMap { get; set; }

    /// <summary>The claim a new user's name comes from (falls back to <c>email</c>, then <c>sub</c>).</summary>
    [ConfigurationKeyName("OIDC_NAME_CLAIM")]
    public string NameClaim { get; set; } = "preferred_username";

    /// <summary>Allow an http authority or metadata address: for a development identity provider only; refused in production.</summary>
    [ConfigurationKeyName("OIDC_ALLOW_HTTP")]
    public bool AllowHttp { get; set; }

    [ConfigurationKeyName("OIDC_CLOCK_SKEW_SECONDS")]
    [Range(0, 600)]
    public int ClockSkewSeconds { get; set; } = 60;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(MetadataAddress);

    /// <summary>The roles the claim's values map to (unknown values are ignored).</summary>
    public IReadOnlyDictionary<string, string> RoleMapping =>
        (RoleMap ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2 && pair[0].Length > 0)
            .GroupBy(pair => pair[0], StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Last()[1], StringComparer.Ordinal);
}

/// <summary>Refuses OIDC settings that cannot work or are unsafe, at start.</summary>
internal sealed class OidcOptionsValidation(IOptions<PlatformOptions> platform) : IValidateOptions<OidcOptions>
{
    public ValidateOptionsResult Validate(string? name, OidcOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            problems.Add("OIDC needs OIDC_AUDIENCE: the audience tokens must be issued for.");
        }

        foreach (var (key, value) in new[] { ("OIDC_AUTHORITY", options.Authority), ("OIDC_METADATA_ADDRESS", options.MetadataAddress) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                problems.Add($"{key} must be an absolute https URL.");
            }
            else if (uri.Scheme == "http" && !options.AllowHttp)
            {
                problems.Add($"{key} must use https (set OIDC_ALLOW_HTTP=true only for a development identity provider).");
            }
        }

        if (options.AllowHttp && platform.Value.Mode == RunMode.Production)
        {
            problems.Add("OIDC_ALLOW_HTTP cannot be on in production: tokens would be checked against keys fetched over plain http.");
        }

        var roles = options.RoleMapping.Values.Append(string.IsNullOrEmpty(options.DefaultRole) ? Roles.Viewer : options.DefaultRole);
        problems.AddRange(roles.Where(role => !Roles.IsValid(role)).Distinct().Select(role => $"OIDC role '{role}' is not one of {string.Join(", ", Roles.All)}."));
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
