using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>
/// The real server (<c>controltower serve</c>) as a child process on a free loopback port, for tests that
/// kill it the hard way. Its output is drained (a full pipe would block it) and error lines are kept.
/// </summary>
internal sealed class ControlTowerServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ControlTowerServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ControlTowerFactory.AdminKey);
    }

    public Uri BaseAddress { get; }

    /// <summary>An admin client for this process (its port changes with every start).</summary>
    public HttpClient Client { get; }

    /// <summary>What the process wrote (JSON console log lines at warning level and above).</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>The lines logged at error level or above.</summary>
    public IEnumerable<string> Errors => _lines.Where(l =>
        l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || l.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal)
        || l.Contains("\"level\":\"Error\"", StringComparison.Ordinal) || l.Contains("\"level\":\"Critical\"", StringComparison.Ordinal));

    /// <summary>Starts the server on <paramref name="dataDirectory"/> and waits until it is ready.</summary>
    public static async Task<ControlTowerServerProcess> StartAsync(string dataDirectory, IDictionary<string, string?> settings, TimeSpan readyWithin)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(ControlTowerProcess.AssemblyPath);
        start.ArgumentList.Add("serve");
        start.Environment["ENVIRONMENT"] = "development";
        start.Environment["DATA_DIR"] = dataDirectory;
        start.Environment["ADMIN_API_KEY"] = ControlTowerFactory.AdminKey;
        start.Environment["URLS"] = url.ToString().TrimEnd('/');
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var server = new ControlTowerServerProcess(Process.Start(start)!, url);
        server._process.OutputDataReceived += (_, line) => server.Keep(line.Data);
        server._process.ErrorDataReceived += (_, line) => server.Keep(line.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(readyWithin);
        }
        catch (Exception)
        {
            // Not ready: do not leave the child running behind a failed test.
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>kill -9: no shutdown hooks, no lease hand-back, no flush beyond what SQLite already committed.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"controltower serve exited with {_process.ExitCode} before it was ready: {string.Join(Environment.NewLine, _lines)}");
            }

            try
            {
                using var response = await Client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"controltower serve was not ready at {BaseAddress} within {within}.");
            }

            await Task.Delay(100);
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
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
        Client.Dispose();
    }
}
