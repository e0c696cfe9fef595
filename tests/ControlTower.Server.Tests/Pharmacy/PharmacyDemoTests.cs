using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Pharmacy;

/// <summary>
/// The shipped demo end to end in a real process (<c>dotnet controltower.dll serve</c> in demo mode): the seeded
/// refills are decided by the seeded pharmacist, the governed dispense runs against the seeded inventory MCP server
/// (started from the same binary), and the dashboard's rollback undoes it.
/// </summary>
public sealed class PharmacyDemoTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ct-pharmacy-demo-");

    public void Dispose()
    {
        try
        {
            _data.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A child process finishing its last write; the OS temp folder is cleaned anyway.
        }
    }

    private Task<ControlTowerServerProcess> StartDemoAsync() =>
        ControlTowerServerProcess.StartAsync(_data.FullName, new Dictionary<string, string?> { ["ENVIRONMENT"] = "demo" }, TimeSpan.FromSeconds(90));

    private int OnHand(string drug)
    {
        var inventory = JsonNode.Parse(File.ReadAllText(Path.Combine(_data.FullName, "pharmacy", "inventory.json")))!;
        return inventory["items"]![drug]!["on_hand"]!.GetValue<int>();
    }

    [Fact]
    public async Task Demo_WhenThePharmacistApprovesSampleRefills_DispensesUnderGovernanceRollsBackAndSeedsOnlyOnce()
    {
        using (var server = await StartDemoAsync())
        {
            var admin = server.Client;
            var pharmacy = (await admin.GetFromJsonAsync<JsonArray>("/api/mcp/servers"))!.Single(s => s!["id"]!.GetValue<string>() == "pharmacy")!;
            Assert.Equal("dotnet", Path.GetFileName(pharmacy["command"]!.GetValue<string>()));
            Assert.Equal([ControlTowerProcess.AssemblyPath, "pharmacy-mcp", "--data", Path.Combine(_data.FullName, "pharmacy", "inventory.json")],
                pharmacy["args"]!.AsArray().Select(a => a!.GetValue<string>()));
            var gates = (await admin.GetFromJsonAsync<JsonArray>("/api/gates"))!.ToDictionary(g => g!["actionType"]!.GetValue<string>(), g => g!["authorized"]!.GetValue<bool>());
            Assert.True(gates["pharmacy.dispense"]);
            Assert.False(gates["pharmacy.restock"]);
            using var pat = await ClientOfAsync(server, "pat.pharmacist");

            // RX-1001: the dispense scope is at observe, so the pharmacist verifies the dispense itself; it runs, then is rolled back.
            var (rx1001, verification) = await ApproveAsync(admin, pat, "Verify RX-1001");
            var run = await WaitForStatusAsync(admin, rx1001, "completed", "failed");
            Assert.Equal("completed", run.Status());
            Assert.Equal(("completed", "completed"), (run["phase"]!.GetValue<string>(), run["output"]!["body"]!["status"]!.GetValue<string>()));
            Assert.Equal(470, run["output"]!["body"]!["on_hand"]!.GetValue<int>());
            var executionId = run["output"]!["body"]!["executionId"]!.GetValue<Guid>();
            var execution = (await admin.GetFromJsonAsync<JsonObject>($"/api/executions/{executionId}"))!;
            Assert.Equal("executed", execution["status"]!.GetValue<string>());
            Assert.Equal($"approval:{verification}", execution["authorizedBy"]!.GetValue<string>());
            Assert.Equal("acme-pharmacy|store-001|refill|pharmacy.dispense|pharmacist", execution["trustScopeKey"]!.GetValue<string>());
            var change = Assert.Single(execution["diff"]!.AsArray())!;
            Assert.Equal(("/on_hand", 500, 470), (change["path"]!.GetValue<string>(), change["before"]!.GetValue<int>(), change["after"]!.GetValue<int>()));
            Assert.Equal(TimeSpan.FromMinutes(30), execution["reversibleUntil"]!.GetValue<DateTimeOffset>() - execution["createdAt"]!.GetValue<DateTimeOffset>());
            Assert.Equal(470, OnHand("Atorvastatin 20 mg"));

            var rollback = await admin.PostAsJsonAsync($"/api/executions/{executionId}/rollback", new { reason = "patient did not collect the refill" });
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
            Assert.Equal("rolled_back", (await rollback.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
            Assert.Equal(500, OnHand("Atorvastatin 20 mg"));

            // RX-1004: too few capsules on the shelf; the dispense fails as a tool error and the workflow catches it.
            var (rx1004, _) = await ApproveAsync(admin, pat, "Verify RX-1004");
            var shortRun = await WaitForStatusAsync(admin, rx1004, "completed", "failed");
            Assert.Equal(("failed", "not_dispensed"), (shortRun["phase"]!.GetValue<string>(), shortRun["output"]!["body"]!["reason"]!.GetValue<string>()));
            var dispense = (await admin.GetFromJsonAsync<JsonArray>($"/api/runs/{rx1004}/nodes"))!.Last(a => a!["nodeId"]!.GetValue<string>() == "dispense")!;
            Assert.Equal("mcp.tool_error", dispense["errorCode"]!.GetValue<string>());
            Assert.Contains("pharmacy.insufficient_stock", dispense["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(12, OnHand("Amoxicillin 500 mg"));

            // DEL-2001: the restock gate is revoked, so the technician's delivery waits for the pharmacist.
            var (delivery, _) = await ApproveAsync(admin, pat, "Book delivery DEL-2001");
            var booked = await WaitForStatusAsync(admin, delivery, "completed", "failed");
            Assert.Equal("booked", booked["output"]!["body"]!["status"]!.GetValue<string>());
            Assert.Equal(112, OnHand("Amoxicillin 500 mg"));

            // RX-1003: a controlled substance; the rule set names it in the verification's evidence, and would ask at any trust stage.
            var count = await PendingTitledAsync(admin, "Verify RX-1003");
            Assert.Contains("controlled_substance", count["evidence"]!["verdict"]!["rules"]!.ToJsonString(), StringComparison.Ordinal);
            Assert.Equal(60, OnHand("Oxycodone 5 mg"));
            Assert.Equal(HttpStatusCode.Created, (await DecideAsync(pat, count.Id(), "approve", "count-rx-1003", "count verified")).StatusCode);
            var rx1003 = count["runId"]!.GetValue<Guid>();
            Assert.Equal("completed", (await WaitForStatusAsync(admin, rx1003, "completed", "failed")).Status());
            Assert.Equal(40, OnHand("Oxycodone 5 mg"));
            var controlled = Assert.Single((await admin.GetFromJsonAsync<JsonArray>($"/api/executions?runId={rx1003}"))!)!;
            Assert.Equal($"approval:{count.Id()}", controlled["authorizedBy"]!.GetValue<string>());

            foreach (var action in new[] { "governance.action_executed", "governance.action_rolled_back", "governance.action_failed", "mcp.server_registered", "governance.gate_set" })
            {
                Assert.NotEmpty(await AuditAsync(admin, action));
            }

            await AssertAuditIntactAsync(admin);
        }

        using var restarted = await StartDemoAsync();
        var workflows = (await restarted.Client.GetFromJsonAsync<JsonArray>("/api/workflows"))!;
        Assert.Single(workflows, w => w!["name"]!.GetValue<string>() == "Prescription refill");
        Assert.Equal(5, (await restarted.Client.GetFromJsonAsync<JsonObject>("/api/runs?limit=100"))!["items"]!.AsArray().Count);
        Assert.Single((await restarted.Client.GetFromJsonAsync<JsonArray>("/api/mcp/servers"))!);
        Assert.Equal(40, OnHand("Oxycodone 5 mg"));
    }

    private static async Task<HttpClient> ClientOfAsync(ControlTowerServerProcess server, string userName)
    {
        var users = (await server.Client.GetFromJsonAsync<JsonArray>("/api/users"))!;
        var userId = users.Single(u => u!["name"]!.GetValue<string>() == userName)!["id"]!.GetValue<Guid>();
        var created = await (await server.Client.PostAsJsonAsync("/api/api-keys", new { name = "demo test", userId })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonObject>();
        var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created!["key"]!.GetValue<string>());
        return client;
    }

    /// <summary>Approves the pending approval whose title starts with <paramref name="titleStart"/> as <paramref name="decider"/>; returns its run and the approval.</summary>
    private static async Task<(Guid Run, Guid Approval)> ApproveAsync(HttpClient admin, HttpClient decider, string titleStart)
    {
        var approval = await PendingTitledAsync(admin, titleStart);
        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(decider, approval.Id(), "approve", $"demo-{approval.Id()}", "checked identity, allergies and interactions")).StatusCode);
        return (approval["runId"]!.GetValue<Guid>(), approval.Id());
    }

    private static async Task<JsonObject> PendingTitledAsync(HttpClient admin, string titleStart)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var page = await admin.GetFromJsonAsync<JsonObject>("/api/approvals?status=pending&limit=100");
            if (page!["items"]!.AsArray().FirstOrDefault(a => a!["title"]!.GetValue<string>().StartsWith(titleStart, StringComparison.Ordinal)) is JsonObject approval)
            {
                return approval;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No pending approval titled '{titleStart}...'.");
            }

            await Task.Delay(100);
        }
    }
}
