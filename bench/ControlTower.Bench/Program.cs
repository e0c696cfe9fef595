using BenchmarkDotNet.Running;
using ControlTower.Bench.Dashboard;
using ControlTower.Bench.Engine;
using ControlTower.Bench.Planning;

namespace ControlTower.Bench;

/// <summary>
/// <c>engine</c>, <c>http</c>, <c>parked</c>, <c>dashboard</c>, <c>planner</c>, <c>trust</c>, <c>simulate</c> (the demo simulation) and
/// <c>prune</c> (retention on a 100,000-run database) run their scenario runners (<c>planner-llm</c>: the LLM planner's path over the
/// planner corpus, against a loopback fake); <c>mcp</c>, <c>cel</c> and <c>scheduler</c> run those
/// BenchmarkDotNet benchmarks; anything else goes to BenchmarkDotNet's switcher over this assembly.
/// </summary>
public static class BenchmarkEntry
{
    public static async Task<int> Main(string[] args)
    {
        var rest = args.Skip(1).ToArray();
        switch (args.FirstOrDefault())
        {
            case "engine":
                return await EngineScenarios.RunAsync(rest);
            case "http":
                return await Http.HttpScenarios.RunAsync(rest);
            case "parked":
                return await EngineScenarios.ParkedOnlyAsync(rest);
            case "dashboard":
                return await DashboardScenarios.RunAsync(rest);
            case "planner":
                return PlannerScenarios.Run(rest);
            case "planner-llm":
                return await LlmPlannerBench.RunAsync(rest);
            case "trust":
                return Trust.TrustScenarios.Run(rest);
            case "simulate":
                return await Demo.SimulateScenario.RunAsync(rest);
            case "prune":
                return await Retention.PruneScenario.RunAsync(rest);
            case "mcp":
                return Switch(["--filter", "*Mcp*", .. rest]);
            case "cel":
                return Switch(["--filter", "*Cel*", .. rest]);
            case "scheduler":
                return Switch(["--filter", "*Scheduler*", .. rest]);
            default:
                return Switch(args);
        }
    }

    private static int Switch(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntry).Assembly).Run(args);
        return 0;
    }
}
