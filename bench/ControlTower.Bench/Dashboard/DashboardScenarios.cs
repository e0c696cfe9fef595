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
/// <c>dotnet run -c Release --project bench/ControlTower.Bench -- dashboard [--workflows N] [--samples N]</c>:
/// the dashboard's weight and its time to first render. Prints the gzip size of every built asset (what the
/// first page load fetches and what loads on demand), then the time from a cold navigation to <c>/workflows</c>
/// until the list's rows are drawn, first with the demo's own workflows (the baseline) and then with N, in the
/// same server and browser, and their ratio. Runs the real <c>controltower serve</c> in demo mode on a fresh
/// SQLite folder and Debian's Chromium, as the browser tests do.
/// </summary>
internal static partial class DashboardScenarios
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const int RowsPerPage = 50;

    private sealed record Settings(int Workflows, int Samples);

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = Parse(args);
        Console.WriteLine($"# Dashboard benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine();
        Console.WriteLine($"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores; " +
            $"Chromium {ChromiumPath}; {settings.Samples} cold loads per row.");
        Console.WriteLine();
        PrintBundle(Path.Combine(AppContext.BaseDirectory, "wwwroot"));

        var data = Directory.CreateTempSubdirectory("controltower-bench-dashboard-").FullName;
        var port = FreePort();
        using var server = StartServer(data, port);
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            await WaitUntilReadyAsync(api, server);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
            });

            var demo = await WorkflowCountAsync(api);
            var baseline = await FirstRenderAsync(browser, api.BaseAddress!, demo, settings.Samples);
            await CreateWorkflowsAsync(api, settings.Workflows - demo);
            var loaded = await WorkflowCountAsync(api);
            var large = await FirstRenderAsync(browser, api.BaseAddress!, loaded, settings.Samples);

            Console.WriteLine("| workflow list | median ms | p90 ms | min ms | ratio to baseline (median) |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            Row($"{demo} workflows (baseline)", baseline, baseline);
            Row($"{loaded} workflows", large, baseline);
            return 0;
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(data, recursive: true);
        }
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

    /// <summary>Each sample is a fresh browser context (empty cache), navigating to the list until its rows are drawn.</summary>
    private static async Task<List<double>> FirstRenderAsync(IBrowser browser, Uri baseAddress, int workflows, int samples)
    {
        var rows = Math.Min(workflows, RowsPerPage);
        var timings = new List<double>(samples);
        for (var i = 0; i <= samples; i++)
        {
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString() });
            var page = await context.NewPageAsync();
            var clock = Stopwatch.StartNew();
            await page.GotoAsync("/workflows");
            await page.Locator("[data-testid=workflow-table] tbody tr").Nth(rows - 1).WaitForAsync();
            clock.Stop();
            if (i > 0)
            {
                timings.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return timings;
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

    private static void Row(string name, List<double> timings, List<double> baseline)
    {
        timings.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Median(timings):0} | {timings[(int)Math.Ceiling(timings.Count * 0.9) - 1]:0} | {timings[0]:0} | {Median(timings) / Median(baseline):0.00} |"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static Process StartServer(string data, int port)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = data };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "controltower.dll"));
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
        var workflows = 500;
        var samples = 15;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--workflows": workflows = value; break;
                case "--samples": samples = value; break;
                default: throw new ArgumentException($"unknown option {args[i]} (expected --workflows N, --samples N)");
            }
        }

        return new Settings(workflows, samples);
    }

    [GeneratedRegex("(?:src|href)=\"/?(assets/[^\"]+)\"")]
    private static partial Regex AssetReference();
}
