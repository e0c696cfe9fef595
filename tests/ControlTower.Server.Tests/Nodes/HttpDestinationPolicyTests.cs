using System.Net;
using ControlTower.Server.Nodes;

namespace ControlTower.Server.Tests.Nodes;

/// <summary>The decision alone, per (host, address); nothing is resolved or connected here.</summary>
public sealed class HttpDestinationPolicyTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("10.1.2.3")]
    [InlineData("100.64.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.10")]
    [InlineData("198.18.0.1")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("ff02::1")]
    public void Deny_ByDefault_RefusesInternalAddresses(string address)
    {
        var reason = HttpDestinationPolicy.Default.Deny("example.com", IPAddress.Parse(address));

        Assert.NotNull(reason);
        Assert.Contains("HTTP_NODE_ALLOW", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:93.184.216.34")]
    public void Deny_ByDefault_AllowsPublicAddresses(string address)
    {
        Assert.Null(HttpDestinationPolicy.Default.Deny("example.com", IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("127.0.0.1", "localhost", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "localhost", "127.0.0.2", false)]
    [InlineData("10.0.0.0/8", "x", "10.200.1.1", true)]
    [InlineData("fd00::/8", "x", "fd00::5", true)]
    [InlineData("[::1]", "x", "::1", true)]
    [InlineData("internal.example", "INTERNAL.example", "10.0.0.5", true)]
    [InlineData("internal.example", "other.example", "10.0.0.5", false)]
    [InlineData("*.corp.example", "api.corp.example", "192.168.3.3", true)]
    [InlineData("*.corp.example", "corp.example", "192.168.3.3", false)]
    [InlineData(" 10.9.9.9 , 127.0.0.1 ", "x", "127.0.0.1", true)]
    public void Deny_WhenAllowListed_LetsThatHostOrRangeThrough(string allow, string host, string address, bool allowed)
    {
        var policy = HttpDestinationPolicy.Parse(allow, null);

        Assert.Equal(allowed, policy.Deny(host, IPAddress.Parse(address)) is null);
    }

    [Theory]
    [InlineData("8.8.8.0/24", "dns.example", "8.8.8.8")]
    [InlineData("dns.example", "dns.example", "8.8.8.8")]
    [InlineData("127.0.0.1", "x", "127.0.0.1")]
    public void Deny_WhenDenyListed_RefusesEvenPublicOrAllowedAddresses(string deny, string host, string address)
    {
        var policy = HttpDestinationPolicy.Parse("127.0.0.0/8", deny);

        Assert.Contains("HTTP_NODE_DENY", policy.Deny(host, IPAddress.Parse(address)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("not a host")]
    [InlineData("http://x")]
    [InlineData("10.0.0.0/x")]
    public void Parse_WhenEntryIsNotAHostAddressOrRange_Throws(string entry)
    {
        Assert.Throws<FormatException>(() => HttpDestinationPolicy.Parse(entry, null));
        Assert.False(HttpDestinationPolicy.TryParse(null, entry, out var error));
        Assert.NotNull(error);
    }
}
