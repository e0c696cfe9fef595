using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ControlTower.Server.Tests.Mcp.Conformance;

internal sealed record ScenarioResult(string Scenario, int Passed, int Failed);

internal sealed record SuiteRun(int ExitCode, string Output, IReadOnlyList<ScenarioResult> Scenarios);

/// <summary>
/// The official <c>@modelcontextprotocol/conformance</c> suite, pinned in tools/mcp-conformance (with the
/// Node 22 it needs) and installed by scripts/install-mcp-conformance.sh. Results are read from the
/// <c>checks.json</c> each scenario writes: a scenario fails when any of its checks is a FAILURE.
/// </summary>
internal static partial class ConformanceSuite
{
    private static readonly Lazy<string> ToolDirectory = new(LocateAndInstall, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => ToolDirectory.Value;

    public static string BaselineFile => Path.Combine(Directory, "expected-failures.yml");

    /// <summary>The scenario names <c>conformance list</c> gives for <paramref name="mode"/> (client or server).</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(string mode)
    {
        var (_, listing) = await RunToolAsync(["list"], TimeSpan.FromMinutes(1));
        var header = mode == "client" ? "Client scenarios" : "Server scenarios";
        return [.. listing.Split('\n')
            .SkipWhile(line => !line.StartsWith(header, StringComparison.Ordinal)).Skip(1)
            .TakeWhile(line => line.StartsWith("  - ", StringComparison.Ordinal))
            .Select(line => line[4..].Split(' ')[0])];
    }

    public static async Task<SuiteRun> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var output = System.IO.Directory.CreateTempSubdirectory("controltower-conformance-").FullName;
        try
        {
            var (exitCode, text) = await RunToolAsync([.. arguments, "-o", output], timeout);
            return new SuiteRun(exitCode, text, ReadResults(output, arguments[0]));
        }
        finally
        {
            System.IO.Directory.Delete(output, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunToolAsync(IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var bin = Path.Combine(Directory, "node_modules", ".bin");
        var start = new ProcessStartInfo(Path.Combine(bin, "conformance"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("conformance did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"conformance {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The baseline: <c>mode -> scenario -> reason</c>; every entry must carry a <c># reason</c>.</summary>
    public static Dictionary<string, Dictionary<string, string>> ReadBaseline()
    {
        var baseline = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (var line in File.ReadAllLines(BaselineFile))
        {
            if (ModeLine().Match(line) is { Success: true } mode)
            {
                current = baseline[mode.Groups["mode"].Value] = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            else if (EntryLine().Match(line) is { Success: true } entry)
            {
                var reason = entry.Groups["reason"].Value.Trim();
                Assert.False(reason.Length == 0, $"Baseline entry '{entry.Groups["scenario"].Value}' has no reason.");
                (current ?? throw new InvalidDataException("Baseline entry before a mode line."))[entry.Groups["scenario"].Value] = reason;
            }
        }

        return baseline;
    }

    /// <remarks>Server-mode result folders are named <c>server-&lt;scenario&gt;-&lt;time&gt;</c>; client ones <c>&lt;scenario&gt;-&lt;time&gt;</c>.</remarks>
    private static List<ScenarioResult> ReadResults(string output, string mode)
    {
        var results = new List<ScenarioResult>();
        foreach (var file in System.IO.Directory.EnumerateFiles(output, "checks.json", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(output, Path.GetDirectoryName(file)!).Replace(Path.DirectorySeparatorChar, '/');
            var scenario = TimestampSuffix().Replace(relative, "");
            scenario = mode == "server" && scenario.StartsWith("server-", StringComparison.Ordinal) ? scenario["server-".Length..] : scenario;
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var statuses = document.RootElement.EnumerateArray().Select(c => c.GetProperty("status").GetString()).ToArray();
            results.Add(new ScenarioResult(scenario, statuses.Count(s => s == "SUCCESS"), statuses.Count(s => s == "FAILURE")));
        }

        return [.. results.OrderBy(r => r.Scenario, StringComparer.Ordinal)];
    }

    private static string LocateAndInstall()
    {
        var root = McpTestServers.RepoRoot();
        var directory = Path.Combine(root, "tools", "mcp-conformance");
        var marker = Path.Combine(directory, "node_modules", ".bin", "conformance");
        if (!File.Exists(marker))
        {
            McpTestServers.RunInstallScript(Path.Combine(root, "scripts", "install-mcp-conformance.sh"));
        }

        return File.Exists(marker) ? directory : throw new InvalidOperationException($"The conformance suite is missing after install: {marker}");
    }

    [GeneratedRegex(@"-\d{4}-\d{2}-\d{2}T[\d-]+Z$")]
    private static partial Regex TimestampSuffix();

    [GeneratedRegex(@"^(?<mode>client|server):\s*$")]
    private static partial Regex ModeLine();

    [GeneratedRegex(@"^\s+-\s+(?<scenario>[^\s#]+)\s*#(?<reason>.*)$")]
    private static partial Regex EntryLine();
}
