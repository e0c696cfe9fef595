using ControlTower.Core.Expressions;
using Xunit.Abstractions;

namespace ControlTower.Core.Tests.Expressions;

public sealed class CelConformanceTests
{
    /// <summary>Files the issue targets at ≥ 95% of the non-excluded tests.</summary>
    private static readonly string[] CoreFiles =
    [
        "basic", "comparisons", "conversions", "fp_math", "integer_math", "lists", "logic", "macros", "macros2",
        "parse", "plumbing", "string", "timestamps", "fields", "namespace",
    ];

    private readonly ITestOutputHelper _output;

    public CelConformanceTests(ITestOutputHelper output) => _output = output;

    internal static string ConformanceFolder()
    {
        var shared = Environment.GetEnvironmentVariable("CT_SHARED_DIR");
        if (string.IsNullOrEmpty(shared))
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ControlTower.slnx")))
            {
                dir = dir.Parent;
            }

            Assert.NotNull(dir);
            shared = Path.Combine(dir.FullName, "..", "shared");
        }

        return Path.GetFullPath(Path.Combine(shared, "conformance", "cel"));
    }

    [Fact]
    public void Run_WhenAllSharedFiles_PrintsTableAndMeetsCoreTarget()
    {
        var folder = ConformanceFolder();
        var files = Directory.GetFiles(folder, "*.json").OrderBy(f => f, StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);

        var results = files.SelectMany(f => CelConformanceRunner.Run(Path.GetFileName(f), File.ReadAllText(f))).ToList();
        _output.WriteLine(CelConformanceRunner.FormatTable(results));
        _output.WriteLine("");
        _output.WriteLine(CelConformanceRunner.FormatDetails(results));

        foreach (var file in CoreFiles)
        {
            var ofFile = results.Where(r => r.File == file).ToList();
            Assert.NotEmpty(ofFile);
            var rate = CelConformanceRunner.PassRate(ofFile);
            Assert.True(rate >= 0.95, $"{file}: pass rate {rate:P1} is below 95%");
        }

        Assert.All(results.Where(r => r.Outcome == CelConformanceOutcome.Excluded), r => Assert.False(string.IsNullOrWhiteSpace(r.Detail)));
    }

    [Fact]
    public void Print_WhenEveryConformanceExpression_ParsesBackToSameTree()
    {
        var sources = Directory.GetFiles(ConformanceFolder(), "*.json")
            .SelectMany(f => System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(f))!["sections"]!.AsArray())
            .SelectMany(section => section!["tests"]!.AsArray())
            .Select(test => (string)test!["expr"]!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var checkedCount = 0;

        foreach (var source in sources)
        {
            CelExpr tree;
            try
            {
                tree = CelParser.Parse(source);
            }
            catch (CelException)
            {
                continue;
            }

            var printed = CelPrinter.Print(tree);
            Assert.True(CelPrinter.Dump(CelParser.Parse(printed)) == CelPrinter.Dump(tree), $"{source} printed as {printed}");
            checkedCount++;
        }

        _output.WriteLine($"{checkedCount} of {sources.Count} distinct conformance expressions round-trip through the printer");
        Assert.True(checkedCount > 1000);
    }
}
