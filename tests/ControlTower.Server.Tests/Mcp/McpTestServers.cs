using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ControlTower.Server.Tests.Mcp;

/// <summary>
/// Locates (installing when needed, via scripts/install-mcp-servers.sh) the pinned npm reference
/// servers under tools/mcp-servers/node_modules and builds the commands that start them.
/// </summary>
internal static class McpTestServers
{
    private static readonly Lazy<string> ServersDirectory = new(LocateAndInstall, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => ServersDirectory.Value;

    public static string Everything => Dist("server-everything");

    public static string Filesystem => Dist("server-filesystem");

    public static string Memory => Dist("server-memory");

    public static string MetaEcho => Path.Combine(Directory, "fixtures", "meta-echo.mjs");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Dist(string package) =>
        Path.Combine(Directory, "node_modules", "@modelcontextprotocol", package, "dist", "index.js");

    private static string LocateAndInstall()
    {
        var root = RepoRoot();
        var directory = Path.Combine(root, "tools", "mcp-servers");
        var marker = Path.Combine(directory, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
        if (!File.Exists(marker))
        {
            RunInstallScript(Path.Combine(root, "scripts", "install-mcp-servers.sh"));
        }

        return File.Exists(marker) ? directory : throw new InvalidOperationException($"MCP reference servers are missing after install: {marker}");
    }

    internal static void RunInstallScript(string script)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not start bash");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed with {process.ExitCode}: {stderr.Result}");
        }
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ControlTower.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ControlTower.slnx not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>server-everything over Streamable HTTP (or SSE) as a child process on a free port.</summary>
internal sealed class EverythingHttpServer : IAsyncDisposable
{
    private readonly string _mode;
    private Process? _process;

    private EverythingHttpServer(int port, string mode)
    {
        Port = port;
        _mode = mode;
    }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/{(_mode == "sse" ? "sse" : "mcp")}");

    public static async Task<EverythingHttpServer> StartAsync(string mode = "streamableHttp")
    {
        var server = new EverythingHttpServer(McpTestServers.FreePort(), mode);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the process (again) on the same port and waits until it accepts connections.</summary>
    public async Task RestartAsync()
    {
        var start = new ProcessStartInfo("node", [McpTestServers.Everything, _mode])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    public void Kill()
    {
        _process?.Kill(entireProcessTree: true);
        _process?.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            Kill();
        }

        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Finds the stdio server processes this test process started, by an environment marker.</summary>
internal static class ChildProcesses
{
    public static int FindByEnvironment(string name, string value)
    {
        var entry = $"{name}={value}";
        var self = Environment.ProcessId;
        foreach (var dir in System.IO.Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == self
                    && File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains(entry))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }

        throw new InvalidOperationException($"no child process with {name} set");
    }

    public static void Kill(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill();
        process.WaitForExit();
    }
}
