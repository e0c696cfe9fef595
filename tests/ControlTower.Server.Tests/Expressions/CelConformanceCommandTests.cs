using System.CommandLine;
using ControlTower.Server.Expressions;

namespace ControlTower.Server.Tests.Expressions;

public sealed class CelConformanceCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("cel-conformance-");

    public void Dispose() => _folder.Delete(recursive: true);

    private (int ExitCode, string Output) Invoke(params string[] args)
    {
        var root = new RootCommand("test root");
        root.Subcommands.Add(CelConformanceCommand.Create());
        var output = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = output };

        var exitCode = root.Parse(args).Invoke(configuration);

        return (exitCode, output.ToString());
    }

    private void WriteFile(string name, string expectedValue) => File.WriteAllText(Path.Combine(_folder.FullName, name), $$$"""
        {"name": "t", "description": "", "sections": [{"name": "s", "description": "", "tests": [
          {"name": "add", "expr": "1 + 2", "value": {{{expectedValue}}}},
          {"name": "err", "expr": "1 / 0", "eval_error": ["divide by zero"]},
          {"name": "proto", "expr": "TestAllTypes{}", "container": "cel.expr.conformance.proto3", "value": {"bool": true}}
        ]}]}
        """);

    [Fact]
    public void Conformance_WhenAllPass_PrintsTableAndSummaryAndExitsZero()
    {
        WriteFile("basic.json", """{"int": "3"}""");

        var (exitCode, output) = Invoke("conformance", _folder.FullName);

        Assert.Equal(0, exitCode);
        Assert.Contains("basic", output, StringComparison.Ordinal);
        Assert.Equal("2 passed, 0 failed, 1 excluded", output.TrimEnd().Split('\n')[^1].TrimEnd('\r'));
    }

    [Fact]
    public void Conformance_WhenAnyFails_ExitsNonZero()
    {
        WriteFile("basic.json", """{"int": "4"}""");

        var (exitCode, output) = Invoke("conformance", _folder.FullName, "--details");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("FAILED", output, StringComparison.Ordinal);
        Assert.EndsWith("1 passed, 1 failed, 1 excluded", output.TrimEnd(), StringComparison.Ordinal);
    }
}
