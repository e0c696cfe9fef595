using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Governance.GovernanceApi;

namespace ControlTower.Server.Tests.Governance;

public sealed class GateTests
{
    [Fact]
    public async Task Resolve_WhenGlobalAndWorkflowGatesDisagree_TheMoreSpecificOneDecides()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var workflow = Guid.NewGuid();
        (await admin.PutAsJsonAsync("/api/gates", new { actionType = "refill.dispense", authorized = true, reason = "trusted everywhere" })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/api/gates", new { workflowId = workflow, actionType = "refill.dispense", authorized = false, reason = "this store is in audit" })).EnsureSuccessStatusCode();

        var elsewhere = await admin.GetFromJsonAsync<JsonObject>($"/api/gates/resolve?workflowId={Guid.NewGuid()}&actionType=refill.dispense");
        var here = await admin.GetFromJsonAsync<JsonObject>($"/api/gates/resolve?workflowId={workflow}&actionType=refill.dispense");
        var other = await admin.GetFromJsonAsync<JsonObject>("/api/gates/resolve?actionType=refill.cancel");

        Assert.True(elsewhere!["authorized"]!.GetValue<bool>());
        Assert.False(here!["authorized"]!.GetValue<bool>());
        Assert.Contains("this store is in audit", here["why"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(other!["authorized"]!.GetValue<bool>());
        Assert.Null(other["scopeKey"]);
        Assert.Equal(2, (await admin.GetFromJsonAsync<JsonArray>("/api/gates"))!.Count);
    }

    [Fact]
    public async Task Set_WhenReasonMissingOrCallerNotAdmin_IsRefused()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        var (operatorClient, _, _) = await factory.CreateUserClientAsync("gate.operator", "operator");

        var noReason = await admin.PutAsJsonAsync("/api/gates", new { actionType = "x", authorized = true, reason = " " });
        var notAdmin = await operatorClient.PutAsJsonAsync("/api/gates", new { actionType = "x", authorized = true, reason = "please" });
        var killNoReason = await admin.PutAsJsonAsync("/api/governance/kill-switch", new { engaged = true });

        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal("governance.reason_required", await CodeAsync(noReason));
        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        Assert.Equal("governance.reason_required", await CodeAsync(killNoReason));
        Assert.Empty(await AuditAsync(admin, "governance.gate_set"));
        Assert.False((await admin.GetFromJsonAsync<JsonObject>("/api/governance/kill-switch"))!["engaged"]!.GetValue<bool>());
    }
}
