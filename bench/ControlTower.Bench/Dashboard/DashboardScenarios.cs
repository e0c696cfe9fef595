using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace ControlTower.Bench.Dashboard;

/// <summary>
/// <c>dotnet run -c Release --project bench/ControlTower.Bench -- dashboard [--samples N] [--baseline REV] [--workflows N]</c>:
/// the dashboard's weight and its time to first render. Prints the gzip size of every built asset (what the first page
/// load fetches and what loads on demand). Then the first render of the list pages (workflows, runs, approvals) of this
/// build against a baseline measured in the same run: the dashboard as it was at <c>REV</c> (default
/// <see cref="DefaultBaseline"/>, the commit before the issue-19 dashboard work began), built by this bench from git into a
/// temporary folder with the same node_modules (its runtime dependencies and Vite are the versions in use today), and
/// served by a copy of the same server build. Each variant runs its own <c>controltower serve</c> in demo mode on a fresh
/// SQLite folder (the same seeded data), and the samples alternate between the two (A B, then B A) so the load of a
/// shared machine falls on both alike. A sample is a fresh browser context (empty cache) navigating to the page until its
/// first row (or card) is drawn. With <c>--workflows N</c> it also loads N workflows into this build's server and measures
/// the workflow list again, as a ratio to its demo-sized list.
/// </summary>
internal static partial class DashboardScenarios
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const int RowsPerPage = 50;

    /// <summary>The parent of b9d8c06 (the first issue-19 commit: the Governance page split into one file per tab).</summary>
    private const string DefaultBaseline = "b9d8c06^";

    /// <summary>The list pages and what shows that each has drawn its content, the same in both builds.</summary>
    private static readonly (string Path, string Drawn)[] ListPages =
    [
        ("/workflows", "[data-testid=workflow-table] tbody tr"),
        ("/runs", "[data-testid=runs-table] tbody tr"),
        ("/approvals", "[data-testid=approval], .empty"),
    ];

    private sealed record Settings(int Samples, string Baseline, int Workflows);

    private sealed record Variant(string Name, Uri BaseAddress);

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = Parse(args);
        Console.WriteLine($"# Dashboard benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine();
        Console.WriteLine($"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores; " +
            $"Chromium {ChromiumPath}; {settings.Samples} cold loads per page and build; baseline: the dashboard at {settings.Baseline}.");
        Console.WriteLine();
        PrintBundle(Path.Combine(AppContext.BaseDirectory, "wwwroot"));

        var scratch = Directory.CreateTempSubdirectory("controltower-bench-dashboard-").FullName;
        var host = BaselineHost.Create(settings.Baseline, scratch);
        var (currentData, baselineData) = (Path.Combine(scratch, "data-current"), Path.Combine(scratch, "data-baseline"));
        Directory.CreateDirectory(currentData);
        Directory.CreateDirectory(baselineData);
        var (currentPort, baselinePort) = (FreePort(), FreePort());
        using var currentServer = StartServer(AppContext.BaseDirectory, currentData, currentPort);
        using var baselineServer = StartServer(host.Directory, baselineData, baselinePort);
        try
        {
            using var currentApi = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{currentPort}/") };
            using var baselineApi = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{baselinePort}/") };
            await WaitUntilReadyAsync(currentApi, currentServer);
            await WaitUntilReadyAsync(baselineApi, baselineServer);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
            });

            Variant current = new("this build", currentApi.BaseAddress!), baseline = new($"baseline ({settings.Baseline})", baselineApi.BaseAddress!);
            var timings = await CompareAsync(browser, current, baseline, settings.Samples);
            Console.WriteLine("| list page | baseline median ms | this build median ms | this build p90 ms | ratio (median) |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            var ratios = new List<double>();
            foreach (var (path, _) in ListPages)
            {
                var (a, b) = (timings[(baseline.Name, path)], timings[(current.Name, path)]);
                ratios.Add(Median(b) / Median(a));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {path} | {Median(a):0} | {Median(b):0} | {Percentile90(b):0} | {Median(b) / Median(a):0.00} |"));
            }

            var all = Math.Exp(ratios.Average(Math.Log));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| **all list pages (geometric mean)** | | | | **{all:0.00}** |"));
            Console.WriteLine();

            if (settings.Workflows > 0)
            {
                await ScaleAsync(browser, currentApi, settings);
            }

            return 0;
        }
        finally
        {
            await StopAsync(currentServer);
            await StopAsync(baselineServer);
            host.Dispose();
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Alternates the builds within each sample (A B, then B A), so drift in the machine's load falls on both.</summary>
    private static async Task<Dictionary<(string Variant, string Path), List<double>>> CompareAsync(IBrowser browser, Variant current, Variant baseline, int samples)
    {
        var timings = new Dictionary<(string, string), List<double>>();
        for (var i = 0; i <= samples; i++)
        {
            foreach (var (path, drawn) in ListPages)
            {
                foreach (var variant in i % 2 == 0 ? new[] { current, baseline } : [baseline, current])
                {
                    var elapsed = await FirstRenderAsync(browser, variant.BaseAddress, path, drawn);
                    if (i > 0)
                    {
                        // The first round warms the servers and the disk cache; it is not counted.
                        (timings.TryGetValue((variant.Name, path), out var list) ? list : timings[(variant.Name, path)] = []).Add(elapsed);
                    }
                }
            }
        }

        return timings;
    }

    private static async Task ScaleAsync(IBrowser browser, HttpClient api, Settings settings)
    {
        var demo = await WorkflowCountAsync(api);
        var drawn = "[data-testid=workflow-table] tbody tr";
        var small = new List<double>();
        for (var i = 0; i < settings.Samples; i++)
        {
            small.Add(await FirstRenderAsync(browser, api.BaseAddress!, "/workflows", drawn));
        }

        await CreateWorkflowsAsync(api, settings.Workflows - demo);
        var loaded = await WorkflowCountAsync(api);
        var rows = $"[data-testid=workflow-table] tbody tr:nth-child({Math.Min(loaded, RowsPerPage)})";
        var large = new List<double>();
        for (var i = 0; i < settings.Samples; i++)
        {
            large.Add(await FirstRenderAsync(browser, api.BaseAddress!, "/workflows", rows));
        }

        Console.WriteLine("| workflow list (this build) | median ms | p90 ms | ratio to the demo's list (median) |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {demo} workflows | {Median(small):0} | {Percentile90(small):0} | 1.00 |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {loaded} workflows | {Median(large):0} | {Percentile90(large):0} | {Median(large) / Median(small):0.00} |"));
    }

    private static void PrintBundle(string wwwroot)
    {
        var index = File.ReadAllText(Path.Combine(wwwroot, "index.html"));
        var initial = AssetReference().Matches(index).Select(m => Path.GetFileName(m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        var assets = Directory.GetFiles(Path.Combine(wwwroot, "assets"))
            .Select(path => (Name: Path.GetFileName(path), Raw: new FileInfo(path).Length, Gzip: GzipLength(path)))
            .OrderByDescending(a => initial.Contains(a.Name)).ThenByDescending(a => a.Gzip)
            .ToList();
        Console.WriteLine("| asset | loaded | raw KB | gzip KB |");
        Console.WriteLine("|---|---|---:|---:|");
        foreach (var (name, raw, gzip) in assets)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {(initial.Contains(name) ? "first page" : "on demand")} | {raw / 1024.0:0.0} | {gzip / 1024.0:0.0} |"));
        }

        var first = assets.Where(a => initial.Contains(a.Name)).Sum(a => a.Gzip);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| **first page load** | | | **{first / 1024.0:0.0}** |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| **everything** | | | **{assets.Sum(a => a.Gzip) / 1024.0:0.0}** |"));
        Console.WriteLine();
    }

    private static long GzipLength(string path)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        using (var file = File.OpenRead(path))
        {
            file.CopyTo(gzip);
        }

        return compressed.Length;
    }

    /// <summary>One cold load: a fresh browser context (empty cache) navigating to the page until its content is drawn.</summary>
    private static async Task<double> FirstRenderAsync(IBrowser browser, Uri baseAddress, string path, string drawn)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString() });
        var page = await context.NewPageAsync();
        var clock = Stopwatch.StartNew();
        await page.GotoAsync(path);
        await page.Locator(drawn).First.WaitForAsync(new() { Timeout = 60_000 });
        clock.Stop();
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task CreateWorkflowsAsync(HttpClient api, int count)
    {
        var graph = new { version = "1.0", nodes = new[] { new { id = "start", type = "trigger.manual", config = new { } } }, edges = Array.Empty<object>() };
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(Enumerable.Range(1, Math.Max(0, count)).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await api.PostAsJsonAsync("api/workflows", new { name = $"Bulk workflow {i:D4}", graph });
                response.EnsureSuccessStatusCode();
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static async Task<int> WorkflowCountAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<System.Text.Json.JsonElement>("api/workflows")).GetArrayLength();

    private static double Percentile90(List<double> values) => values.Order().ElementAt((int)Math.Ceiling(values.Count * 0.9) - 1);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static Process StartServer(string hostDirectory, string data, int port)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = data };
        start.ArgumentList.Add(Path.Combine(hostDirectory, "controltower.dll"));
        start.ArgumentList.Add("serve");
        start.Environment["ENVIRONMENT"] = "demo";
        start.Environment["DATA_DIR"] = data;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "1000000";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start controltower");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task StopAsync(Process server)
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }

    private static async Task WaitUntilReadyAsync(HttpClient api, Process server)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"controltower exited with {server.ExitCode} before it was ready.");
            }

            try
            {
                using var ready = await api.GetAsync(new Uri("health/ready", UriKind.Relative));
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("controltower was not ready within 2 minutes.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Settings Parse(string[] args)
    {
        var (samples, baseline, workflows) = (15, DefaultBaseline, 0);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--samples": samples = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--baseline": baseline = args[i + 1]; break;
                case "--workflows": workflows = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]} (expected --samples N, --baseline REV, --workflows N)");
            }
        }

        return new Settings(samples, baseline, workflows);
    }

    [GeneratedRegex("(?:src|href)=\"/?(assets/[^\"]+)\"")]
    private static partial Regex AssetReference();
}
