using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ControlTower.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ControlTower.Server.Tests.Mcp.Conformance;

/// <summary>
/// The official conformance suite against both sides: our client (the federation layer, driven by the hidden
/// <c>controltower mcp-client</c> command) and our server (the real <c>controltower</c> process serving
/// <c>/mcp</c>, reached through a loopback proxy that adds the API key). Every failing scenario must be in
/// tools/mcp-conformance/expected-failures.yml with its reason, and every baselined one must still fail.
/// </summary>
public sealed class McpConformanceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Conformance_WhenRunAgainstClientAndServer_MatchesTheBaseline()
    {
        var baseline = ConformanceSuite.ReadBaseline();

        // One after the other: each client scenario starts a .NET process, and in parallel they starve each other.
        var client = await RunClientScenariosAsync();
        var server = await RunServerSuiteAsync();

        var problems = Compare("client", client, baseline["client"]).Concat(Compare("server", server, baseline["server"])).ToList();

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static async Task<SuiteRun> RunClientScenariosAsync()
    {
        var results = new List<ScenarioResult>();
        var outputs = new List<string>();
        foreach (var scenario in await ConformanceSuite.ListAsync("client"))
        {
            var run = await ConformanceSuite.RunAsync(
                ["client", "--command", $"dotnet {ControlTowerProcess.AssemblyPath} mcp-client", "--scenario", scenario, "--timeout", "30000"],
                ScenarioTimeout);
            results.AddRange(run.Scenarios);
            outputs.Add(run.Output);
        }

        return new SuiteRun(0, string.Join("\n", outputs), results);
    }

    private static async Task<SuiteRun> RunServerSuiteAsync()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("controltower-conformance-server-").FullName;
        var port = McpTestServers.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { ControlTowerProcess.AssemblyPath, "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
            Environment =
            {
                ["ENVIRONMENT"] = "development",
                ["DATA_DIR"] = dataDirectory,
                ["ADMIN_API_KEY"] = ControlTowerFactory.AdminKey,
                ["ENGINE_POLL_MILLISECONDS"] = "50",
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("controltower did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var baseUrl = new Uri($"http://127.0.0.1:{port}");
            using var admin = new HttpClient { BaseAddress = baseUrl };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ControlTowerFactory.AdminKey);
            await WaitUntilServingAsync(admin, process);
            await Runs.RunApi.CreateWorkflowAsync(admin, ControlTowerMcpServerTests.PublishedGraph(), "doubler");
            await using var proxy = await LoopbackAuthProxy.StartAsync(baseUrl, ControlTowerFactory.AdminKey);
            return await ConformanceSuite.RunAsync(["server", "--url", $"http://127.0.0.1:{proxy.Port}/mcp", "--suite", "all"], SuiteTimeout);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task WaitUntilServingAsync(HttpClient client, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await client.GetAsync("/api/workflows")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
            }

            Assert.False(process.HasExited || DateTime.UtcNow > deadline, "controltower did not start serving");
            await Task.Delay(200);
        }
    }

    private IEnumerable<string> Compare(string mode, SuiteRun run, Dictionary<string, string> expected)
    {
        var failed = run.Scenarios.Where(s => s.Failed > 0).ToArray();
        var passed = run.Scenarios.Where(s => s.Failed == 0).ToArray();
        output.WriteLine($"{mode}: {run.Scenarios.Count} scenarios, {passed.Length} passed, {failed.Length} failed " +
                         $"({failed.Count(f => expected.ContainsKey(f.Scenario))} expected); checks {run.Scenarios.Sum(s => s.Passed)} passed, {run.Scenarios.Sum(s => s.Failed)} failed");
        foreach (var scenario in run.Scenarios)
        {
            output.WriteLine($"  {(scenario.Failed == 0 ? "pass" : expected.ContainsKey(scenario.Scenario) ? "xfail" : "FAIL")} {scenario.Scenario} ({scenario.Passed}/{scenario.Passed + scenario.Failed})");
        }

        if (run.Scenarios.Count == 0)
        {
            yield return $"{mode}: the suite reported no scenarios (exit {run.ExitCode}):\n{run.Output}";
        }

        foreach (var unexpected in failed.Where(f => !expected.ContainsKey(f.Scenario)))
        {
            yield return $"{mode}: {unexpected.Scenario} failed {unexpected.Failed} check(s) and is not in the baseline";
        }

        foreach (var stale in passed.Where(p => expected.ContainsKey(p.Scenario)))
        {
            yield return $"{mode}: {stale.Scenario} passes now; remove it from the baseline";
        }

        foreach (var missing in expected.Keys.Where(k => run.Scenarios.All(s => s.Scenario != k)))
        {
            yield return $"{mode}: baseline names {missing}, which the suite did not run";
        }
    }
}
