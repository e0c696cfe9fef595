using System.Net;
using System.Net.Sockets;

namespace ControlTower.Server.Nodes;

/// <summary>
/// Which addresses an <c>http.request</c> may connect to, decided per resolved address:
/// denied when the host name or the address matches the deny list; else allowed when either matches
/// the allow list; else denied when the address is in a range that reaches the platform's own network
/// (private, loopback, link-local, unique-local, CGNAT, unspecified, multicast, reserved); else allowed.
/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
/// </summary>
internal sealed class HttpDestinationPolicy
{
    private static readonly IPNetwork[] DeniedByDefault =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("224.0.0.0/3"), // multicast, reserved and broadcast
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("64:ff9b::/96"), // NAT64: may carry any IPv4 address, private ones included
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    private readonly List<Entry> _allow;
    private readonly List<Entry> _deny;

    private HttpDestinationPolicy(List<Entry> allow, List<Entry> deny)
    {
        _allow = allow;
        _deny = deny;
    }

    public static HttpDestinationPolicy Default { get; } = new([], []);

    /// <exception cref="FormatException">an entry is neither a host name, an address nor a CIDR range.</exception>
    public static HttpDestinationPolicy Parse(string? allow, string? deny) => new(ParseList(allow), ParseList(deny));

    public static bool TryParse(string? allow, string? deny, out string? error)
    {
        try
        {
            Parse(allow, deny);
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Null when <paramref name="address"/> of <paramref name="host"/> may be called, else why not.</summary>
    public string? Deny(string host, IPAddress address)
    {
        var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (_deny.Any(e => e.Matches(host, ip)))
        {
            return $"{ip} is denied by HTTP_NODE_DENY";
        }

        if (_allow.Any(e => e.Matches(host, ip)))
        {
            return null;
        }

        return DeniedByDefault.Any(n => n.Contains(ip))
            ? $"{ip} is a private, loopback, link-local or otherwise internal address (allow it with HTTP_NODE_ALLOW)"
            : null;
    }

    private static List<Entry> ParseList(string? list) =>
        [.. (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseEntry)];

    private static Entry ParseEntry(string text)
    {
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out var network)
                ? new Entry(null, network)
                : throw new FormatException($"'{text}' is not a CIDR range.");
        }

        if (IPAddress.TryParse(text.Trim('[', ']'), out var address))
        {
            return new Entry(null, new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
        }

        var name = text.StartsWith("*.", StringComparison.Ordinal) ? text[2..] : text;
        return Uri.CheckHostName(name) == UriHostNameType.Dns
            ? new Entry(text.ToLowerInvariant(), null)
            : throw new FormatException($"'{text}' is not a host name, an IP address or a CIDR range.");
    }

    private sealed record Entry(string? Host, IPNetwork? Network)
    {
        public bool Matches(string host, IPAddress address)
        {
            if (Network is { } network)
            {
                return network.Contains(address);
            }

            return Host!.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(Host[1..], StringComparison.OrdinalIgnoreCase)
                : string.Equals(host, Host, StringComparison.OrdinalIgnoreCase);
        }
    }
}
