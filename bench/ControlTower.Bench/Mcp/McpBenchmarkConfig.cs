using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Mathematics.OutlierDetection;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ControlTower.Bench.Mcp;

/// <summary>Per-call latency (one call per iteration, outliers kept) and throughput (many calls per iteration) jobs, in process.</summary>
public sealed class McpEchoConfig : McpBenchmarkConfig
{
    public McpEchoConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(20).WithId("Throughput"));
        AddJob(SingleShot(warmup: 100, iterations: 1000).WithId("PerCall"));
    }
}

/// <summary>One batch of 200 concurrent calls per iteration.</summary>
public sealed class McpConcurrentConfig : McpBenchmarkConfig
{
    public McpConcurrentConfig() => AddJob(SingleShot(warmup: 3, iterations: 25).WithId("Batch200"));
}

/// <summary>Adds Median, P99 and the ratio of medians to the baseline (BenchmarkDotNet's Ratio uses means).</summary>
public abstract class McpBenchmarkConfig : ManualConfig
{
    protected McpBenchmarkConfig()
    {
        AddColumn(StatisticColumn.Median, StatisticColumn.P95, new PercentileColumn(99), new MedianRatioColumn());
    }

    protected static Job SingleShot(int warmup, int iterations) => Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(warmup)
        .WithIterationCount(iterations)
        .WithInvocationCount(1)
        .WithUnrollFactor(1)
        .WithOutlierMode(OutlierMode.DontRemove);

    private sealed class PercentileColumn(int percentile) : IColumn
    {
        public string Id => $"P{percentile}";

        public string ColumnName => $"P{percentile}";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Statistics;

        public int PriorityInCategory => 10;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Time;

        public string Legend => $"{percentile}th percentile of per-iteration time";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            return statistics is null ? "NA" : FormatMilliseconds(statistics.Percentiles.Percentile(percentile));
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }

    private sealed class MedianRatioColumn : IColumn
    {
        public string Id => "MedianRatio";

        public string ColumnName => "MedianRatio";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Baseline;

        public int PriorityInCategory => 10;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Median of this benchmark / median of the baseline with the same parameters";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var baseline = summary.BenchmarksCases.FirstOrDefault(c => c.Descriptor.Baseline
                && c.Job.DisplayInfo == benchmarkCase.Job.DisplayInfo
                && c.Parameters.DisplayInfo == benchmarkCase.Parameters.DisplayInfo);
            var mine = summary[benchmarkCase]?.ResultStatistics?.Median;
            var theirs = baseline is null ? null : summary[baseline]?.ResultStatistics?.Median;
            return mine is { } m && theirs is { } t && t > 0 ? (m / t).ToString("0.00", CultureInfo.InvariantCulture) : "NA";
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }

    private static string FormatMilliseconds(double nanoseconds) =>
        (nanoseconds / 1_000_000).ToString("0.000 'ms'", CultureInfo.InvariantCulture);
}
