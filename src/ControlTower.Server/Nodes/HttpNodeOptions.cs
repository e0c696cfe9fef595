using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Nodes;

/// <summary>Destinations of <c>http.request</c> nodes. Bound from the flat configuration keys.</summary>
internal sealed class HttpNodeOptions
{
    /// <summary>
    /// Comma list of host names (<c>api.internal</c>, <c>*.corp.example</c>), IP addresses and CIDR ranges that
    /// may be called even though they are private, loopback, link-local or unique-local (denied by default).
    /// </summary>
    [ConfigurationKeyName("HTTP_NODE_ALLOW")]
    public string? Allow { get; set; }

    /// <summary>Comma list of host names, addresses and CIDR ranges never called; wins over <see cref="Allow"/>.</summary>
    [ConfigurationKeyName("HTTP_NODE_DENY")]
    public string? Deny { get; set; }
}
