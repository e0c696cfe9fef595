using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Rules;
using ControlTower.Core.Trust;
using ControlTower.Server.Governance;
using ControlTower.Server.Rules;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Trust;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Tests.ApiDocs;

/// <summary>
/// <c>POST /api/trust/resolve-mode</c> and <c>POST /api/rule-sets/{id}/test</c> answer typed contracts now; what clients
/// see must stay the audit-evidence JSON they answered before. Each contract, serialized with the app's own options, is
/// byte for byte that JSON (same properties, same order, nulls where it had nulls, absences where it had none).
/// </summary>
public sealed class EvidenceContractTests(EvidenceContractTests.Host host) : IClassFixture<EvidenceContractTests.Host>
{
    private static readonly TrustScope Scope = new("t1", "s1", "refill", "pharmacy.dispense", "pharmacist");

    public sealed class Host : IDisposable
    {
        internal ControlTowerFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    private JsonSerializerOptions Options => host.Factory.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void ResolveMode_TypedAnswer_IsTheEvidenceJsonItReplaced(bool showPredictions, bool killSwitchEngaged)
    {
        var predictions = new TrustPredictions(
            new TrustPrediction(0.912345678, "approval-v1", false, [new FeatureContribution("quantity", "30", 0.123456), new FeatureContribution("controlled", "false", -0.04)]),
            new TrustPrediction(0.95, "prior:success-constant/1", true, []),
            new AnomalyPrediction(0.3333333, false, "anomaly-v1", false, [new FeatureContribution("quantity", "30", 0.011111)]));
        var proposal = new TrustProposal(Scope, new JsonObject { ["quantity"] = 30 }, DateTimeOffset.UnixEpoch, new ScopeHistory(3, 0.5, 1, null));
        var mode = new ModeDecision(TrustStage.Propose, false, "person", showPredictions, "propose: a person decides");
        var resolution = new TrustResolution(Scope, "dry:1", proposal, predictions, mode, TrustStage.GuardedAuto, "policy-v1");
        var killSwitch = new KillSwitchView(killSwitchEngaged, killSwitchEngaged ? "incident 7" : null, null, null);
        var gate = new GateDecision(true, "action:pharmacy.dispense", "gate authorized");

        var typed = JsonSerializer.Serialize(ResolveModeResponse.From(resolution, killSwitch, gate), Options);

        Assert.Equal(JsonSerializer.Serialize(EvidenceAsBefore(resolution, killSwitch, gate), Options), typed);
    }

    [Fact]
    public void RuleSetTest_TypedAnswer_IsTheEvaluationJsonItReplaced()
    {
        var ruleSet = RuleSetJson.Parse(JsonNode.Parse("""
            { "hitPolicy": "collect",
              "rules": [
                { "id": "big", "condition": "amount > 100 && (region == 'eu' || !vip)", "priority": 5, "action": { "type": "require_approval", "reason": "large order" } },
                { "id": "broken", "condition": "missing.field > 1", "action": { "type": "deny" } },
                { "id": "tag", "condition": "amount > 0", "action": { "type": "add_tag", "tag": "paid" } },
                { "id": "out", "condition": "true", "action": { "type": "set_outputs", "outputs": { "lane": "b" } } } ] }
            """));
        var run = new RuleRun("orders", 3, RuleEvaluator.Evaluate(ruleSet, new JsonObject { ["amount"] = 250, ["region"] = "us", ["vip"] = false }));

        var typed = JsonSerializer.Serialize(RuleSetTestResponse.From(run), Options);

        Assert.Contains("\"error\"", typed, StringComparison.Ordinal);
        Assert.Contains("\"parts\"", typed, StringComparison.Ordinal);
        Assert.Equal(JsonSerializer.Serialize(run.ToJson(), Options), typed);
    }

    /// <summary>What the endpoint answered before it was typed (the code it replaced, kept here as the oracle).</summary>
    private static JsonObject EvidenceAsBefore(TrustResolution resolution, KillSwitchView killSwitch, GateDecision gate)
    {
        var json = resolution.ToJson();
        json.Remove("proposalId");
        json["killSwitch"] = killSwitch.Engaged;
        json["gate"] = gate.ToJson();
        if (killSwitch.Engaged)
        {
            (json["mode"], json["runsWithoutWaiting"], json["why"]) = ("blocked", false, $"the kill switch is engaged: {killSwitch.Reason}");
        }

        return json;
    }
}
