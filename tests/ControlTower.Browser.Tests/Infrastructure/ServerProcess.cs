using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ControlTower.Browser.Tests.Infrastructure;

/// <summary>
/// The real <c>controltower serve</c> (the built server, dashboard included) on a free loopback port,
/// in demo mode unless settings say otherwise, with a fresh SQLite data folder. Killed with its process tree on dispose.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServerProcess(Process process, Uri baseAddress, string dataDirectory)
    {
        this.process = process;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
    }

    public Uri BaseAddress { get; }

    /// <summary>The server's DATA_DIR: the SQLite file and, in demo mode, the pharmacy's inventory file.</summary>
    public string DataDirectory { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var dataDirectory = Directory.CreateTempSubdirectory("controltower-browser-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "controltower.dll"));
        start.ArgumentList.Add("serve");
        start.Environment["ENVIRONMENT"] = "demo";
        start.Environment["DATA_DIR"] = dataDirectory;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // The scenarios share one demo identity and one of them creates 500 workflows: rate limiting is tested elsewhere.
        start.Environment["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "1000000";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var server = new ServerProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}/"), dataDirectory);
        server.process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server.process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server.process.BeginOutputReadLine();
        server.process.BeginErrorReadLine();
        await server.WaitUntilReadyAsync();
        return server;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"controltower exited with {process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var ready = await client.GetAsync(new Uri("health/ready", UriKind.Relative));
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer while it starts.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"controltower was not ready within 120 s:\n{Output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying child; the temp folder is cleaned by the OS.
        }
    }
}
