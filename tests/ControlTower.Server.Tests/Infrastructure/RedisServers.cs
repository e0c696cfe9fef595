using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>A test on the Redis that test.sh starts (<c>CT_TEST_REDIS</c>); skipped, saying why, only where that is not set.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(RedisDatabase.ServerUrl))
        {
            Skip = "CT_TEST_REDIS is not set: run ./test.sh, which starts a throwaway redis-server and sets it.";
        }
    }
}

/// <summary>One logical database of the test Redis per test (flushed first), so tests running side by side share no keys.</summary>
internal sealed class RedisDatabase
{
    private static int _next;

    private RedisDatabase(string url) => Url = url;

    public static string? ServerUrl => Environment.GetEnvironmentVariable("CT_TEST_REDIS");

    /// <summary><c>redis://host:port/N</c>, for <c>REDIS_URL</c>.</summary>
    public string Url { get; }

    public static async Task<RedisDatabase> CreateAsync()
    {
        var server = new Uri(ServerUrl ?? throw new InvalidOperationException("CT_TEST_REDIS is not set."));
        var number = 1 + (Interlocked.Increment(ref _next) % 15);
        var database = new RedisDatabase($"redis://{server.Host}:{server.Port}/{number}");
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{server.Host}:{server.Port},allowAdmin=true");
        await connection.GetServer(server.Host, server.Port).FlushDatabaseAsync(number);
        return database;
    }

    /// <summary>Runs <paramref name="read"/> against this database with a connection of the test's own.</summary>
    public async Task<T> ReadAsync<T>(Func<IDatabase, Task<T>> read)
    {
        var uri = new Uri(Url);
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{uri.Host}:{uri.Port}");
        return await read(connection.GetDatabase(int.Parse(uri.AbsolutePath.Trim('/'), System.Globalization.CultureInfo.InvariantCulture)));
    }
}

/// <summary>A redis-server of the test's own on a free loopback port, for tests that kill it.</summary>
internal sealed class RedisServerProcess : IDisposable
{
    private readonly Process _process;

    private RedisServerProcess(Process process, int port)
    {
        _process = process;
        Url = $"redis://127.0.0.1:{port}";
    }

    public string Url { get; }

    public static async Task<RedisServerProcess> StartAsync()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        var server = new RedisServerProcess(Process.Start(start)!, port);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=500");
                if (probe.IsConnected)
                {
                    return server;
                }
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }
    }

    /// <summary>kill -9: the app sees its connection drop mid-run.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
