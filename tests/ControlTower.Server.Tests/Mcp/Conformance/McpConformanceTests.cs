using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
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
            foreach (var (name, graph) in SuiteNamedWorkflows())
            {
                await Runs.RunApi.CreateWorkflowAsync(admin, graph, name);
            }

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

    /// <summary>
    /// Ordinary published workflows under the names the suite's server scenarios call (its "fixtures"): each is a
    /// tool and a prompt like any other, so the scenarios exercise the generic paths (run output as text, a failed run as
    /// an isError result, node progress and run logs, prompt arguments and their completion, an input schema listed as
    /// written). The server has no code for them.
    /// </summary>
    private static IEnumerable<(string Name, JsonObject Graph)> SuiteNamedWorkflows()
    {
        static JsonObject Published(string toolName, string description, JsonObject inputSchema, params JsonObject[] nodes)
        {
            JsonObject[] all = [Runs.RunApi.Node("start", "trigger.mcp", new() { ["toolName"] = toolName, ["description"] = description, ["inputSchema"] = inputSchema }), .. nodes];
            var edges = all.Zip(all.Skip(1), (from, to) => Runs.RunApi.Edge(from["id"]!.GetValue<string>(), to["id"]!.GetValue<string>()));
            return Runs.RunApi.Graph(new JsonArray(all), new JsonArray([.. edges]));
        }

        var noArguments = new JsonObject { ["type"] = "object" };
        var reply = Runs.RunApi.Node("reply", "respond", new() { ["body"] = "'done'" });
        yield return ("simple text", Published("test_simple_text", "Answers with text.", noArguments, reply));
        yield return ("always fails", Published("test_error_handling", "Fails on purpose.", noArguments.DeepClone().AsObject(),
            Runs.RunApi.Node("fail", "fail", new() { ["code"] = "demo.failed", ["message"] = "This workflow fails on purpose." })));
        yield return ("three steps", Published("test_tool_with_progress", "Three steps, reported as progress.", noArguments.DeepClone().AsObject(),
            Runs.RunApi.Node("step", "transform", new() { ["expression"] = "{'step': 1}" }), reply.DeepClone().AsObject()));
        yield return ("three steps, logged", Published("test_tool_with_logging", "Three steps, reported as log messages.", noArguments.DeepClone().AsObject(),
            Runs.RunApi.Node("step", "transform", new() { ["expression"] = "{'step': 1}" }), reply.DeepClone().AsObject()));
        yield return ("no arguments", Published("test_simple_prompt", "A workflow without arguments.", noArguments.DeepClone().AsObject(), reply.DeepClone().AsObject()));
        yield return ("two arguments", Published("test_prompt_with_arguments", "A workflow with two arguments.", JsonNode.Parse("""
            {"type":"object","required":["arg1","arg2"],"properties":{"arg1":{"type":"string","description":"First"},"arg2":{"type":"string","description":"Second"}}}
            """)!.AsObject(), reply.DeepClone().AsObject()));
        yield return ("2020-12 schema", Published("json_schema_2020_12_tool", "A workflow whose input schema uses JSON Schema 2020-12 keywords.", JsonNode.Parse("""
            {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
             "$defs":{"address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},
             "properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"}},"additionalProperties":false}
            """)!.AsObject(), reply.DeepClone().AsObject()));
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
            output.WriteLine($"  {(scenario.Failed == 0 ? "pass" : expected.ContainsKey(scenario.Scenario) ? "xfail" : "FAIL")} " +
                $"{scenario.Scenario} ({scenario.Passed}/{scenario.Passed + scenario.Failed})");
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
