using System.Globalization;
using System.Net.Http.Headers;

namespace ControlTower.Bench.Http;

/// <summary>
/// <c>-- http --n8n [--seconds N] [--concurrency 1,10,50] [--n8n-engine legacy|vm]</c>: Control Tower and n8n side by side on this machine, each as its
/// own process on loopback with SQLite, on the same two workflows (webhook → 1 or 10 transforms → respond), driven by the
/// same load loop (<c>wrk</c>, else the built-in closed loop), points interleaved (Control Tower, n8n, Control Tower, …),
/// so both see the same machine load; req/s, p50, p99 per point, the Control Tower ÷ n8n ratios, and chain10 ÷ chain1 per product.
/// </summary>
internal static class N8nComparison
{
    private static readonly int[] Chains = [1, 10];

    private sealed record Target(string Product, int Transforms, Uri Url, Func<TimeSpan> Cpu);

    private sealed record Measured(string Product, int Transforms, HttpScenarios.Point Point);

    public static async Task<int> RunAsync(string[] args)
    {
        var engineAt = Array.IndexOf(args, "--n8n-engine");
        var engine = engineAt >= 0 && engineAt + 1 < args.Length ? args[engineAt + 1] : "legacy";
        if (engine is not ("legacy" or "vm"))
        {
            throw new ArgumentException($"--n8n-engine takes legacy or vm (N8N_EXPRESSION_ENGINE), not '{engine}'.");
        }

        var (seconds, concurrencies) = HttpScenarios.Parse(engineAt >= 0 ? [.. args[..engineAt], .. args[(engineAt + 2)..]] : args);
        var useWrk = await WrkLoad.EnsureInstalledAsync();
        var data = Directory.CreateTempSubdirectory("controltower-http-bench-").FullName;
        try
        {
            using var server = await HttpScenarios.ServerProcess.StartAsync(data);
            using var n8n = await N8nProcess.StartAsync(Chains, engine);
            var targets = await TargetsAsync(server, n8n);
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
            var results = new List<Measured>();
            foreach (var concurrency in concurrencies)
            {
                foreach (var target in targets)
                {
                    var point = await MeasureAsync(client, useWrk, target, concurrency, seconds);
                    results.Add(new Measured(target.Product, target.Transforms, point));
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{target.Product} chain{target.Transforms} at {concurrency}: {point.PerSecond:0} req/s, p50 {point.P50:0.0} ms, p99 {point.P99:0.0} ms, {point.Failures} failed"));
                }
            }

            Print(results, useWrk, seconds, n8n.ExpressionEngine);
            return 0;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Interleaved: Control Tower chain1, n8n chain1, Control Tower chain10, n8n chain10.</summary>
    private static async Task<IReadOnlyList<Target>> TargetsAsync(HttpScenarios.ServerProcess server, N8nProcess n8n)
    {
        using var admin = new HttpClient { BaseAddress = server.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.AdminKey);
        var targets = new List<Target>();
        foreach (var transforms in Chains)
        {
            var hook = await HttpScenarios.CreateAsync(admin, $"webhook → {transforms} transforms → respond", transforms);
            targets.Add(new Target("Control Tower", transforms, new Uri(server.BaseAddress, hook), () => server.Cpu));
            targets.Add(new Target("n8n", transforms, n8n.WebhookUrl(transforms), () => n8n.Cpu));
        }

        return targets;
    }

    private static async Task<HttpScenarios.Point> MeasureAsync(HttpClient client, bool useWrk, Target target, int concurrency, int seconds)
    {
        await LoadAsync(client, useWrk, target.Url, concurrency, TimeSpan.FromSeconds(2));
        var cpu = target.Cpu();
        var point = await LoadAsync(client, useWrk, target.Url, concurrency, TimeSpan.FromSeconds(seconds));
        return point with { ServerCpu = target.Cpu() - cpu };
    }

    private static Task<HttpScenarios.Point> LoadAsync(HttpClient client, bool useWrk, Uri url, int concurrency, TimeSpan duration) =>
        useWrk ? WrkLoad.RunAsync(url, concurrency, duration) : HttpScenarios.LoadAsync(client, url.ToString(), concurrency, duration);

    private static void Print(IReadOnlyList<Measured> results, bool useWrk, int seconds, string engine)
    {
        Console.WriteLine($"# HTTP benchmark: Control Tower and n8n side by side ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine();
        Console.WriteLine($"{Environment.ProcessorCount} cores; `controltower serve` (SQLite, WAL, synchronous=FULL) and n8n {N8nProcess.Version} " +
            $"(SQLite, default execution saving, expression engine: {engine}), each its own process; " +
            $"{(useWrk ? "wrk (keep-alive, --latency)" : "built-in closed-loop load")} over loopback, {seconds} s per point after a 2 s warm-up, points interleaved.");
        Console.WriteLine();
        Console.WriteLine("| workflow | concurrency | CT req/s | CT p50 ms | CT p99 ms | n8n req/s | n8n p50 ms | n8n p99 ms | CT ÷ n8n req/s | n8n ÷ CT p50 " +
            "| CPU ms/req CT / n8n | n8n ÷ CT CPU/req | failed CT/n8n |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Point.Concurrency, r.Transforms)))
        {
            var ct = group.Single(r => r.Product == "Control Tower").Point;
            var n8n = group.Single(r => r.Product == "n8n").Point;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| webhook → {group.Key.Transforms} transform{(group.Key.Transforms == 1 ? "" : "s")} → respond | {group.Key.Concurrency} | " +
                $"{ct.PerSecond:0.0} | {ct.P50:0.0} | {ct.P99:0.0} | {n8n.PerSecond:0.0} | {n8n.P50:0.0} | {n8n.P99:0.0} | " +
                $"{ct.PerSecond / n8n.PerSecond:0.0}x | {n8n.P50 / ct.P50:0.0}x | {ct.CpuMsPerRequest:0.00} / {n8n.CpuMsPerRequest:0.00} | " +
                $"{n8n.CpuMsPerRequest / ct.CpuMsPerRequest:0.0}x | {ct.Failures}/{n8n.Failures} |"));
        }

        Console.WriteLine();
        Console.WriteLine("| concurrency | CT chain10 ÷ chain1: time per request | CPU per request | n8n chain10 ÷ chain1: time per request | CPU per request |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Point.Concurrency))
        {
            var (ct, n8n) = (Chain(group, "Control Tower"), Chain(group, "n8n"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key} | {ct.One.PerSecond / ct.Ten.PerSecond:0.00}x | {ct.Ten.CpuMsPerRequest / ct.One.CpuMsPerRequest:0.00}x | " +
                $"{n8n.One.PerSecond / n8n.Ten.PerSecond:0.00}x | {n8n.Ten.CpuMsPerRequest / n8n.One.CpuMsPerRequest:0.00}x |"));
        }
    }

    private static (HttpScenarios.Point One, HttpScenarios.Point Ten) Chain(IEnumerable<Measured> point, string product)
    {
        var mine = point.Where(r => r.Product == product).ToArray();
        return (mine.Single(r => r.Transforms == 1).Point, mine.Single(r => r.Transforms == 10).Point);
    }
}
