using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace ControlTower.Bench.Http;

/// <summary>
/// <c>dotnet run -c Release --project bench/ControlTower.Bench -- http [--seconds N] [--concurrency 1,10,50] [--keys] [--n8n]</c>:
/// the server as a real process (<c>controltower serve</c>, started from another working directory, SQLite with
/// fsync), driven over loopback by a built-in closed-loop load generator: webhook → 1 transform → respond and
/// webhook → 10 transforms → respond, both answering synchronously (<c>respondMode: respond_node</c>), at each
/// concurrency; throughput, p50/p99 latency, and the chain-to-single cost ratio measured in the same run. A third
/// workflow (the single transform, under a 50 % canary release of an identical v2) gives the release decision's cost
/// as a ratio to the plain single workflow in the same run. <c>--keys</c> gives every request its own <c>X-Delivery-Id</c>,
/// so each start carries an idempotency key. <c>--n8n</c> runs <see cref="N8nComparison"/> instead.
/// </summary>
internal static class HttpScenarios
{
    /// <summary>One measured point; <paramref name="ServerCpu"/>: the server process's CPU time (user + system) during it.</summary>
    internal sealed record Point(string Workflow, int Concurrency, int Requests, int Failures, TimeSpan Elapsed, double P50, double P99, TimeSpan ServerCpu = default)
    {
        public double PerSecond => Requests / Elapsed.TotalSeconds;

        /// <summary>Server CPU milliseconds per request: what a request costs, whatever else loads the machine.</summary>
        public double CpuMsPerRequest => ServerCpu.TotalMilliseconds / Requests;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--n8n"))
        {
            return await N8nComparison.RunAsync([.. args.Where(a => a != "--n8n")]);
        }

        var keyed = args.Contains("--keys");
        var (seconds, concurrencies) = Parse([.. args.Where(a => a != "--keys")]);
        var data = Directory.CreateTempSubdirectory("controltower-http-bench-").FullName;
        var server = await ServerProcess.StartAsync(data);
        try
        {
            using var admin = new HttpClient { BaseAddress = server.BaseAddress };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.AdminKey);
            var single = await CreateAsync(admin, "webhook → 1 transform → respond", 1);
            var chain = await CreateAsync(admin, "webhook → 10 transforms → respond", 10);
            var canary = await CreateCanaryAsync(admin);
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = server.BaseAddress };
            Console.WriteLine($"# HTTP benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
            Console.WriteLine();
            Console.WriteLine($"{Environment.ProcessorCount} cores; `controltower serve` as its own process (SQLite, WAL, synchronous=FULL), started from {Path.GetTempPath()}; " +
                $"built-in closed-loop load over loopback, {seconds} s per point after a 2 s warm-up, workflows interleaved" +
                (keyed ? "; every request has its own X-Delivery-Id (keyed starts)." : "."));
            Console.WriteLine();
            var points = new List<Point>();
            foreach (var concurrency in concurrencies)
            {
                foreach (var (name, url) in new[] { ("1 transform", single), ("10 transforms", chain), (CanaryName, canary) })
                {
                    await LoadAsync(client, url, concurrency, TimeSpan.FromSeconds(2), keyed);
                    var cpu = server.Cpu;
                    var point = await LoadAsync(client, url, concurrency, TimeSpan.FromSeconds(seconds), keyed);
                    points.Add(point with { Workflow = name, ServerCpu = server.Cpu - cpu });
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name} at {concurrency}: {point.PerSecond:0} req/s, p50 {point.P50:0.0} ms, p99 {point.P99:0.0} ms, {point.Failures} failed"));
                }
            }

            Print(points);
            return 0;
        }
        finally
        {
            server.Dispose();
            Directory.Delete(data, recursive: true);
        }
    }

    private const string CanaryName = "1 transform, canary 50%";

    /// <summary>The single-transform workflow with an identical v2 under a canary release taking 50 % of new runs (a pause and sample size it never reaches).</summary>
    private static async Task<string> CreateCanaryAsync(HttpClient admin)
    {
        var url = await CreateAsync(admin, "webhook → 1 transform → respond (canary)", 1);
        var id = url.Split('/')[2];
        using (var saved = await admin.PostAsJsonAsync($"/api/workflows/{id}/versions", new { graph = Graph(1), message = "same graph, new version" }))
        {
            saved.EnsureSuccessStatusCode();
        }

        using (var pinned = await admin.PutAsJsonAsync($"/api/workflows/{id}/release", new { mode = "direct", version = 1 }))
        {
            pinned.EnsureSuccessStatusCode();
        }

        using var released = await admin.PutAsJsonAsync($"/api/workflows/{id}/release",
            new { mode = "canary", version = 2, steps = new[] { 50 }, stepPauseSeconds = 86_400, minRunsPerStep = 100_000 });
        released.EnsureSuccessStatusCode();
        return url;
    }

    internal static async Task<string> CreateAsync(HttpClient admin, string name, int transforms)
    {
        var graph = Graph(transforms);
        using var response = await admin.PostAsJsonAsync("/api/workflows", new { name, graph });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Creating '{name}' failed: {(int)response.StatusCode} {body}");
        }

        return $"/hooks/{JsonNode.Parse(body)!["workflow"]!["id"]}/hook";
    }

    private static JsonObject Graph(int transforms)
    {
        var nodes = new JsonArray { Node("hook", "trigger.webhook", new() { ["respondMode"] = "respond_node" }) };
        var edges = new JsonArray();
        for (var i = 1; i <= transforms; i++)
        {
            var previous = i == 1 ? "input.body.n" : $"nodes.t{i - 1}.output.v";
            nodes.Add(Node($"t{i}", "transform", new() { ["expression"] = $"{{'v': {previous} + 1}}" }));
            edges.Add(Edge(i == 1 ? "hook" : $"t{i - 1}", $"t{i}"));
        }

        nodes.Add(Node("reply", "respond", new() { ["status"] = 200, ["body"] = $"{{'v': nodes.t{transforms}.output.v}}" }));
        edges.Add(Edge($"t{transforms}", "reply"));
        return new JsonObject { ["version"] = "1.0", ["nodes"] = nodes, ["edges"] = edges, ["config"] = new JsonObject() };
    }

    internal static async Task<Point> LoadAsync(HttpClient client, string url, int concurrency, TimeSpan duration, bool keyed = false)
    {
        var latencies = new List<double>[concurrency];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async slot =>
        {
            var mine = latencies[slot] = [];
            var payload = Encoding.UTF8.GetBytes($$"""{"n": {{slot}}}""");
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var content = new ByteArrayContent(payload);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
                if (keyed)
                {
                    request.Headers.Add("X-Delivery-Id", Guid.NewGuid().ToString("N"));
                }

                using var response = await client.SendAsync(request);
                await response.Content.LoadIntoBufferAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failures);
                }

                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        clock.Stop();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Point("", concurrency, all.Length, failures, clock.Elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static void Print(IReadOnlyList<Point> points)
    {
        Console.WriteLine("| workflow | concurrency | requests | failed | req/s | p50 ms | p99 ms | server CPU ms/request |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in points)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| webhook → {p.Workflow} → respond | {p.Concurrency} | {p.Requests} | {p.Failures} | {p.PerSecond:0.0} | {p.P50:0.0} | {p.P99:0.0} | {p.CpuMsPerRequest:0.00} |"));
        }

        Console.WriteLine();
        Console.WriteLine("| concurrency | chain10 ÷ single: time per request (req/s ratio inverted) | p50 ratio |");
        Console.WriteLine("|---:|---:|---:|");
        foreach (var pair in points.GroupBy(p => p.Concurrency))
        {
            var single = pair.Single(p => p.Workflow == "1 transform");
            var chain = pair.Single(p => p.Workflow == "10 transforms");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {pair.Key} | {single.PerSecond / chain.PerSecond:0.00}x | {chain.P50 / single.P50:0.00}x |"));
        }

        Console.WriteLine();
        Console.WriteLine("| concurrency | canary ÷ single: time per request (req/s ratio inverted) | p50 ratio |");
        Console.WriteLine("|---:|---:|---:|");
        foreach (var pair in points.GroupBy(p => p.Concurrency))
        {
            var single = pair.Single(p => p.Workflow == "1 transform");
            var canary = pair.Single(p => p.Workflow == CanaryName);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {pair.Key} | {single.PerSecond / canary.PerSecond:0.00}x | {canary.P50 / single.P50:0.00}x |"));
        }
    }

    private static JsonObject Node(string id, string type, JsonObject config) => new() { ["id"] = id, ["type"] = type, ["config"] = config };

    private static JsonObject Edge(string source, string target) =>
        new() { ["source"] = source, ["target"] = target, ["sourceHandle"] = "success", ["targetHandle"] = "in" };

    internal static (int Seconds, int[] Concurrency) Parse(string[] args)
    {
        var (seconds, concurrency) = (10, new[] { 1, 10, 50 });
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            (seconds, concurrency) = args[i] switch
            {
                "--seconds" => (int.Parse(args[i + 1], CultureInfo.InvariantCulture), concurrency),
                "--concurrency" => (seconds, args[i + 1].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).Distinct().ToArray()),
                _ => throw new ArgumentException($"Unknown option '{args[i]}'; use --seconds, --concurrency, --n8n."),
            };
        }

        return (seconds, concurrency);
    }

    /// <summary><c>controltower serve</c> from the build output next to this benchmark, with a fresh data folder.</summary>
    internal sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;

        private ServerProcess(Process process, Uri baseAddress, string adminKey) => (_process, BaseAddress, AdminKey) = (process, baseAddress, adminKey);

        public Uri BaseAddress { get; }

        public string AdminKey { get; }

        /// <summary>The process's CPU time so far (user + system, all threads).</summary>
        public TimeSpan Cpu
        {
            get
            {
                _process.Refresh();
                return _process.TotalProcessorTime;
            }
        }

        public static async Task<ServerProcess> StartAsync(string data)
        {
            var url = new Uri($"http://127.0.0.1:{FreePort()}");
            var key = $"ct_bench_{Guid.NewGuid():N}";
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "controltower.dll"));
            start.ArgumentList.Add("serve");
            start.Environment["ENVIRONMENT"] = "development";
            start.Environment["DATA_DIR"] = data;
            start.Environment["ADMIN_API_KEY"] = key;
            start.Environment["URLS"] = url.ToString().TrimEnd('/');
            start.Environment["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "1000000";
            // The bench measures throughput, not shedding: at concurrency 50 the default 32 starts in progress would answer 503s.
            start.Environment["SHED_MAX_CONCURRENT_STARTS"] = "1000";
            start.Environment["AUDIT_EXPORT_INTERVAL_SECONDS"] = "3600";
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new ServerProcess(process, url, key);
            using var probe = new HttpClient { BaseAddress = url };
            for (var deadline = Stopwatch.StartNew(); ; await Task.Delay(200))
            {
                if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(120))
                {
                    server.Dispose();
                    throw new InvalidOperationException("controltower serve did not become ready.");
                }

                try
                {
                    using var ready = await probe.GetAsync("/health/ready");
                    if (ready.StatusCode == HttpStatusCode.OK)
                    {
                        return server;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
