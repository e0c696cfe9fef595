using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ControlTower.Core.Planning;

namespace ControlTower.Bench.Planning;

/// <summary>
/// <c>planner</c>: runs each planner over the hand-written corpus (tests/ControlTower.Core.Tests/Planning/Data) against
/// the captured catalogs of the pharmacy, everything, filesystem and memory servers, and prints its scores (valid-graph
/// rate, node F1, edge F1, exact plan, argument accuracy, refusals) per corpus split and the time per draft (p50, p99,
/// max over <c>--rounds</c> passes after a warm-up pass; a refinement's base draft is made outside the timing). Two
/// timings: every sample, and per request the fastest of its rounds ("best"), which filters out the preemption of a
/// shared, oversubscribed machine — the planner is deterministic and CPU-bound, so the fastest round is its cost.
/// More planners (the LLM one) are rows of <see cref="Planners"/>.
/// </summary>
public static class PlannerScenarios
{
    /// <summary>A planner to score: its name and how it drafts.</summary>
    public sealed record PlannerRow(string Name, Func<PlanRequest, PlanDraft> Plan);

    public static IReadOnlyList<PlannerRow> Planners() => [new("offline", new OfflinePlanner().Plan)];

    public static int Run(string[] args)
    {
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(5);
        var data = Path.Combine(RepositoryRoot(), "tests", "ControlTower.Core.Tests", "Planning", "Data");
        IReadOnlyList<PlannerTool> catalog = [.. Catalog(Path.Combine(data, "pharmacy-catalog.json")), .. Catalog(Path.Combine(data, "reference-catalog.json"))];
        var corpus = PlanCorpus.Parse(File.ReadAllText(Path.Combine(data, "corpus.jsonl")));
        Console.WriteLine($"planner corpus: {corpus.Count} requests ({string.Join(", ", corpus.GroupBy(c => c.Split).Select(g => $"{g.Key} {g.Count()}"))}), " +
            $"catalog: {catalog.Count} tools on {catalog.Select(t => t.Server).Distinct().Count()} servers");
        Console.WriteLine();
        Console.WriteLine($"{"planner",-10} {"split",-8} {"cases",5} {"valid",7} {"nodeF1",7} {"edgeF1",7} {"exact",7} {"args",7} " +
            $"{"refuse",7} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"best p50",9} {"best p99",9}");
        foreach (var planner in Planners())
        {
            var results = PlanCorpus.Run(corpus, catalog, planner.Plan);
            var timings = Time(corpus, catalog, planner.Plan, rounds);
            foreach (var split in new[] { "all" }.Concat(corpus.Select(c => c.Split).Distinct()))
            {
                var rows = results.Where(r => split == "all" || r.Case.Split == split).ToList();
                var samples = timings.Where(x => split == "all" || x.Split == split).ToList();
                var t = samples.Select(x => x.Milliseconds).Order().ToList();
                var best = samples.GroupBy(x => x.Request).Select(g => g.Min(x => x.Milliseconds)).Order().ToList();
                var total = PlanScoring.Total([.. rows.Select(r => r.Score)]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{planner.Name,-10} {split,-8} {rows.Count,5} {total.ValidRate,7:P1} {total.NodeF1,7:0.000} {total.EdgeF1,7:0.000} {total.ExactRate,7:P1} " +
                        $"{total.ArgumentAccuracy,7:P1} {total.RefusalAccuracy,7:P1} {Percentile(t, 0.50),8:0.000} {Percentile(t, 0.99),8:0.000} " +
                        $"{t.LastOrDefault(),8:0.000} {Percentile(best, 0.50),9:0.000} {Percentile(best, 0.99),9:0.000}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("Targets (offline, all): valid 100%, node F1 >= 0.90, edge F1 >= 0.80, exact >= 60%, p99 <= 50 ms.");
        if (File.Exists("/proc/loadavg"))
        {
            // Times are wall clock on a shared machine: a load far above the core count stretches the tail.
            Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()} on {Environment.ProcessorCount} cores");
        }
        return 0;
    }

    private static List<(string Split, int Request, double Milliseconds)> Time(IReadOnlyList<PlanCorpusCase> corpus, IReadOnlyList<PlannerTool> catalog, Func<PlanRequest, PlanDraft> plan, int rounds)
    {
        var byId = corpus.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var requests = corpus.Select(c => (c.Split, Request: PlanCorpus.Request(c, byId, catalog, plan))).ToList();
        foreach (var (_, request) in requests)
        {
            plan(request);
        }

        var timings = new List<(string, int, double)>();
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                var started = Stopwatch.GetTimestamp();
                plan(requests[i].Request);
                timings.Add((requests[i].Split, i, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
        }

        return timings;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static IReadOnlyList<PlannerTool> Catalog(string path) => PlannerCatalogJson.Parse(JsonNode.Parse(File.ReadAllText(path)));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ControlTower.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Run the bench from inside the repository (ControlTower.slnx not found above the binaries).");
    }
}
