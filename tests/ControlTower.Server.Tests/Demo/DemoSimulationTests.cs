using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Governance.GovernanceApi;

namespace ControlTower.Server.Tests.Demo;

/// <summary>
/// The demo simulation over HTTP, in demo mode, against the real engine, the real pharmacy MCP server (a child process of
/// the binary) and a real SQLite file: determinism, cancel, reset and auto-step.
/// </summary>
public sealed class DemoSimulationTests
{
    private const string RefillScopeKey = "acme-pharmacy|store-001|refill|pharmacy.dispense|pharmacist";

    private static ControlTowerFactory Demo() => new(new Dictionary<string, string?> { ["ENVIRONMENT"] = "demo" });

    [Fact]
    public async Task Simulate_WhenRunTwiceWithTheSameSeed_MakesTheSameDecisionsAndReachesTheSameStages()
    {
        var first = await SimulateFreshAsync(seed: 7, cases: 45);
        var second = await SimulateFreshAsync(seed: 7, cases: 45);
        var other = await SimulateFreshAsync(seed: 8, cases: 45);

        Assert.Equal("completed", first.Simulation["status"]!.GetValue<string>());
        Assert.Equal(45, first.Cases.Count);
        Assert.Equal(Fingerprint(first.Cases), Fingerprint(second.Cases));
        Assert.Equal(first.Simulation["stages"]!.ToJsonString(), second.Simulation["stages"]!.ToJsonString());
        Assert.Equal(first.Simulation["stage"]!.GetValue<string>(), second.Simulation["stage"]!.GetValue<string>());
        Assert.NotEqual(Fingerprint(first.Cases), Fingerprint(other.Cases));
        Assert.Contains(first.Cases, c => c["decisions"]!.AsArray().Any(d => d!["decision"]!.GetValue<string>() == "reject"));
        Assert.NotEqual("observe", first.Simulation["stage"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cancel_WhenMidSimulation_EndsEveryStartedCaseAndTheJobSaysCancelled()
    {
        using var factory = Demo();
        using var admin = factory.CreateAdminClient();
        var seeded = await RunIdsAsync(admin);
        var job = await StartAsync(admin, new { cases = 300, seed = 3 });
        await WaitAsync(admin, job, j => j["done"]!.GetValue<int>() >= 2);

        var cancel = await admin.PostAsync($"/api/demo/simulations/{job}/cancel", null);
        var ended = await WaitAsync(admin, job, j => j["status"]!.GetValue<string>() != "running");
        var detail = (await admin.GetFromJsonAsync<JsonObject>($"/api/demo/simulations/{job}"))!;
        var cases = detail["caseList"]!.AsArray();
        var runs = (await admin.GetFromJsonAsync<JsonObject>("/api/runs?limit=200"))!["items"]!.AsArray()
            .Where(r => !seeded.Contains(r!["id"]!.GetValue<Guid>())).ToList();
        var pending = (await admin.GetFromJsonAsync<JsonObject>("/api/approvals?status=pending&limit=200"))!["items"]!.AsArray();

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", ended["status"]!.GetValue<string>());
        Assert.InRange(cases.Count, 2, 299);
        Assert.Equal(cases.Count, runs.Count);
        Assert.All(runs, r => Assert.Contains(r!["status"]!.GetValue<string>(), new[] { "completed", "failed", "cancelled" }));
        Assert.Equal(cases.Select(c => c!["runId"]!.GetValue<Guid>()).Order(), runs.Select(r => r!["id"]!.GetValue<Guid>()).Order());
        Assert.DoesNotContain(pending, a => runs.Any(r => r!["id"]!.GetValue<Guid>() == a!["runId"]!.GetValue<Guid>()));
        Assert.Single(await AuditAsync(admin, "demo.simulation_finished"));
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsJsonAsync("/api/demo/simulations", new { cases = 1 })).StatusCode);
    }

    [Fact]
    public async Task Reset_AfterASimulation_RestoresStockRunsAndTrustAndKeepsTheAuditChainIntact()
    {
        using var factory = Demo();
        using var admin = factory.CreateAdminClient();
        var inventory = Path.Combine(factory.DataDirectory, "pharmacy", "inventory.json");
        var job = await StartAsync(admin, new { cases = 12, seed = 5 });
        await WaitAsync(admin, job, j => j["status"]!.GetValue<string>() != "running");
        var busyShelf = OnHand(inventory, "Atorvastatin 20 mg");
        var dispenseKey = Uri.EscapeDataString(RefillScopeKey);
        var evidence = (await admin.GetFromJsonAsync<JsonObject>($"/api/trust/scopes/{dispenseKey}"))!["events"]!.AsArray().Count;

        var reset = await admin.PostAsync("/api/demo/reset", null);
        var body = (await reset.Content.ReadFromJsonAsync<JsonObject>())!;
        var runs = (await admin.GetFromJsonAsync<JsonObject>("/api/runs?limit=200"))!["items"]!.AsArray();
        var after = await admin.GetAsync($"/api/trust/scopes/{dispenseKey}");

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.NotEqual(500, busyShelf);
        Assert.Equal(500, OnHand(inventory, "Atorvastatin 20 mg"));
        Assert.True(body["removed"]!["runs"]!.GetValue<int>() >= 12 + 5);
        Assert.Equal(5, runs.Count);
        Assert.True(evidence > 0);
        if (after.StatusCode != HttpStatusCode.NotFound)
        {
            // The seeded refills may have proposed their dispense again since: a born-again scope, at observe, with no outcome yet.
            var detail = (await after.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal("observe", detail["scope"]!["stage"]!.GetValue<string>());
            Assert.All(detail["events"]!.AsArray(), e => Assert.Equal("proposal", e!["kind"]!.GetValue<string>()));
        }

        Assert.Single(await AuditAsync(admin, "demo.reset"));
        Assert.NotEmpty(await AuditAsync(admin, "demo.simulation_started"));
        await AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task Reset_OnPostgreSql_RemovesTheSimulationAndSeedsTheDemoAgain()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENVIRONMENT"] = "demo" }, postgres);
        using var admin = factory.CreateAdminClient();
        var job = await StartAsync(admin, new { cases = 6, seed = 5 });
        var simulated = await WaitAsync(admin, job, j => j["status"]!.GetValue<string>() != "running");

        var reset = await admin.PostAsync("/api/demo/reset", null);
        var runs = (await admin.GetFromJsonAsync<JsonObject>("/api/runs?limit=200"))!["items"]!.AsArray();

        Assert.Equal("completed", simulated["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(5, runs.Count);
        Assert.Equal(0, await postgres.ScalarAsync<long>("SELECT count(*) FROM trust_events WHERE \"RunId\" IS NOT NULL AND \"NodeId\" = 'dispense'"));
        await AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task AutoStep_WhenTheModelsHaveNoEvidence_SaysWhyAndAfterASimulationApprovesAsTheAutoStepUser()
    {
        using var factory = Demo();
        using var admin = factory.CreateAdminClient();
        var waiting = await WaitingSampleAsync(admin, "RX-1001");

        var early = (await (await admin.PostAsync($"/api/demo/cases/{waiting}/auto-step", null)).Content.ReadFromJsonAsync<JsonObject>())!;
        var job = await StartAsync(admin, new { cases = 45, seed = 11 });
        var simulated = await WaitAsync(admin, job, j => j["status"]!.GetValue<string>() != "running");
        var later = await admin.PostAsync($"/api/demo/cases/{waiting}/auto-step", null);
        var laterBody = (await later.Content.ReadFromJsonAsync<JsonObject>())!;
        var approval = await WaitForApprovalAsync(admin, waiting, "approved");
        var again = await admin.PostAsync($"/api/demo/cases/{Guid.NewGuid()}/auto-step", null);

        Assert.False(early["advanced"]!.GetValue<bool>());
        Assert.Contains("the dispense scope is at observe", early["why"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotEqual("observe", simulated["stage"]!.GetValue<string>());
        Assert.True(laterBody["advanced"]!.GetValue<bool>(), laterBody.ToJsonString());
        Assert.Equal("demo.auto-step", approval["decisions"]![0]!["decidedBy"]!.GetValue<string>());
        Assert.Equal(2, (await AuditAsync(admin, "demo.auto_step")).Count);
        Assert.Equal("demo.case_not_found", await CodeAsync(again));
    }

    [Fact]
    public async Task Simulate_WhileOneRuns_RefusesASecondAndAResetAndStreamsProgressUntilItEnds()
    {
        using var factory = Demo();
        using var admin = factory.CreateAdminClient();
        var job = await StartAsync(admin, new { cases = 4, seed = 2 });

        var second = await admin.PostAsJsonAsync("/api/demo/simulations", new { cases = 1 });
        var reset = await admin.PostAsync("/api/demo/reset", null);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/demo/simulations/{job}/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var stream = await admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var frames = (await stream.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(f => f.StartsWith("event:", StringComparison.Ordinal)).ToList();
        var last = JsonNode.Parse(frames[^1].Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..])!;

        Assert.Equal("demo.simulation_running", await CodeAsync(second));
        Assert.Equal("demo.simulation_running", await CodeAsync(reset));
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("event: complete", frames[^1], StringComparison.Ordinal);
        Assert.All(frames[..^1], f => Assert.StartsWith("event: progress", f, StringComparison.Ordinal));
        Assert.Equal("completed", last["status"]!.GetValue<string>());
        Assert.Equal(4, last["done"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/demo/simulations/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task DemoEndpoints_OutsideDemoMode_AreRefusedWithATypedError()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();

        var simulate = await admin.PostAsJsonAsync("/api/demo/simulations", new { cases = 5 });
        var reset = await admin.PostAsync("/api/demo/reset", null);
        using var demo = Demo();
        using var demoAdmin = demo.CreateAdminClient();
        var invalid = await demoAdmin.PostAsJsonAsync("/api/demo/simulations", new { cases = 5, mix = new { unknown_kind = 1 } });

        Assert.Equal(HttpStatusCode.Conflict, simulate.StatusCode);
        Assert.Equal("demo.mode_required", await CodeAsync(simulate));
        Assert.Equal("demo.mode_required", await CodeAsync(reset));
        Assert.Equal("demo.simulation_invalid", await CodeAsync(invalid));
    }

    private static async Task<(JsonObject Simulation, List<JsonObject> Cases)> SimulateFreshAsync(int seed, int cases)
    {
        using var factory = Demo();
        using var admin = factory.CreateAdminClient();
        var job = await StartAsync(admin, new { cases, seed });
        await WaitAsync(admin, job, j => j["status"]!.GetValue<string>() != "running");
        var detail = (await admin.GetFromJsonAsync<JsonObject>($"/api/demo/simulations/{job}"))!;
        return (detail["simulation"]!.AsObject(), [.. detail["caseList"]!.AsArray().Cast<JsonObject>()]);
    }

    /// <summary>What must repeat: each case's kind, outcome, decisions (node, vote, simulated latency) and the stage after it.</summary>
    private static string Fingerprint(List<JsonObject> cases) => string.Join("\n", cases.Select(c =>
        $"{c["index"]} {c["kind"]} {c["outcome"]} {c["stageAfter"]} {c["dispensedAutomatically"]} " +
        string.Join(",", c["decisions"]!.AsArray().Select(d => $"{d!["nodeId"]}:{d["decision"]}:{d["latencySeconds"]}"))));

    /// <summary>The runs there are now (the demo's seeded ones, before a simulation adds its cases).</summary>
    private static async Task<HashSet<Guid>> RunIdsAsync(HttpClient admin) =>
        [.. (await admin.GetFromJsonAsync<JsonObject>("/api/runs?limit=200"))!["items"]!.AsArray().Select(r => r!["id"]!.GetValue<Guid>())];

    private static async Task<Guid> StartAsync(HttpClient admin, object body)
    {
        var response = await admin.PostAsJsonAsync("/api/demo/simulations", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
    }

    private static async Task<JsonObject> WaitAsync(HttpClient admin, Guid job, Func<JsonObject, bool> until)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (true)
        {
            var view = (await admin.GetFromJsonAsync<JsonObject>($"/api/demo/simulations/{job}"))!["simulation"]!.AsObject();
            if (until(view))
            {
                return view;
            }

            Assert.True(DateTime.UtcNow < deadline, $"simulation {job} did not get there: {view.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    private static async Task<Guid> WaitingSampleAsync(HttpClient admin, string rx)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var pending = (await admin.GetFromJsonAsync<JsonObject>("/api/approvals?status=pending&limit=100"))!["items"]!.AsArray();
            if (pending.FirstOrDefault(a => a!["title"]!.GetValue<string>().Contains(rx, StringComparison.Ordinal)) is { } approval)
            {
                return approval["runId"]!.GetValue<Guid>();
            }

            Assert.True(DateTime.UtcNow < deadline, $"{rx} never waited for a decision");
            await Task.Delay(100);
        }
    }

    private static int OnHand(string inventory, string drug) =>
        JsonNode.Parse(File.ReadAllText(inventory))!["items"]![drug]!["on_hand"]!.GetValue<int>();
}
