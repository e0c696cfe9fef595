using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Pharmacy;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Governance.GovernanceApi;

namespace ControlTower.Server.Tests.Pharmacy;

/// <summary>The demo seed's governance layer, and how later starts treat it (in-process, demo mode, one data folder shared by two starts).</summary>
public sealed class PharmacyDemoSeedTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ct-pharmacy-seed-");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Delete(recursive: true);
    }

    private ControlTowerFactory Demo() => new(new Dictionary<string, string?> { ["ENVIRONMENT"] = "demo", ["DATA_DIR"] = _data.FullName });

    private string InventoryFile => Path.Combine(_data.FullName, "pharmacy", "inventory.json");

    [Fact]
    public async Task Seed_WhenFirstStarted_RegistersTheServerRulesGatesAndAWorkflowWhoseDispenseIsGoverned()
    {
        using var factory = Demo();
        using var admin = factory.CreateAdminClient();

        var server = Assert.Single((await admin.GetFromJsonAsync<JsonArray>("/api/mcp/servers"))!)!;
        var rules = (await admin.GetFromJsonAsync<JsonObject>($"/api/rule-sets/{PharmacyDemo.DispenseRuleSetId}"))!;
        var test = await admin.PostAsJsonAsync($"/api/rule-sets/{PharmacyDemo.DispenseRuleSetId}/test", new
        {
            input = new { actionType = "pharmacy.dispense", arguments = new { rx = "RX-2", drug = "Lisinopril 10 mg", quantity = 90 }, input = new { controlled = false } },
        });
        var workflow = (await admin.GetFromJsonAsync<JsonArray>("/api/workflows"))!.Single(w => w!["name"]!.GetValue<string>() == PharmacyDemo.RefillWorkflowName)!;
        var graph = (await admin.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow["id"]}"))!.ToJsonString();
        var pending = await PendingApprovalsAsync(admin, expected: 5);

        Assert.Equal("pharmacy", server["id"]!.GetValue<string>());
        Assert.Equal(["pharmacy-mcp", "--data", InventoryFile], server["args"]!.AsArray().Select(a => a!.GetValue<string>()).TakeLast(3));
        Assert.Equal(1, rules["version"]!.GetValue<int>());
        Assert.Equal(["large_quantity"], (await test.Content.ReadFromJsonAsync<JsonObject>())!["matched"]!.AsArray().Select(m => m!["ruleId"]!.GetValue<string>()));
        Assert.Contains("\"governed.action\"", graph, StringComparison.Ordinal);
        Assert.Contains("\"phases\"", graph, StringComparison.Ordinal);
        Assert.Contains("\"request_prescriber_approval\"", graph, StringComparison.Ordinal);
        Assert.DoesNotContain("\"approval\",", graph, StringComparison.Ordinal);
        Assert.Equal(500, JsonNode.Parse(await File.ReadAllTextAsync(InventoryFile))!["items"]!["Atorvastatin 20 mg"]!["on_hand"]!.GetValue<int>());
        Assert.Equal(5, pending.Count);
        Assert.Equal(["Book delivery DEL-2001", "Verify RX-1001", "Verify RX-1002", "Verify RX-1003", "Verify RX-1004"],
            pending.Select(a => a!["title"]!.GetValue<string>()[..a!["title"]!.GetValue<string>().IndexOf(':', StringComparison.Ordinal)]).Order(StringComparer.Ordinal));
        Assert.NotNull(JsonNode.Parse(await File.ReadAllTextAsync(InventoryFile))!["back_office"]!["prescriptions"]!["RX-1008"]);
        var delivery = pending.Single(a => a!["title"]!.GetValue<string>().StartsWith("Book delivery DEL-2001", StringComparison.Ordinal))!;
        Assert.False(delivery["evidence"]!["verdict"]!["gate"]!["authorized"]!.GetValue<bool>());
        await AssertAuditIntactAsync(admin);
    }

    /// <summary>The seeded runs open their approvals as the engine reaches them: polls until <paramref name="expected"/> are pending.</summary>
    internal static async Task<JsonArray> PendingApprovalsAsync(HttpClient admin, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var pending = (await admin.GetFromJsonAsync<JsonObject>("/api/approvals?status=pending&limit=100"))!["items"]!.AsArray();
            if (pending.Count >= expected || DateTime.UtcNow > deadline)
            {
                return pending;
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Seed_WhenStartedAgainAfterTheBinaryMoved_RepointsOnlyItsOwnServerAndSeedsNothingTwice()
    {
        var stale = new { name = "Pharmacy inventory", transport = "stdio", command = "/opt/old/controltower", args = new[] { "pharmacy-mcp", "--data", InventoryFile } };
        using (var first = Demo())
        {
            using var admin = first.CreateAdminClient();
            (await admin.PutAsJsonAsync("/api/mcp/servers/pharmacy", stale)).EnsureSuccessStatusCode();
        }

        // Edited once the first server (and the pharmacy process it started) is gone, so nothing writes the file meanwhile.
        await File.WriteAllTextAsync(InventoryFile, (await File.ReadAllTextAsync(InventoryFile)).Replace("\"on_hand\": 500", "\"on_hand\": 499", StringComparison.Ordinal));

        JsonObject repointed;
        using (var second = Demo())
        {
            using var admin = second.CreateAdminClient();
            repointed = (await admin.GetFromJsonAsync<JsonObject>("/api/mcp/servers/pharmacy"))!;
            var updates = await AuditAsync(admin, "mcp.server_updated");
            Assert.Equal(["system:demo-seed", "user:admin"], updates.Select(u => u["actor"]!.GetValue<string>()).Order(StringComparer.Ordinal));
            Assert.Equal(2, (await admin.GetFromJsonAsync<JsonArray>("/api/workflows"))!.Count);
            Assert.Equal(5, (await admin.GetFromJsonAsync<JsonObject>("/api/runs?limit=100"))!["items"]!.AsArray().Count);
            (await admin.PutAsJsonAsync("/api/mcp/servers/pharmacy",
                new { name = "Pharmacy (own build)", transport = "stdio", command = "/opt/pharmacy/server", args = new[] { "--stdio" } })).EnsureSuccessStatusCode();
        }

        using var third = Demo();
        using var client = third.CreateAdminClient();
        var own = (await client.GetFromJsonAsync<JsonObject>("/api/mcp/servers/pharmacy"))!;

        Assert.NotEqual("/opt/old/controltower", repointed["command"]!.GetValue<string>());
        Assert.Equal(PharmacyMcpCommand.Launch(InventoryFile).Arguments, repointed["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("/opt/pharmacy/server", own["command"]!.GetValue<string>());
        Assert.Equal(499, JsonNode.Parse(await File.ReadAllTextAsync(InventoryFile))!["items"]!["Atorvastatin 20 mg"]!["on_hand"]!.GetValue<int>());
    }
}
