using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Governance;

public sealed class RuleSetApiTests
{
    private static JsonNode Definition(string hitPolicy = "first", string threshold = "100") => JsonNode.Parse($$"""
        { "hitPolicy": "{{hitPolicy}}",
          "inputSchema": { "type": "object", "properties": { "amount": { "type": "number" }, "region": { "type": "string" } } },
          "rules": [
            { "id": "big", "condition": "amount > {{threshold}} && region == 'eu'", "priority": 5, "action": { "type": "route", "outcome": "review", "reason": "large EU order" } },
            { "id": "tag", "condition": "amount > 0", "action": { "type": "add_tag", "tag": "paid" } } ] }
        """)!;

    [Fact]
    public async Task Crud_WhenSavedTwice_KeepsBothVersionsAndRejectsInvalidDefinitions()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();

        var created = await admin.PostAsJsonAsync("/api/rule-sets", new { id = "orders", definition = Definition(), message = "first" });
        var updated = await admin.PutAsJsonAsync("/api/rule-sets/orders", new { definition = Definition(threshold: "500"), message = "raise threshold" });
        var invalid = await admin.PostAsJsonAsync("/api/rule-sets", new
        {
            id = "broken",
            definition = JsonNode.Parse("""{ "inputSchema": { "properties": { "a": {} } }, "rules": [ { "id": "x", "condition": "b >", "action": { "type": "deny" } }, """ +
                """{ "id": "y", "condition": "c > 1", "action": { "type": "deny" } } ] }"""),
        });
        var duplicate = await admin.PostAsJsonAsync("/api/rule-sets", new { id = "orders", definition = Definition() });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(2, (await updated.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = JsonNode.Parse(await invalid.Content.ReadAsStringAsync())!;
        Assert.Equal("rules.definition_invalid", problem["code"]!.GetValue<string>());
        Assert.Contains("rules.condition_invalid", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("rules.condition_undeclared", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        var versions = await admin.GetFromJsonAsync<JsonArray>("/api/rule-sets/orders/versions");
        Assert.Equal([2, 1], versions!.Select(v => v!["version"]!.GetValue<int>()));
        var first = await admin.GetFromJsonAsync<JsonObject>("/api/rule-sets/orders?version=1");
        Assert.StartsWith("amount > 100", first!["definition"]!["rules"]![0]!["condition"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_WhenEvaluatedAgainstSampleInput_ReturnsMatchesWithWhyAndIsAudited()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        (await admin.PostAsJsonAsync("/api/rule-sets", new { id = "orders", definition = Definition("collect") })).EnsureSuccessStatusCode();

        var response = await admin.PostAsJsonAsync("/api/rule-sets/orders/test", new { input = new { amount = 150, region = "us" } });

        var result = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["tag"], result["matched"]!.AsArray().Select(m => m!["ruleId"]!.GetValue<string>()));
        var big = result["evaluated"]!.AsArray().Single(e => e!["ruleId"]!.GetValue<string>() == "big")!;
        Assert.False(big["matched"]!.GetValue<bool>());
        Assert.Equal([true, false], big["why"]!["parts"]!.AsArray().Select(p => p!["value"]!.GetValue<bool>()));
        var audited = Assert.Single(await AuditAsync(admin, "rules.evaluated"));
        Assert.Equal("user:admin", audited["actor"]!.GetValue<string>());
        Assert.Equal("rule set test", audited["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task RulesNode_WhenRouteRuleMatches_LeavesThroughTheRouteElseMatchedOrUnmatched()
    {
        using var factory = new ControlTowerFactory();
        using var admin = factory.CreateAdminClient();
        (await admin.PostAsJsonAsync("/api/rule-sets", new { id = "orders", definition = Definition() })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/rule-sets", new
        {
            id = "strict",
            definition = JsonNode.Parse("""{ "hitPolicy": "unique", "rules": [ { "id": "a", "condition": "amount > 1", "action": { "type": "deny" } }, """ +
                """{ "id": "b", "condition": "amount > 2", "action": { "type": "deny" } } ] }"""),
        })).EnsureSuccessStatusCode();
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("decide", "rules", new() { ["ruleSetId"] = "orders", ["routes"] = new JsonArray(new JsonObject { ["name"] = "review" }) }),
                Node("review", "transform", new() { ["expression"] = "'review'" }),
                Node("matched", "transform", new() { ["expression"] = "nodes.decide.output.tags" }),
                Node("unmatched", "transform", new() { ["expression"] = "'none'" }),
            ],
            [Edge("start", "decide"), Edge("decide", "review", "review"), Edge("decide", "matched", "matched"), Edge("decide", "unmatched", "unmatched")]);
        var workflow = await CreateWorkflowAsync(admin, graph);
        var strict = await CreateWorkflowAsync(admin, Graph([Node("start", "trigger.manual"), Node("decide", "rules", new() { ["ruleSetId"] = "strict" })], [Edge("start", "decide")]));

        var review = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["amount"] = 500, ["region"] = "eu" }), "completed", "failed");
        var matched = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["amount"] = 5, ["region"] = "eu" }), "completed", "failed");
        var unmatched = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["amount"] = 0, ["region"] = "eu" }), "completed", "failed");
        var violated = await WaitForStatusAsync(admin, await StartAsync(admin, strict, new JsonObject { ["amount"] = 5 }), "completed", "failed");

        Assert.Equal("review", review["output"]!["review"]!.GetValue<string>());
        Assert.Equal("paid", matched["output"]!["matched"]![0]!.GetValue<string>());
        Assert.Equal("none", unmatched["output"]!["unmatched"]!.GetValue<string>());
        Assert.Equal("failed", violated.Status());
        Assert.Equal("rules.unique_violation", violated["error"]!["code"]!.GetValue<string>());
        Assert.Single(await AuditAsync(admin, "rules.evaluation_failed"));
    }
}
