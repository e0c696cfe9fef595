using System.Globalization;
using ControlTower.Core.Demo;
using ControlTower.Server.Demo.Simulation;
using ControlTower.Server.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Bench.Demo;

/// <summary>
/// <c>simulate [--cases 500] [--seed 42] [--burst 3]</c>: the demo as a new user starts it (demo mode, seeded, the pharmacy
/// MCP server as a child process, a SQLite file in a fresh folder), then the simulation of <c>--cases</c> refill cases of
/// the default mix through the real engine, and after it a short second simulation whose cases 6.. ask for short stock
/// (<c>--burst</c> failures in a row). Prints time and cases/s, the dispense scope's stages and after how many cases it
/// reached them, people's decisions in the first vs the last 100 cases, and how many burst cases it took to demote.
/// </summary>
internal static class SimulateScenario
{
    public static async Task<int> RunAsync(string[] args)
    {
        var cases = Option(args, "--cases", 500);
        var seed = Option(args, "--seed", SimulationRequest.DefaultSeed);
        var burst = Option(args, "--burst", 3);
        var folder = Directory.CreateTempSubdirectory("ct-bench-simulate-");
        try
        {
            await using var app = ControlTowerApp.Build(
            [
                "--ENVIRONMENT=demo", $"--DATA_DIR={folder.FullName}", "--urls=http://127.0.0.1:0",
                "--AUDIT_EXPORT_INTERVAL_SECONDS=3600", "--Logging:LogLevel:Default=Warning",
            ]);
            await app.StartAsync();
            var simulations = app.Services.GetRequiredService<SimulationService>();
            var main = await SimulateAsync(simulations, new SimulationBody(cases, null, seed, null, null));
            Report(main);
            var burstRun = await SimulateAsync(simulations, new SimulationBody(burst + 10, null, seed + 1, null, new FailureBurstBody(6, burst)));
            ReportDemotion(burstRun, burst);
            await app.StopAsync();
            return main.Status == SimulationStatus.Completed ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private static async Task<SimulationView> SimulateAsync(SimulationService simulations, SimulationBody body)
    {
        var started = await simulations.StartAsync(body, "bench", CancellationToken.None);
        var job = simulations.Get(started.Id);
        while (true)
        {
            var next = job.NextChangeAsync();
            var view = job.Snapshot(DateTimeOffset.UtcNow);
            if (view.Status != SimulationStatus.Running)
            {
                return view;
            }

            await Task.WhenAny(next, Task.Delay(1000));
        }
    }

    private static void Report(SimulationView view)
    {
        var f = view.Figures!;
        Console.WriteLine($"simulate: {view.Done} cases ({view.Status}) in {view.ElapsedSeconds:0.0} s = {view.CasesPerSecond:0.0} cases/s (target: 500 in < 60 s)");
        Console.WriteLine($"  dispense scope: final {Name(f.FinalStage)}, highest {Name(f.HighestStage)}; first reached after case: " +
            string.Join(", ", f.StageFirstReachedAtCase.Select(s => $"{s.Key} {s.Value}")));
        Console.WriteLine($"  outcomes: {string.Join(", ", view.Counts.Outcomes.Select(o => $"{o.Key} {o.Value}"))}; " +
            $"automatic dispenses {view.Counts.AutomaticDispenses}; restocks {view.Counts.Restocks}");
        Console.WriteLine($"  people, cases {f.First.From}-{f.First.To}: {Share(f.First)} of cases needed a person, " +
            $"{f.First.HumanDecisions} decisions ({f.First.GovernedHumanDecisions} on the governed dispense)");
        Console.WriteLine($"  people, cases {f.Last.From}-{f.Last.To}: {Share(f.Last)} of cases needed a person, " +
            $"{f.Last.HumanDecisions} decisions ({f.Last.GovernedHumanDecisions} on the governed dispense)");
        Console.WriteLine($"  fewer decisions in the last window than the first: all {Percent(f.HumanDecisionReduction)}, governed dispense {Percent(f.GovernedDecisionReduction)} (target >= 60%)");
    }

    private static void ReportDemotion(SimulationView view, int burst)
    {
        var d = view.Figures?.Demotion;
        Console.WriteLine(d is null
            ? $"burst: no injected failure was run ({view.Status})"
            : d.CasesUntilDemoted is { } n
                ? $"burst of {burst} failures from {Name(d.StageBefore)}: demoted to {Name(d.StageAfter!.Value)} after {n} of them (target: within {burst})"
                : $"burst of {burst} failures from {Name(d.StageBefore)}: not demoted");
    }

    private static string Name(Core.Trust.TrustStage stage) => Core.Trust.TrustStages.Name(stage);

    private static string Share(WindowFigures w) => w.ShareNeedingAPerson.ToString("P0", CultureInfo.InvariantCulture);

    private static string Percent(double? value) => value is { } v ? v.ToString("P0", CultureInfo.InvariantCulture) : "n/a";

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }
}
