using System.CommandLine;
using System.Globalization;
using ControlTower.Core.Errors;
using ControlTower.Server.Platform;

namespace ControlTower.Server.Demo.Simulation;

/// <summary>
/// <c>controltower demo simulate --cases 500 [--seed 42] [--mix routine=0.8,controlled=0.1] [--strictness 0.5] [--burst-at N --burst 3]</c>:
/// starts the platform in this process on the configured data folder (demo mode: seeded on first start; no port of its own),
/// runs one simulation with a progress bar on stderr, and prints its figures. Exit 0 when it completed, 1 otherwise.
/// </summary>
internal static class SimulateCommand
{
    private const int BarWidth = 30;

    public static Command Create()
    {
        var cases = new Option<int>("--cases") { DefaultValueFactory = _ => 500, Description = "How many refill cases to simulate." };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => SimulationRequest.DefaultSeed, Description = "The seed of the cases and of the synthetic approver." };
        var mix = new Option<string?>("--mix") { Description = $"Case kinds and weights, e.g. routine=0.8,controlled=0.1 (kinds: {string.Join(", ", RefillCases.DefaultMix.Keys)})." };
        var strictness = new Option<double?>("--strictness") { Description = "How strict the synthetic approver is, 0..1 (default 0.5)." };
        var burst = new Option<int?>("--burst") { Description = "Inject this many failures in a row (short stock)." };
        var burstAt = new Option<int?>("--burst-at") { Description = "The case the failure burst starts at (default: 10 before the end)." };
        var simulate = new Command("simulate", "Simulate refill cases through the real engine; a synthetic approver decides what a person would.")
        {
            Options = { cases, seed, mix, strictness, burst, burstAt },
        };
        simulate.TreatUnmatchedTokensAsErrors = false;
        simulate.SetAction((parse, ct) => RunAsync(
            new SimulationBody(parse.GetValue(cases), ParseMix(parse.GetValue(mix)), parse.GetValue(seed), new ApproverBody(parse.GetValue(strictness), null, null),
                parse.GetValue(burst) is { } count ? new FailureBurstBody(parse.GetValue(burstAt), count) : null),
            [.. parse.UnmatchedTokens], ct));
        return new Command("demo", "The pharmacy demo.") { Subcommands = { simulate } };
    }

    private static async Task<int> RunAsync(SimulationBody body, string[] args, CancellationToken cancellationToken)
    {
        // Quiet logs unless asked for (the progress bar shares the terminal); no port of its own, so a running server is no obstacle.
        await using var app = ControlTowerApp.Build(["--Logging:LogLevel:Default=Warning", .. args, "--urls=http://127.0.0.1:0"]);
        await app.StartAsync(cancellationToken);
        var simulations = app.Services.GetRequiredService<SimulationService>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var started = await simulations.StartAsync(body, $"cli:{Environment.UserName}", cancellationToken);
        var job = simulations.Get(started.Id);
        await using var cancel = cancellationToken.Register(() => simulations.Cancel(job.Id));
        SimulationView view;
        while (true)
        {
            var next = job.NextChangeAsync();
            view = job.Snapshot(time.GetUtcNow());
            await Console.Error.WriteAsync($"\r{Bar(view)}");
            if (view.Status != SimulationStatus.Running)
            {
                break;
            }

            await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
        }

        await Console.Error.WriteLineAsync();
        await PrintAsync(view);
        await app.StopAsync(CancellationToken.None);
        return view.Status == SimulationStatus.Completed ? 0 : 1;
    }

    private static string Bar(SimulationView view)
    {
        var filled = view.Cases == 0 ? 0 : view.Done * BarWidth / view.Cases;
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {view.Done}/{view.Cases} {view.CasesPerSecond:0.0} cases/s  dispense: {view.Stage,-16}");
    }

    private static async Task PrintAsync(SimulationView view)
    {
        var f = view.Figures;
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{view.Status}: {view.Done} cases in {view.ElapsedSeconds:0.0} s ({view.CasesPerSecond:0.0} cases/s); the dispense scope is at {view.Stage}"));
        if (f is not null)
        {
            await Console.Out.WriteLineAsync($"stages first reached after case: {string.Join(", ", f.StageFirstReachedAtCase.Select(s => $"{s.Key} {s.Value}"))}");
            await Console.Out.WriteLineAsync($"people decided {f.First.HumanDecisions} times in cases {f.First.From}-{f.First.To} ({f.First.GovernedHumanDecisions} on the dispense), " +
                $"{f.Last.HumanDecisions} in cases {f.Last.From}-{f.Last.To} ({f.Last.GovernedHumanDecisions} on the dispense)");
            if (f.Demotion is { } d)
            {
                await Console.Out.WriteLineAsync(d.CasesUntilDemoted is { } n
                    ? $"failure burst: demoted from {Core.Trust.TrustStages.Name(d.StageBefore)} after {n} failures"
                    : "failure burst: not demoted");
            }
        }

        if (view.Error is not null)
        {
            await Console.Error.WriteLineAsync($"controltower demo simulate: {view.Error}");
        }
    }

    /// <summary><c>kind=weight,kind=weight</c>; a malformed pair is a <c>demo.simulation_invalid</c> like a bad API body.</summary>
    private static Dictionary<string, double>? ParseMix(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var mix = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight))
            {
                throw new ControlTowerException(ErrorKind.Validation, DemoErrorCodes.SimulationInvalid, $"--mix: '{pair}' is not kind=weight.");
            }

            mix[parts[0]] = weight;
        }

        return mix;
    }
}
