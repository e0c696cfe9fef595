using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Core.Releases;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Releases.ReleaseApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Releases;

/// <summary>Trigger starts go through the release decision too: a webhook delivery's run pins the version the split gives its delivery key.</summary>
public sealed class ReleaseTriggerTests
{
    private static JsonObject Hook(int marker) => Graph(
        [Node("hook", "trigger.webhook", new() { ["respondMode"] = "immediately" }), Node("calc", "transform", new() { ["expression"] = $"{{'version': {marker}}}" })],
        [Edge("hook", "calc")]);

    [Fact]
    public async Task Webhook_UnderACanary_PinsTheVersionTheSplitGivesItsDeliveryAndActsAsThatVersionsAuthor()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50", ["SCHEDULE_TRIGGERS"] = "false", ["RELEASE_CHECKS"] = "false" });
        using var admin = factory.CreateAdminClient();
        using var anonymous = factory.CreateClient();
        var (editor, _, editorId) = await factory.CreateUserClientAsync($"editor.{Guid.NewGuid():N}", "operator");
        var workflow = await CreateWorkflowAsync(admin, Hook(1));
        var adminId = (await admin.GetFromJsonAsync<JsonObject>("/api/me"))!["id"]!.GetValue<Guid>();
        await ShareWorkflowAsync(admin, workflow, editorId, "editor");
        await SaveVersionAsync(editor, workflow, Hook(2), "version 2, saved by the editor");
        await PutReleaseAsync(admin, workflow, new { mode = "direct", version = 1 });
        await PutReleaseAsync(editor, workflow, new { mode = "canary", version = 2, steps = new[] { 50 } });

        var runs = new Dictionary<string, JsonObject>();
        for (var i = 0; i < 30; i++)
        {
            using var delivery = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{workflow}/hook") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            delivery.Headers.Add("X-Delivery-Id", $"d-{i}");
            using var response = await anonymous.SendAsync(delivery);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var runId = (await response.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<Guid>();
            runs[$"webhook:hook:d-{i}"] = await WaitForStatusAsync(admin, runId, "completed");
        }

        Assert.All(runs, pair =>
        {
            var version = ReleaseRouting.TakesCanary(workflow, pair.Key, 50) ? 2 : 1;
            Assert.Equal(version, pair.Value["workflowVersion"]!.GetValue<int>());
            Assert.Equal(version, NodeOutput(pair.Value, "calc")!["version"]!.GetValue<int>());
            Assert.Equal(version == 2 ? editorId : adminId, pair.Value["startedBy"]!.GetValue<Guid>());
        });
        Assert.Contains(runs.Values, r => r["workflowVersion"]!.GetValue<int>() == 1);
        Assert.Contains(runs.Values, r => r["workflowVersion"]!.GetValue<int>() == 2);
    }
}
