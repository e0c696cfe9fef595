using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Governance;

/// <summary>Helpers over the approval, gate, rule set and audit endpoints.</summary>
internal static class GovernanceApi
{
    /// <summary>start → ask (approval) → approved / rejected / expired transform nodes.</summary>
    public static JsonObject ApprovalGraph(JsonObject approvalConfig) => Graph(
        [
            Node("start", "trigger.manual"),
            Node("ask", "approval", approvalConfig),
            Node("yes", "transform", new() { ["expression"] = "nodes.ask.output" }),
            Node("no", "transform", new() { ["expression"] = "nodes.ask.output" }),
            Node("late", "transform", new() { ["expression"] = "nodes.ask.output" }),
        ],
        [Edge("start", "ask"), Edge("ask", "yes", "approved"), Edge("ask", "no", "rejected"), Edge("ask", "late", "expired")]);

    /// <summary>Polls the inbox until the run has an approval in <paramref name="status"/>.</summary>
    public static async Task<JsonObject> WaitForApprovalAsync(HttpClient client, Guid runId, string status = "pending")
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var page = await client.GetFromJsonAsync<JsonObject>($"/api/approvals?runId={runId}&status={status}");
            if (page!["items"]!.AsArray().FirstOrDefault() is JsonObject approval)
            {
                return approval;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Run {runId} has no {status} approval.");
            }

            await Task.Delay(50);
        }
    }

    public static async Task<HttpResponseMessage> DecideAsync(HttpClient client, Guid approvalId, string decision, string? key = null, string? comment = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/approvals/{approvalId}/decisions")
        {
            Content = JsonContent.Create(new { decision, comment }),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }

    public static async Task<string> CodeAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"]!.GetValue<string>();

    public static async Task<List<JsonObject>> AuditAsync(HttpClient admin, string action)
    {
        var page = await admin.GetFromJsonAsync<JsonObject>($"/api/audit?action={action}&limit=500");
        return [.. page!["items"]!.AsArray().Cast<JsonObject>()];
    }

    public static async Task AssertAuditIntactAsync(HttpClient admin)
    {
        var verification = await admin.GetFromJsonAsync<JsonObject>("/api/audit/verify");
        Assert.True(verification!["intact"]!.GetValue<bool>(), verification.ToJsonString());
    }

    public static Guid Id(this JsonNode node) => node["id"]!.GetValue<Guid>();
}
