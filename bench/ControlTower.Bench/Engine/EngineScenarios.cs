using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace ControlTower.Bench.Engine;

/// <summary>
/// <c>dotnet run -c Release --project bench/ControlTower.Bench -- engine [--runs N] [--inflight 1,8,64] [--counted N] [--only PREFIX] [--mode checkpoint|step]
/// [--postgres CONNECTION --hosts 1|2] [--concurrency N]</c>:
/// the durable engine on SQLite (WAL, synchronous=FULL), run as <c>controltower serve</c> composes it, in one process.
/// Three workflows — a chain of 10 transforms, a 10-wide fan-out/fan-in, and the chain with two side-effecting
/// <c>http.request</c> steps to a loopback endpoint — at 1, 8 and 64 runs in flight (closed loop: each slot starts a
/// run and waits for it to end), in both durability modes (<c>checkpoint</c>, the default, and <c>step</c>). For each:
/// runs/s, µs per node step, fsyncs per run (counted with strace in a separate, untimed pass), and the raw-SQLite
/// floor of the same bytes in the same number of transactions per run as the engine's fsyncs, one run at a time.
/// <c>parked [--parked N]</c>: the memory and resume time of runs parked on <c>delay</c> timers. Prints markdown tables.
/// </summary>
internal static class EngineScenarios
{
    private const int Length = 10;
    private const int Warmup = 30;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(20);

    private sealed record Settings(int Runs, int[] InFlight, int Counted, int Parked, int Concurrency, string? Only = null, string? Mode = null, string? Postgres = null, int Hosts = 1);

    private sealed record Row(string Scenario, string Durability, int InFlight, int Runs, double StepsPerRun, TimeSpan Elapsed, double? FsyncsPerRun, FloorResult? Floor)
    {
        /// <summary>Bytes the whole process allocated while the point ran, divided by its runs.</summary>
        public double AllocatedBytesPerRun { get; init; }

        /// <summary>CPU time the whole process used while the point ran, divided by its runs (less sensitive to a loaded machine than wall time).</summary>
        public double CpuMicrosecondsPerRun { get; init; }

        public double RunsPerSecond => Runs / Elapsed.TotalSeconds;

        public double MicrosecondsPerStep => Elapsed.TotalMilliseconds * 1000 / (Runs * StepsPerRun);

        public double MicrosecondsPerRun => Elapsed.TotalMilliseconds * 1000 / Runs;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = Parse(args);
        var folder = Directory.CreateTempSubdirectory("controltower-bench-").FullName;
        try
        {
            await using var endpoint = await LoopbackEndpoint.StartAsync();
            var database = settings.Postgres is { } admin ? await EngineHost.CreatePostgresDatabaseAsync(admin) : null;
            await using var host = await EngineHost.StartAsync(folder, settings.Concurrency, database);
            for (var peer = 1; peer < settings.Hosts; peer++)
            {
                host.Peers.Add(await EngineHost.StartAsync(Directory.CreateTempSubdirectory("controltower-bench-peer-").FullName, settings.Concurrency, database));
            }

            Console.WriteLine($"# Engine benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
            Console.WriteLine();
            Console.WriteLine($"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores; SQLite {await host.DurabilityAsync()}; " +
                $"ENGINE_CONCURRENCY={settings.Concurrency}; {settings.Runs} runs per point; fsyncs counted over {settings.Counted} runs.");
            Console.WriteLine();
            var shapes = new (string Name, JsonObject Graph)[]
            {
                ("chain of 10 transforms", EngineGraphs.Chain(Length)),
                ("fan-out/fan-in 10 wide", EngineGraphs.FanOutFanIn(Length)),
                ("chain of 10 with 2 http.request", EngineGraphs.ChainWithEffects(Length, endpoint.BaseUrl)),
            };
            var rows = new List<Row>();
            foreach (var (name, graph) in shapes.Where(s => settings.Only is null || s.Name.StartsWith(settings.Only, StringComparison.Ordinal)))
            {
                foreach (var (durability, modeGraph) in new[] { ("checkpoint", graph), ("step", EngineGraphs.StepDurability(graph)) }.Where(m => settings.Mode is null || m.Item1 == settings.Mode))
                {
                    var (fsyncs, floor) = await CountAndFloorAsync(host, folder, $"{name} ({durability})", modeGraph, settings);
                    foreach (var inFlight in settings.InFlight)
                    {
                        var row = await ThroughputAsync(host, $"{name} ({durability}, {inFlight} in flight)", modeGraph, settings.Runs, inFlight);
                        rows.Add(row with { Scenario = name, Durability = durability, FsyncsPerRun = fsyncs, Floor = floor });
                        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}, {durability}, {inFlight} in flight: {row.RunsPerSecond:0.0} runs/s"));
                    }
                }
            }

            Print(rows);
            foreach (var peer in host.Peers)
            {
                await peer.DisposeAsync();
                Directory.Delete(peer.DataDirectory, recursive: true);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary><c>parked [--parked N]</c>: only the parked-runs scenario.</summary>
    public static async Task<int> ParkedOnlyAsync(string[] args)
    {
        var settings = Parse(args);
        var folder = Directory.CreateTempSubdirectory("controltower-bench-").FullName;
        try
        {
            await using var host = await EngineHost.StartAsync(folder, settings.Concurrency);
            Console.WriteLine($"# Parked runs ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC), SQLite {await host.DurabilityAsync()}");
            await ParkedAsync(host, settings.Parked);
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<Row> ThroughputAsync(EngineHost host, string name, JsonObject graph, int runs, int inFlight)
    {
        var workflow = await host.CreateWorkflowAsync(name, graph.DeepClone().AsObject());
        using var process = Process.GetCurrentProcess();
        var (allocated, cpu) = (GC.GetTotalAllocatedBytes(precise: true), process.TotalProcessorTime);
        var clock = Stopwatch.StartNew();
        await host.RunClosedLoopAsync(workflow, runs, inFlight, Input);
        clock.Stop();
        process.Refresh();
        var (allocatedAfter, cpuAfter) = (GC.GetTotalAllocatedBytes(precise: true), process.TotalProcessorTime);
        var stored = await host.ReadCheckpointsAsync(workflow);
        return new Row(name, "", inFlight, runs, stored.Average(r => r.Steps), clock.Elapsed, null, null)
        {
            AllocatedBytesPerRun = (allocatedAfter - allocated) / (double)runs,
            CpuMicrosecondsPerRun = (cpuAfter - cpu).TotalMilliseconds * 1000 / runs,
        };
    }

    /// <summary>After a warm-up, the fsyncs of <c>Counted</c> runs at 8 in flight, and the floor of their bytes in that many transactions per run.</summary>
    private static async Task<(double? FsyncsPerRun, FloorResult? Floor)> CountAndFloorAsync(EngineHost host, string folder, string name, JsonObject graph, Settings settings)
    {
        var warmup = await host.CreateWorkflowAsync($"{name} (warm-up)", graph.DeepClone().AsObject());
        await host.RunClosedLoopAsync(warmup, Warmup, 8, Input);

        var counted = await host.CreateWorkflowAsync($"{name} (counted)", graph.DeepClone().AsObject());
        var fsyncs = settings.Counted == 0 ? null : await FsyncCounter.CountAsync(() => host.RunClosedLoopAsync(counted, settings.Counted, 8, Input));
        if (fsyncs is null)
        {
            await host.RunClosedLoopAsync(counted, Math.Max(settings.Counted, 10), 8, Input);
        }

        var perRun = fsyncs / (double?)settings.Counted;
        var stored = await host.ReadCheckpointsAsync(counted);
        var transactions = Math.Max(1, (int)Math.Round(perRun ?? stored.Average(r => r.Steps)));
        var floor = await CheckpointFloor.MeasureAsync(Path.Combine(folder, $"floor-{counted:N}.db"), stored, transactions);
        return (perRun, floor);
    }

    private static void Print(IReadOnlyList<Row> rows)
    {
        Console.WriteLine("| workflow | durability | in flight | runs | node steps/run | runs/s | µs/step | CPU µs/run | KB allocated/run | fsyncs/run | " +
            "floor: transactions/run | floor µs/run | engine µs/run ÷ floor |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Scenario} | {row.Durability} | {row.InFlight} | {row.Runs} | {row.StepsPerRun:0.#} | {row.RunsPerSecond:0.0} | {row.MicrosecondsPerStep:0} | " +
                    $"{row.CpuMicrosecondsPerRun:0} | {row.AllocatedBytesPerRun / 1024:0.0} | " +
                    $"{(row.FsyncsPerRun is { } f ? f.ToString("0.0", CultureInfo.InvariantCulture) : "n/a")} | " +
                    $"{row.Floor?.TransactionsPerRun} | {row.Floor?.MicrosecondsPerRun:0} | {row.MicrosecondsPerRun / row.Floor?.MicrosecondsPerRun:0.00}x |"));
        }

        Console.WriteLine();
        Console.WriteLine("Ratios to the checkpoint mode in the same run (runs/s, same workflow and in-flight count):");
        Console.WriteLine();
        Console.WriteLine("| workflow | in flight | checkpoint runs/s | step runs/s | checkpoint ÷ step |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var pair in rows.GroupBy(r => (r.Scenario, r.InFlight)).Where(p => p.Count() == 2))
        {
            var checkpoint = pair.Single(r => r.Durability == "checkpoint");
            var step = pair.Single(r => r.Durability == "step");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {pair.Key.Scenario} | {pair.Key.InFlight} | {checkpoint.RunsPerSecond:0.0} | {step.RunsPerSecond:0.0} | {checkpoint.RunsPerSecond / step.RunsPerSecond:0.0}x |"));
        }
    }

    private static async Task ParkedAsync(EngineHost host, int parked)
    {
        if (parked == 0)
        {
            return;
        }

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
        Console.WriteLine($"| runs parked on `delay` | time to park | RSS before | RSS parked | RSS per parked run | " +
            $"managed heap before / parked | timers made due | time to resume all | resumed runs/s | RSS after resume |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {parked:N0} | {parking.Elapsed.TotalSeconds:0.0} s | {Mib(rssBefore)} | {Mib(rssParked)} | {(rssParked - rssBefore) / (double)parked:0} B | " +
                $"{Mib(heapBefore)} / {Mib(heapParked)} | {timers:N0} | {resuming.Elapsed.TotalSeconds:0.0} s | {parked / resuming.Elapsed.TotalSeconds:0} | {Mib(rssAfter)} |"));
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
        var settings = new Settings(Runs: 200, InFlight: [1, 8, 64], Counted: 50, Parked: 10_000, Concurrency: 16);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var text = args[i + 1];
            settings = args[i] switch
            {
                "--only" => settings with { Only = text },
                "--mode" => settings with { Mode = text },
                "--postgres" => settings with { Postgres = text, Counted = 0 },
                "--hosts" => settings with { Hosts = Number(text) },
                "--runs" => settings with { Runs = Number(text) },
                "--inflight" => settings with { InFlight = [.. text.Split(',').Select(Number)] },
                "--counted" => settings with { Counted = Number(text) },
                "--parked" => settings with { Parked = Number(text) },
                "--concurrency" => settings with { Concurrency = Number(text) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'; use --runs, --inflight, --counted (0: no fsync count), --only (a workflow name prefix), " +
                    $"--mode (checkpoint or step), --postgres (an admin connection string: a fresh database there, no fsync count), " +
                    $"--hosts (engine hosts on that database), --parked, --concurrency."),
            };
        }

        return settings;
    }

    private static int Number(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
