using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy in front of a real server (here PostgreSQL) that can break the connections through it:
/// <see cref="DropAll"/> resets every open connection at once; <see cref="Stall"/> holds every byte in both
/// directions (and new connections) until the returned handle is disposed, as a network partition does.
/// </summary>
internal sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly ConcurrentDictionary<Guid, (TcpClient Client, TcpClient Upstream)> _open = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private volatile TaskCompletionSource _gate = Open();

    private TcpFaultProxy(string upstreamHost, int upstreamPort)
    {
        (_upstreamHost, _upstreamPort) = (upstreamHost, upstreamPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections reset by <see cref="DropAll"/> so far.</summary>
    public int Dropped { get; private set; }

    public static TcpFaultProxy Start(string upstreamHost, int upstreamPort) => new(upstreamHost, upstreamPort);

    /// <summary>Resets every connection through the proxy (RST, no goodbye), as a dropped link does.</summary>
    public void DropAll()
    {
        foreach (var (id, (client, upstream)) in _open)
        {
            if (_open.TryRemove(id, out _))
            {
                Reset(client);
                Reset(upstream);
                Dropped++;
            }
        }
    }

    /// <summary>Holds all traffic until the handle is disposed.</summary>
    public IDisposable Stall()
    {
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new Release(this);
    }

    public async ValueTask DisposeAsync()
    {
        _gate.TrySetResult();
        await _stopping.CancelAsync();
        _listener.Stop();
        DropAll();
        await _accepting;
        _stopping.Dispose();
    }

    private static TaskCompletionSource Open()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private static void Reset(TcpClient socket)
    {
        try
        {
            if (socket.Client is { } open)
            {
                open.LingerState = new LingerOption(true, 0);
            }
        }
        catch (Exception failure) when (failure is SocketException or ObjectDisposedException)
        {
            // Already closed by the other side.
        }

        socket.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception stopped) when (stopped is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ConnectAsync(client);
        }
    }

    private async Task ConnectAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        try
        {
            await _gate.Task.WaitAsync(_stopping.Token);
            await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stopping.Token);
        }
        catch (Exception failure) when (failure is OperationCanceledException or SocketException)
        {
            Reset(client);
            Reset(upstream);
            return;
        }

        var id = Guid.NewGuid();
        _open[id] = (client, upstream);
        await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client));
        if (_open.TryRemove(id, out _))
        {
            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var source = from.GetStream();
            var target = to.GetStream();
            while (true)
            {
                var read = await source.ReadAsync(buffer, _stopping.Token);
                if (read == 0)
                {
                    to.Client.Shutdown(SocketShutdown.Send);
                    return;
                }

                await _gate.Task.WaitAsync(_stopping.Token);
                await target.WriteAsync(buffer.AsMemory(0, read), _stopping.Token);
            }
        }
        catch (Exception broken) when (broken is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // Dropped (by DropAll or either side): the other direction ends with it.
            from.Dispose();
            to.Dispose();
        }
    }

    private sealed class Release(TcpFaultProxy proxy) : IDisposable
    {
        public void Dispose() => proxy._gate.TrySetResult();
    }
}
