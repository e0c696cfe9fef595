using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace ControlTower.Bench.Engine;

/// <summary>
/// <c>dotnet run -c Release --project bench/ControlTower.Bench -- engine [--runs N] [--parked N] [--concurrency N]</c>:
/// throughput of the durable engine on SQLite (a 10-node transform chain and a 10-wide fan-out/fan-in),
/// each next to the raw SQLite cost of writing the same checkpoint bytes one transaction per step, and
/// the memory and resume time of runs parked on <c>delay</c> timers. Prints markdown tables.
/// A stopwatch runner rather than BenchmarkDotNet: the figures are throughput over many runs and process RSS.
/// </summary>
internal static class EngineScenarios
{
    private const int Width = 10;
    private const int Warmup = 30;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(20);

    private sealed record Settings(int Runs, int Parked, int Concurrency);

    private sealed record ThroughputRow(string Scenario, int Runs, double StepsPerRun, TimeSpan Elapsed, FloorResult Floor)
    {
        public double RunsPerSecond => Runs / Elapsed.TotalSeconds;

        public double MicrosecondsPerStep => Elapsed.TotalMilliseconds * 1000 / (Runs * StepsPerRun);

        public double Ratio => MicrosecondsPerStep / Floor.MicrosecondsPerStep;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = Parse(args);
        var folder = Directory.CreateTempSubdirectory("controltower-bench-").FullName;
        try
        {
            await using var host = await EngineHost.StartAsync(folder, settings.Concurrency);
            Console.WriteLine($"# Engine benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
            Console.WriteLine();
            Console.WriteLine($"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores; SQLite {await host.DurabilityAsync()}; ENGINE_CONCURRENCY={settings.Concurrency}; runs started 8 at a time through RunStarter.");
            Console.WriteLine();

            var chain = await ThroughputAsync(host, folder, "chain of 10 transforms", EngineGraphs.Chain(Width), settings);
            var fan = await ThroughputAsync(host, folder, "fan-out/fan-in 10 wide", EngineGraphs.FanOutFanIn(Width), settings);
            PrintThroughput([chain, fan]);
            await ParkedAsync(host, settings.Parked);
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<ThroughputRow> ThroughputAsync(EngineHost host, string folder, string name, JsonObject graph, Settings settings)
    {
        var warmup = await host.CreateWorkflowAsync($"{name} (warm-up)", graph.DeepClone().AsObject());
        await host.StartRunsAsync(warmup, Warmup, 8, Input);
        await host.WaitForStatusAsync(warmup, "completed", Warmup, Patience);

        var workflow = await host.CreateWorkflowAsync(name, graph);
        var clock = Stopwatch.StartNew();
        await host.StartRunsAsync(workflow, settings.Runs, 8, Input);
        await host.WaitForStatusAsync(workflow, "completed", settings.Runs, Patience);
        clock.Stop();

        var stored = await host.ReadCheckpointsAsync(workflow);
        var floor = await CheckpointFloor.MeasureAsync(Path.Combine(folder, $"floor-{workflow:N}.db"), stored);
        return new ThroughputRow(name, settings.Runs, stored.Average(r => r.Steps), clock.Elapsed, floor);
    }

    private static async Task ParkedAsync(EngineHost host, int parked)
    {
        var workflow = await host.CreateWorkflowAsync("parked on a timer", EngineGraphs.Parked());
        var far = DateTimeOffset.UtcNow.AddDays(1).ToString("O", CultureInfo.InvariantCulture);
        var (rssBefore, heapBefore) = Memory();

        var parking = Stopwatch.StartNew();
        await host.StartRunsAsync(workflow, parked, 8, n => new JsonObject { ["n"] = n, ["at"] = far });
        await host.WaitForStatusAsync(workflow, "waiting", parked, Patience);
        parking.Stop();
        var (rssParked, heapParked) = Memory();

        var resuming = Stopwatch.StartNew();
        var timers = await host.MakeTimersDueAsync();
        await host.WaitForStatusAsync(workflow, "completed", parked, Patience);
        resuming.Stop();
        var (rssAfter, _) = Memory();

        Console.WriteLine();
        Console.WriteLine($"| runs parked on `delay` | time to park | RSS before | RSS parked | RSS per parked run | managed heap before / parked | timers made due | time to resume all | resumed runs/s | RSS after resume |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {parked:N0} | {parking.Elapsed.TotalSeconds:0.0} s | {Mib(rssBefore)} | {Mib(rssParked)} | {(rssParked - rssBefore) / (double)parked:0} B | {Mib(heapBefore)} / {Mib(heapParked)} | {timers:N0} | {resuming.Elapsed.TotalSeconds:0.0} s | {parked / resuming.Elapsed.TotalSeconds:0} | {Mib(rssAfter)} |"));
    }

    private static void PrintThroughput(IReadOnlyList<ThroughputRow> rows)
    {
        Console.WriteLine("| scenario | runs | node steps/run | wall | runs/s | engine µs/step | raw SQLite floor µs/step | ratio to floor | floor bytes/step (state + events) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Scenario} | {row.Runs} | {row.StepsPerRun:0.#} | {row.Elapsed.TotalSeconds:0.00} s | {row.RunsPerSecond:0.0} | {row.MicrosecondsPerStep:0} | {row.Floor.MicrosecondsPerStep:0} | {row.Ratio:0.0}x | {row.Floor.StateBytes / row.Floor.Steps} + {row.Floor.EventBytes / row.Floor.Steps} |"));
        }
    }

    private static JsonNode Input(int n) => new JsonObject { ["n"] = n };

    /// <summary>Resident set (VmRSS) and managed heap after a full, compacting collection.</summary>
    private static (long Rss, long Heap) Memory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        return (ResidentBytes(), heap);
    }

    private static long ResidentBytes()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            if (line is not null)
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:0.0} MiB");

    private static Settings Parse(string[] args)
    {
        var settings = new Settings(Runs: 300, Parked: 10_000, Concurrency: 16);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--runs" => settings with { Runs = value },
                "--parked" => settings with { Parked = value },
                "--concurrency" => settings with { Concurrency = value },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'; use --runs, --parked, --concurrency."),
            };
        }

        return settings;
    }
}
