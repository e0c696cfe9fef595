using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Demo;

/// <summary>One demo-mode server (in process, real SQLite file, the seeded pharmacy MCP server started from the built binary) shared by the scenario tests.</summary>
public sealed class DemoFixture : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ct-scenarios-");

    public DemoFixture()
    {
        Factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENVIRONMENT"] = "demo", ["DATA_DIR"] = _data.FullName });
        Admin = Factory.CreateAdminClient();
    }

    public ControlTowerFactory Factory { get; }

    public HttpClient Admin { get; }

    public string StateFile => Path.Combine(_data.FullName, "pharmacy", "inventory.json");

    /// <summary>
    /// Waits until the seeded runs have reached their five approvals: until then they are still moving, and a test that
    /// raises the dispense scope's stage would let the seeded atorvastatin refill dispense beside its own.
    /// </summary>
    public async Task SeedSettledAsync() =>
        Assert.True((await Pharmacy.PharmacyDemoSeedTests.PendingApprovalsAsync(Admin, expected: 5)).Count >= 5,
            "the seeded runs did not reach their five approvals within 60 s");

    public int OnHand(string drug) => JsonNode.Parse(File.ReadAllText(StateFile))!["items"]![drug]!["on_hand"]!.GetValue<int>();

    public void Dispose()
    {
        Admin.Dispose();
        Factory.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            _data.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A pharmacy server process finishing its last write; the OS temp folder is cleaned anyway.
        }
    }
}

/// <summary>
/// Each scenario template started through the API runs the real refill workflow against the real pharmacy server and
/// ends in the phase its template promises; the approvals a person would decide are decided through the API (the
/// dispense scope is at <c>observe</c>, as seeded, so every dispense the rules or the stage send to a person waits).
/// </summary>
public sealed class DemoScenarioTests(DemoFixture demo) : IClassFixture<DemoFixture>
{
    [Theory]
    [InlineData("happy_path", "completed", null, 1)]
    [InlineData("controlled_substance", "completed", null, 1)]
    [InlineData("insurance_reject", "failed", "claim_rejected", 0)]
    [InlineData("prescriber_denial", "failed", "prescriber_denied", 0)]
    [InlineData("early_refill", "failed", "too_early", 0)]
    [InlineData("interaction_alert", "failed", "declined", 1)]
    [InlineData("out_of_stock", "failed", "not_dispensed", 1)]
    public async Task Start_WhenTheRunIsDecidedAsTheTemplateSays_EndsInTheExpectedPhase(string scenario, string phase, string? reason, int decisions)
    {
        var started = await StartAsync(demo.Admin, scenario);

        var (run, decided) = await RunToEndAsync(demo.Admin, started, reject: scenario == "interaction_alert");

        Assert.True(run.Status() == "completed", run.ToJsonString());
        Assert.Equal(phase, run["phase"]!.GetValue<string>());
        Assert.Equal(phase, run["output"]!["body"]!["status"]!.GetValue<string>());
        Assert.Equal(reason, run["output"]!["body"]!["reason"]?.GetValue<string>());
        Assert.Equal(decisions, decided.Count);
        var listed = (await demo.Admin.GetFromJsonAsync<JsonObject>($"/api/runs?phase={phase}&limit=200"))!["items"]!.AsArray();
        Assert.Contains(listed, r => r!["id"]!.GetValue<Guid>() == started);
        // The refill declares its outcomes: a case that completed its graph on a failed branch is a failure.
        Assert.Equal(phase == "completed" ? "success" : "failure", listed.Single(r => r!["id"]!.GetValue<Guid>() == started)!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Start_WhenControlledOrInteracting_TheApprovalCarriesTheRuleThatAskedForIt()
    {
        var controlled = await StartAsync(demo.Admin, "controlled_substance");
        var interacting = await StartAsync(demo.Admin, "interaction_alert");

        var count = await WaitForApprovalAsync(demo.Admin, controlled);
        var review = await WaitForApprovalAsync(demo.Admin, interacting);

        Assert.StartsWith("Verify RX-1003: dispense Oxycodone 5 mg x20 for Aisha Khan", count["title"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("controlled_substance", count["evidence"]!["verdict"]!["rules"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("interaction_alert", review["evidence"]!["verdict"]!["rules"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("access_granted", (await GetRunAsync(demo.Admin, interacting))["phase"]!.GetValue<string>());
        await DecideAsync(demo.Admin, count.Id(), "reject", $"reject-{count.Id()}", "not today");
        await DecideAsync(demo.Admin, review.Id(), "reject", $"reject-{review.Id()}", "call the prescriber about warfarin");
    }

    [Fact]
    public async Task Start_WhenStockIsShort_TheApproverSeesTheStockOnHandBesideTheQuantity()
    {
        var started = await StartAsync(demo.Admin, "out_of_stock");

        var approval = await WaitForApprovalAsync(demo.Admin, started);

        var features = approval["evidence"]!["features"]!;
        var quantity = features["quantity"]!.GetValue<int>();
        var onHand = features["on_hand"]!.GetValue<int>();
        Assert.True(onHand < quantity, features.ToJsonString());
        Assert.EndsWith($"({onHand} on hand)", approval["title"]!.GetValue<string>(), StringComparison.Ordinal);
        await DecideAsync(demo.Admin, approval.Id(), "reject", $"reject-{approval.Id()}", "not enough on the shelf");
    }

    [Fact]
    public async Task List_WhenAsked_ShowsEverySevenTemplatesWithTheirInput()
    {
        var scenarios = (await demo.Admin.GetFromJsonAsync<JsonArray>("/api/demo/scenarios"))!;

        Assert.Equal(["happy_path", "controlled_substance", "insurance_reject", "prescriber_denial", "early_refill", "interaction_alert", "out_of_stock"],
            scenarios.Select(s => s!["id"]!.GetValue<string>()));
        Assert.All(scenarios, s => Assert.StartsWith("RX-", s!["input"]!["rx"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.All(scenarios, s => Assert.False(string.IsNullOrWhiteSpace(s!["description"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Start_WhenTheIdIsUnknown_IsATypedNotFound()
    {
        var response = await demo.Admin.PostAsync("/api/demo/scenarios/no_such/start", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("demo.scenario_not_found", await CodeAsync(response));
    }

    [Fact]
    public async Task Start_WhenNotInDemoMode_IsATypedConflictAndStartsNothing()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();

        var response = await admin.PostAsync("/api/demo/scenarios/happy_path/start", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("demo.scenario_demo_mode_only", await CodeAsync(response));
        Assert.Empty((await admin.GetFromJsonAsync<JsonObject>("/api/runs"))!["items"]!.AsArray());
    }

    internal static async Task<Guid> StartAsync(HttpClient client, string scenario)
    {
        var response = await client.PostAsync($"/api/demo/scenarios/{scenario}/start", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<Guid>();
    }

    /// <summary>Follows the run to its end, deciding each approval it opens (approve, or reject when <paramref name="reject"/>); returns the run and the approvals decided.</summary>
    internal static async Task<(JsonObject Run, List<Guid> Decided)> RunToEndAsync(HttpClient client, Guid runId, bool reject)
    {
        var decided = new List<Guid>();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var run = await GetRunAsync(client, runId);
            if (run.Status() is "completed" or "failed" or "cancelled")
            {
                return (run, decided);
            }

            var pending = (await client.GetFromJsonAsync<JsonObject>($"/api/approvals?runId={runId}&status=pending"))!["items"]!.AsArray();
            foreach (var approval in pending.Cast<JsonObject>().Where(a => !decided.Contains(a.Id())))
            {
                var response = await DecideAsync(client, approval.Id(), reject ? "reject" : "approve", $"scenario-{approval.Id()}", "checked by the scenario test");
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                decided.Add(approval.Id());
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Run {runId} did not end: {run.ToJsonString()}");
            }

            await Task.Delay(100);
        }
    }
}
