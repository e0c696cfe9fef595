using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Nodes;

/// <summary>
/// Enforces the <see cref="HttpDestinationPolicy"/> where it cannot be bypassed: in the connect step of
/// the <c>http.request</c> client. The host is resolved once, every address is checked, and the socket is
/// connected to a checked address, so neither a name that resolves inward nor DNS rebinding between a
/// check and the connect gets through. Proxies are off (a proxy would connect for us, unchecked) and
/// redirects are not followed (the node returns the 3xx response).
/// </summary>
internal sealed class HttpDestinationGuard
{
    private readonly HttpDestinationPolicy _policy;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly ILogger _logger;

    public HttpDestinationGuard(IOptions<HttpNodeOptions> options, ILogger<HttpDestinationGuard> logger)
        : this(HttpDestinationPolicy.Parse(options.Value.Allow, options.Value.Deny), Dns.GetHostAddressesAsync, logger)
    {
    }

    /// <param name="resolve">Host name to addresses (tests stand in for DNS; production uses <see cref="Dns"/>).</param>
    public HttpDestinationGuard(HttpDestinationPolicy policy, Func<string, CancellationToken, Task<IPAddress[]>> resolve, ILogger logger)
    {
        _policy = policy;
        _resolve = resolve;
        _logger = logger;
    }

    /// <summary>The addresses of <paramref name="host"/> that may be called, in resolver order.</summary>
    /// <exception cref="HttpDestinationDeniedException">none may be called.</exception>
    public async Task<IReadOnlyList<IPAddress>> CheckAsync(string host, CancellationToken cancellationToken)
    {
        var name = host.Trim('[', ']').TrimEnd('.');
        var addresses = IPAddress.TryParse(name, out var literal) ? [literal] : await _resolve(name, cancellationToken).ConfigureAwait(false);
        var allowed = new List<IPAddress>(addresses.Length);
        string? reason = null;
        foreach (var address in addresses)
        {
            if (_policy.Deny(name, address) is { } why)
            {
                reason ??= why;
            }
            else
            {
                allowed.Add(address);
            }
        }

        if (allowed.Count == 0)
        {
            var message = $"Calls to '{name}' are not allowed: {reason ?? "it resolves to no address"}.";
            _logger.DestinationDenied(name, reason ?? "no address");
            throw new HttpDestinationDeniedException(message);
        }

        return allowed;
    }

    /// <summary>The primary handler of the <c>http.request</c> client.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = ConnectAsync,
    };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await CheckAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var connected = false;
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                connected = true;
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                last = ex;
            }
            finally
            {
                if (!connected)
                {
                    socket.Dispose();
                }
            }
        }

        throw last!;
    }
}
