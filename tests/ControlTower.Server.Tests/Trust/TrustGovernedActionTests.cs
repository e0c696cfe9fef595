using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Mcp;
using ControlTower.Server.Pharmacy;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Trust;

/// <summary>
/// What each trust stage does to a governed dispense against the real pharmacy inventory MCP server
/// (<c>controltower pharmacy-mcp</c> over stdio): who decides, what the approver is shown, what runs without waiting,
/// the veto (rollback) in guarded_auto, and stage changes earned from events and audited.
/// </summary>
public sealed class TrustGovernedActionTests : IDisposable
{
    private const string ScopeKey = "acme|store-9|refill|pharmacy.dispense|pharmacist";
    private static readonly string EncodedKey = Uri.EscapeDataString(ScopeKey);

    /// <summary>Low bars so a handful of runs can climb the ladder: 2 proposals per stage, one evaluation, reliability only.</summary>
    private static readonly Dictionary<string, string?> FastLadder = new()
    {
        ["TRUST_MIN_SAMPLE"] = "2",
        ["TRUST_SUSTAIN_EVALUATIONS"] = "1",
        ["TRUST_STAGE_THRESHOLDS"] = "propose:0.30,0;guarded_auto:0.30,0;conditional_auto:0.30,0;full_auto:0.30,0",
    };

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ct-trust-");

    public void Dispose()
    {
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // The MCP server process may still be closing its file; the OS temp folder is cleaned anyway.
        }
    }

    private string InventoryFile => Path.Combine(_folder.FullName, "inventory.json");

    private static JsonObject DispenseConfig(bool reversible = true)
    {
        var config = new JsonObject
        {
            ["actionType"] = PharmacyDemo.DispenseActionType,
            ["server"] = PharmacyMcpCommand.ServerId,
            ["tool"] = "dispense",
            ["arguments"] = new JsonObject { ["rx"] = "{{ input.rx }}", ["drug"] = "{{ input.drug }}", ["quantity"] = "{{ input.quantity }}" },
            ["scope"] = new JsonObject { ["tenant"] = "acme", ["site"] = "{{ input.site }}", ["queue"] = "refill", ["role"] = "pharmacist" },
            ["features"] = new JsonObject { ["quantity"] = "{{ input.quantity }}", ["drug"] = "{{ input.drug }}" },
            ["readState"] = new JsonObject { ["tool"] = "get_stock", ["arguments"] = new JsonObject { ["drug"] = "{{ input.drug }}" } },
            ["approval"] = new JsonObject { ["title"] = "Dispense {{ input.rx }}?" },
        };
        if (reversible)
        {
            config["compensation"] = new JsonObject
            {
                ["tool"] = "restock",
                ["arguments"] = new JsonObject { ["drug"] = "{{ result.drug }}", ["quantity"] = "{{ result.dispensed }}", ["reason"] = "dispense of {{ result.rx }} vetoed" },
                ["windowSeconds"] = 1800,
            };
        }

        return config;
    }

    private static JsonObject DispenseGraph(bool reversible = true) => Graph(
        [
            Node("start", "trigger.manual"),
            Node("dispense", "governed.action", DispenseConfig(reversible)),
            Node("done", "transform", new() { ["expression"] = "nodes.dispense.output" }),
            Node("refused", "transform", new() { ["expression"] = "nodes.dispense.output" }),
            Node("short", "transform", new() { ["expression"] = "{'failed': true}" }),
        ],
        [Edge("start", "dispense"), Edge("dispense", "done"), Edge("dispense", "refused", "rejected"), Edge("dispense", "short", "error")]);

    private static JsonObject Refill(string rx, int quantity, string drug = "Atorvastatin 20 mg") =>
        new() { ["rx"] = rx, ["drug"] = drug, ["quantity"] = quantity, ["site"] = "store-9" };

    private async Task<ControlTowerFactory> StartServerAsync(Dictionary<string, string?>? settings = null)
    {
        await new PharmacyInventory(InventoryFile, TimeProvider.System).SeedAsync(PharmacyDemo.Stock, CancellationToken.None);
        var factory = new ControlTowerFactory(settings);
        factory.CreateClient().Dispose();
        factory.Services.GetRequiredService<McpServerRegistry>().Add(PharmacyMcpCommand.Launch(InventoryFile));
        using var admin = factory.CreateAdminClient();
        (await admin.PutAsJsonAsync("/api/gates", new { nodeType = "governed.action", actionType = PharmacyDemo.DispenseActionType, authorized = true, reason = "dispensing may be automated" }))
            .EnsureSuccessStatusCode();
        return factory;
    }

    private int OnHand(string drug) => JsonNode.Parse(File.ReadAllText(InventoryFile))!["items"]![drug]!["on_hand"]!.GetValue<int>();

    private static async Task PinAsync(HttpClient admin, string? stage, string reason = "test: set the stage under test")
    {
        var response = await admin.PutAsJsonAsync($"/api/trust/scopes/{EncodedKey}/pin", new { stage, reason });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonObject> ScopeAsync(HttpClient admin) => (await admin.GetFromJsonAsync<JsonObject>($"/api/trust/scopes/{EncodedKey}"))!;

    private static async Task<string> StageAsync(HttpClient admin) => (await ScopeAsync(admin))["scope"]!["stage"]!.GetValue<string>();

    /// <summary>Starts a refill and, when it asks a person, approves it as the approver; returns the finished run.</summary>
    private static async Task<(JsonObject Run, JsonObject? Approval)> DispenseAsync(HttpClient admin, HttpClient approver, Guid workflow, JsonObject input, bool expectApproval)
    {
        var runId = await StartAsync(admin, workflow, input);
        JsonObject? approval = null;
        if (expectApproval)
        {
            approval = await WaitForApprovalAsync(admin, runId);
            Assert.Equal(HttpStatusCode.Created, (await DecideAsync(approver, approval.Id(), "approve", $"k-{approval.Id()}", "count checked")).StatusCode);
        }

        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        Assert.Equal("completed", run.Status());
        return (run, approval);
    }

    [Fact]
    public async Task GovernedAction_WhenObserve_AsksAPersonAndKeepsThePredictionsInShadow()
    {
        using var factory = await StartServerAsync();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("pharmacist.pat", "approver");
        var workflow = await CreateWorkflowAsync(admin, DispenseGraph());

        var (run, approval) = await DispenseAsync(admin, approver, workflow, Refill("RX-1", 30), expectApproval: true);

        var trust = approval!["evidence"]!["trust"]!;
        Assert.Equal(("observe", "person", true), (trust["stage"]!.GetValue<string>(), trust["mode"]!.GetValue<string>(), trust["shadow"]!.GetValue<bool>()));
        Assert.Null(trust["predictions"]);
        Assert.Null(trust["explanation"]);
        Assert.Equal("person", run["output"]!["done"]!["trust"]!["mode"]!.GetValue<string>());
        Assert.Equal(470, OnHand("Atorvastatin 20 mg"));

        // The shadow prediction was recorded with the proposal, so it can be scored against what happened.
        var events = (await ScopeAsync(admin))["events"]!.AsArray();
        var proposal = Assert.Single(events, e => e!["kind"]!.GetValue<string>() == "proposal")!;
        Assert.NotNull(proposal["predictions"]!["approval"]!["modelVersion"]);
        Assert.Equal(30, proposal["features"]!["context"]!["quantity"]!.GetValue<int>());
        Assert.Equal("approved", Assert.Single(events, e => e!["kind"]!.GetValue<string>() == "decision")!["result"]!.GetValue<string>());
        var execution = Assert.Single(events, e => e!["kind"]!.GetValue<string>() == "execution")!;
        Assert.Equal(("succeeded", "person"), (execution["result"]!.GetValue<string>(), execution["mode"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal(proposal["proposalId"]!.GetValue<string>(), e!["proposalId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task GovernedAction_WhenPropose_ShowsTheApproverPredictionsAndTheirExplanation()
    {
        using var factory = await StartServerAsync();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("pharmacist.pat", "approver");
        var workflow = await CreateWorkflowAsync(admin, DispenseGraph());
        await PinAsync(admin, "propose");

        var (_, approval) = await DispenseAsync(admin, approver, workflow, Refill("RX-2", 30), expectApproval: true);

        var trust = approval!["evidence"]!["trust"]!;
        Assert.Equal(("propose", false), (trust["stage"]!.GetValue<string>(), trust["shadow"]!.GetValue<bool>()));
        var prediction = trust["predictions"]!["approval"]!;
        Assert.InRange(prediction["probability"]!.GetValue<double>(), 0, 1);
        Assert.False(string.IsNullOrWhiteSpace(prediction["modelVersion"]!.GetValue<string>()));
        Assert.StartsWith("approval ", trust["explanation"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("propose", approval["reason"]?.GetValue<string>() ?? approval["evidence"]!["trust"]!["why"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GovernedAction_WhenGuardedAutoAndReversible_RunsWithoutWaitingAndAVetoRollsItBack()
    {
        using var factory = await StartServerAsync();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("pharmacist.pat", "approver");
        var (pharmacist, _, _) = await factory.CreateUserClientAsync("pharmacist.lee", "operator");
        var workflow = await CreateWorkflowAsync(admin, DispenseGraph());
        await PinAsync(admin, "guarded_auto");

        var (run, _) = await DispenseAsync(admin, approver, workflow, Refill("RX-3", 30), expectApproval: false);

        var output = run["output"]!["done"]!;
        Assert.Equal("trust:guarded_auto", output["authorizedBy"]!.GetValue<string>());
        Assert.Equal("guarded_auto", output["trust"]!["mode"]!.GetValue<string>());
        Assert.Contains("veto", output["trust"]!["why"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(470, OnHand("Atorvastatin 20 mg"));
        var executionId = output["executionId"]!.GetValue<Guid>();
        var execution = (await admin.GetFromJsonAsync<JsonObject>($"/api/executions/{executionId}"))!;
        Assert.Equal(("guarded_auto", ScopeKey), (execution["trustMode"]!.GetValue<string>(), execution["trustScopeKey"]!.GetValue<string>()));

        // The veto: a pharmacist rolls the automatic dispense back inside its window.
        var veto = await pharmacist.PostAsJsonAsync($"/api/executions/{executionId}/rollback", new { reason = "veto: patient allergy noted at the counter" });
        Assert.Equal(HttpStatusCode.OK, veto.StatusCode);
        Assert.Equal(500, OnHand("Atorvastatin 20 mg"));
        var events = (await ScopeAsync(admin))["events"]!.AsArray().Select(e => e!["kind"]!.GetValue<string>()).ToList();
        Assert.Contains("rollback", events);
        Assert.Contains("override", events);

        // Without a compensation the same stage asks a person.
        var irreversible = await CreateWorkflowAsync(admin, DispenseGraph(reversible: false), "irreversible dispense");
        var (_, approval) = await DispenseAsync(admin, approver, irreversible, Refill("RX-4", 10), expectApproval: true);
        Assert.Contains("no compensation", approval!["evidence"]!["trust"]!["why"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GovernedAction_WhenConditionalAutoAndPredictionsTooLow_AsksAPersonSayingWhy()
    {
        using var factory = await StartServerAsync();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("pharmacist.pat", "approver");
        var workflow = await CreateWorkflowAsync(admin, DispenseGraph());
        await PinAsync(admin, "conditional_auto");

        // A scope with no history: the approval prior is 0.5, below the 0.9 conditional_auto asks for.
        var (run, approval) = await DispenseAsync(admin, approver, workflow, Refill("RX-5", 30), expectApproval: true);

        var trust = approval!["evidence"]!["trust"]!;
        Assert.Equal(("conditional_auto", "person"), (trust["stage"]!.GetValue<string>(), trust["mode"]!.GetValue<string>()));
        Assert.Contains("too low", trust["why"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(trust["predictions"]!["approval"]!["coldStart"]!.GetValue<bool>());
        Assert.Equal($"approval:{approval.Id()}", run["output"]!["done"]!["authorizedBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task GovernedAction_WhenFullAuto_RunsUnlessTheGateOrARuleSaysOtherwise()
    {
        using var factory = await StartServerAsync();
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("pharmacist.pat", "approver");
        var workflow = await CreateWorkflowAsync(admin, DispenseGraph(reversible: false));
        await PinAsync(admin, "full_auto");

        var (run, _) = await DispenseAsync(admin, approver, workflow, Refill("RX-6", 30), expectApproval: false);
        Assert.Equal("trust:full_auto", run["output"]!["done"]!["authorizedBy"]!.GetValue<string>());

        // A revoked gate caps the scope at propose: a person decides again, whatever the pin says.
        (await admin.PutAsJsonAsync("/api/gates", new { nodeType = "governed.action", actionType = PharmacyDemo.DispenseActionType, authorized = false, reason = "stocktake" }))
            .EnsureSuccessStatusCode();
        var (_, approval) = await DispenseAsync(admin, approver, workflow, Refill("RX-7", 30), expectApproval: true);
        Assert.Equal("propose", approval!["evidence"]!["trust"]!["effectiveStage"]!.GetValue<string>());
        Assert.Equal("propose", (await ScopeAsync(admin))["scope"]!["stage"]!.GetValue<string>());
        Assert.Equal(440, OnHand("Atorvastatin 20 mg"));
    }

    [Fact]
    public async Task Stage_WhenEarnedAndLost_ClimbsOneStageAtATimeDemotesOnAVetoAndAuditsEveryChange()
    {
        using var factory = await StartServerAsync(FastLadder);
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("pharmacist.pat", "approver");
        var workflow = await CreateWorkflowAsync(admin, DispenseGraph());

        // observe: two approved, successful dispenses earn propose; two more at propose earn guarded_auto.
        for (var i = 0; i < 2; i++)
        {
            await DispenseAsync(admin, approver, workflow, Refill($"RX-o{i}", 10), expectApproval: true);
        }

        Assert.Equal("propose", await StageAsync(admin));
        for (var i = 0; i < 2; i++)
        {
            await DispenseAsync(admin, approver, workflow, Refill($"RX-p{i}", 10), expectApproval: true);
        }

        Assert.Equal("guarded_auto", await StageAsync(admin));

        // guarded_auto runs the next one without waiting; its veto demotes the scope at once.
        var (run, _) = await DispenseAsync(admin, approver, workflow, Refill("RX-g0", 10), expectApproval: false);
        var executionId = run["output"]!["done"]!["executionId"]!.GetValue<Guid>();
        (await admin.PostAsJsonAsync($"/api/executions/{executionId}/rollback", new { reason = "veto: wrong strength" })).EnsureSuccessStatusCode();
        Assert.Equal("propose", await StageAsync(admin));

        var changes = (await ScopeAsync(admin))["changes"]!.AsArray().Reverse().ToList();
        Assert.Equal(
            [("observe", "propose", "promoted"), ("propose", "guarded_auto", "promoted"), ("guarded_auto", "propose", "rollback")],
            changes.Select(c => (c!["from"]!.GetValue<string>(), c["to"]!.GetValue<string>(), c["rule"]!.GetValue<string>())));
        var audited = (await AuditAsync(admin, "trust.stage_changed")).OrderBy(e => e["seq"]?.GetValue<long>() ?? 0).ToList();
        Assert.Equal(3, audited.Count);
        var promotion = audited.Single(e => e["data"]!["to"]!.GetValue<string>() == "guarded_auto")["data"]!;
        var reliability = promotion["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "reliability_lower")!;
        Assert.Equal(0.30, reliability["threshold"]!.GetValue<double>(), 6);
        Assert.True(reliability["value"]!.GetValue<double>() >= 0.30);
        Assert.Equal(">=", reliability["comparison"]!.GetValue<string>());
        Assert.StartsWith("2026-12-07.1+", promotion["policyVersion"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(4, promotion["metrics"]!["reliability"]!["trials"]!.GetValue<int>());
        Assert.All(audited, e => Assert.Equal("system:trust", e["actor"]!.GetValue<string>()));
        await AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task Stage_WhenThreeDispensesFailInARow_DemotesToPropose()
    {
        using var factory = await StartServerAsync(FastLadder);
        using var admin = factory.CreateAdminClient();
        var (approver, _, _) = await factory.CreateUserClientAsync("pharmacist.pat", "approver");
        var workflow = await CreateWorkflowAsync(admin, DispenseGraph());
        await PinAsync(admin, "full_auto");
        await PinAsync(admin, null, "test: let the evidence decide");
        Assert.True("full_auto" == await StageAsync(admin), (await ScopeAsync(admin)).ToJsonString());

        // Amoxicillin has 12 capsules: each 21-capsule dispense fails on the server (insufficient stock).
        for (var i = 0; i < 3; i++)
        {
            var (run, _) = await DispenseAsync(admin, approver, workflow, Refill($"RX-f{i}", 21, "Amoxicillin 500 mg"), expectApproval: false);
            Assert.True(run["output"]!["short"]!["failed"]!.GetValue<bool>());
            Assert.Equal(i < 2 ? "full_auto" : "propose", await StageAsync(admin));
        }

        var change = (await ScopeAsync(admin))["changes"]!.AsArray().First()!;
        Assert.Equal(("full_auto", "propose", "failure_streak"), (change["from"]!.GetValue<string>(), change["to"]!.GetValue<string>(), change["rule"]!.GetValue<string>()));
        Assert.Equal(12, OnHand("Amoxicillin 500 mg"));
        Assert.Single(await AuditAsync(admin, "trust.pinned"));
        Assert.Single(await AuditAsync(admin, "trust.unpinned"));
    }

    [Fact]
    public async Task KillSwitch_WhenEngaged_ForcesEveryScopeToObserveAndBlocksTheAction()
    {
        using var factory = await StartServerAsync();
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, DispenseGraph());
        await PinAsync(admin, "guarded_auto");
        await PinAsync(admin, null, "test: unpinned");

        (await admin.PutAsJsonAsync("/api/governance/kill-switch", new { engaged = true, reason = "incident" })).EnsureSuccessStatusCode();

        Assert.Equal("observe", await StageAsync(admin));
        var runId = await StartAsync(admin, workflow, Refill("RX-k", 10));
        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        Assert.Equal("blocked", run["output"]!["refused"]!["reason"]!.GetValue<string>());
        Assert.Equal(500, OnHand("Atorvastatin 20 mg"));
        Assert.Contains(await AuditAsync(admin, "trust.stage_changed"), e => e["data"]!["rule"]!.GetValue<string>() == "kill_switch");
    }
}
