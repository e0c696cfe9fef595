using BenchmarkDotNet.Running;

namespace ControlTower.Bench;

/// <summary>Runs the benchmarks chosen on the command line (BenchmarkDotNet's switcher over this assembly).</summary>
public static class BenchmarkEntry
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntry).Assembly).Run(args);
}
