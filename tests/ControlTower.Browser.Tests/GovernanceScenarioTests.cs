using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>The governance page: gates, the kill switch and rolling back a governed action against a real server-memory MCP server.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class GovernanceScenarioTests(BrowserFixture fixture, ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo memoryFolder = Directory.CreateTempSubdirectory("controltower-memory-");

    public void Dispose() => memoryFolder.Delete(recursive: true);

    [Fact]
    public async Task Governance_WhenAGateIsToggledAndTheKillSwitchEngaged_HistoryAndStateShow()
    {
        var actionType = $"browser.toggle-{Guid.NewGuid():N}"[..24];
        var scopeKey = $"workflow=*;node_type=governed.action;action_type={actionType}";
        await PutAsync("/api/gates", new { nodeType = "governed.action", actionType, authorized = false, reason = "seeded: a person approves" });
        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync("/governance");
            await Expect(page.GetByTestId("kill-switch-state")).ToHaveTextAsync("Released");
            var gate = page.Locator($"[data-testid='gate-row'][data-scope='{scopeKey}']");
            await Expect(gate.GetByRole(AriaRole.Switch)).ToHaveAttributeAsync("aria-checked", "false");

            // Flipping a gate asks for a reason first; the confirm button stays disabled without one.
            await gate.GetByRole(AriaRole.Switch).ClickAsync();
            await Expect(page.GetByTestId("reason-confirm")).ToBeDisabledAsync();
            await page.GetByTestId("reason").FillAsync("pilot: 50 approvals without a rejection");
            await page.GetByTestId("reason-confirm").ClickAsync();
            await Expect(gate.GetByRole(AriaRole.Switch)).ToHaveAttributeAsync("aria-checked", "true");
            var toggled = page.GetByTestId("history-row").Filter(new() { HasText = "pilot: 50 approvals without a rejection" });
            await Expect(toggled).ToContainTextAsync(RevokedToAuthorized());
            await Expect(toggled).ToContainTextAsync("admin");

            // Filtered to this scope, the history holds exactly the seeded state and the flip.
            await page.GetByTestId("history-scope").SelectOptionAsync(scopeKey);
            await Expect(page.GetByTestId("history-row")).ToHaveCountAsync(2);
            await Expect(page.GetByTestId("history-row").Last).ToContainTextAsync("seeded: a person approves");
            await Artifacts.ScreenshotAsync(page, "governance-gates", output);

            // A gate for a new scope from the form.
            var added = $"browser.added-{Guid.NewGuid():N}"[..23];
            await page.GetByTestId("add-gate").ClickAsync();
            await page.GetByTestId("gate-action-type").FillAsync(added);
            await page.GetByTestId("gate-reason").FillAsync("trusted from day one");
            await page.GetByTestId("gate-submit").ClickAsync();
            await Expect(page.Locator($"[data-testid='gate-row'][data-scope='workflow=*;node_type=governed.action;action_type={added}'] [role='switch']"))
                .ToHaveAttributeAsync("aria-checked", "true");

            await page.GetByTestId("kill-switch-toggle").ClickAsync();
            await page.GetByTestId("reason").FillAsync("incident drill INC-7");
            await page.GetByTestId("reason-confirm").ClickAsync();
            await Expect(page.GetByTestId("kill-switch-state")).ToHaveTextAsync("Engaged");
            await Expect(page.GetByTestId("kill-switch-last")).ToContainTextAsync("incident drill INC-7");
            await page.GetByTestId("history-scope").SelectOptionAsync("kill_switch");
            await Expect(page.GetByTestId("history-row").First).ToContainTextAsync(ReleasedToEngaged());
            await Artifacts.ScreenshotAsync(page, "governance-kill-switch-engaged", output);

            await page.GetByTestId("kill-switch-toggle").ClickAsync();
            await page.GetByTestId("reason").FillAsync("drill over");
            await page.GetByTestId("reason-confirm").ClickAsync();
            await Expect(page.GetByTestId("kill-switch-state")).ToHaveTextAsync("Released");
            await Expect(page.GetByTestId("history-row").First).ToContainTextAsync("drill over");
            await Artifacts.ScreenshotAsync(page, "governance-kill-switch-released", output);
        }
        finally
        {
            await page.CloseAsync();
            // The other scenarios share this server: never leave it with every governed action stopped.
            await PutAsync("/api/governance/kill-switch", new { engaged = false, reason = "browser scenario cleanup" });
        }

        var audit = await fixture.Api.GetStringAsync("/api/audit?action=governance.gate_set&limit=500");
        Assert.Contains("pilot: 50 approvals without a rejection", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Executions_WhenAReversibleActionRan_ItRollsBackFromThePageAndASecondRollbackShowsTheConflict()
    {
        var workflowId = await GovernedWorkflowAsync(windowSeconds: 3600);
        var undone = await ExecuteAsync(workflowId, "patient-undone");
        var refused = await ExecuteAsync(workflowId, "patient-twice");

        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync($"/governance?tab=executions&execution={undone}");
        var detail = page.GetByTestId("execution-detail");
        await Expect(detail.GetByTestId("execution-diff")).ToContainTextAsync("/entities/0");
        await Expect(detail.GetByTestId("execution-diff")).ToContainTextAsync("patient-undone");
        await Expect(page.Locator($"[data-execution='{undone}']").GetByTestId("countdown")).ToContainTextAsync("left");
        await Artifacts.ScreenshotAsync(page, "governance-execution-diff", output);

        await detail.GetByTestId("rollback").ClickAsync();
        await page.GetByTestId("reason").FillAsync("the patient withdrew the request");
        await page.GetByTestId("reason-confirm").ClickAsync();
        await Expect(page.Locator($"[data-execution='{undone}']")).ToContainTextAsync("rolled back");
        await Expect(detail.GetByTestId("rollback")).ToHaveCountAsync(0);
        await Expect(detail).ToContainTextAsync("the patient withdrew the request");
        var after = await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/executions/{undone}");
        Assert.Equal("rolled_back", after.GetProperty("status").GetString());
        Assert.Equal("the patient withdrew the request", after.GetProperty("rollbackReason").GetString());

        // Opened from the keyboard; then someone else rolls it back while this page still offers it: the 409 is shown, and the row catches up.
        await page.Locator($"[data-execution='{refused}']").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex($"execution={refused}"));
        await page.GetByTestId("execution-detail").GetByTestId("rollback").ClickAsync();
        using (var elsewhere = await fixture.Api.PostAsJsonAsync($"/api/executions/{refused}/rollback", new { reason = "rolled back from another desk" }))
        {
            Assert.True(elsewhere.IsSuccessStatusCode, await elsewhere.Content.ReadAsStringAsync());
        }

        await page.GetByTestId("reason").FillAsync("undo it twice");
        await page.GetByTestId("reason-confirm").ClickAsync();
        await Expect(page.GetByTestId("reason-dialog").GetByRole(AriaRole.Alert)).ToContainTextAsync("governance.already_rolled_back");
        await Expect(page.Locator($"[data-execution='{refused}']")).ToContainTextAsync("rolled back");
        await Expect(page.GetByTestId("reason-confirm")).ToBeDisabledAsync();
        await Artifacts.ScreenshotAsync(page, "governance-rollback-conflict", output);
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("reason-dialog")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("execution-detail")).ToContainTextAsync("rolled back from another desk");

        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Artifacts.ScreenshotAsync(page, "governance-executions-dark", output);
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" }).ClickAsync();
        await page.CloseAsync();
    }

    [Fact]
    public async Task Governance_WhenAViewerOpensIt_GatesAndTheKillSwitchAreReadOnly()
    {
        var actionType = $"browser.viewer-{Guid.NewGuid():N}"[..24];
        await PutAsync("/api/gates", new { nodeType = "governed.action", actionType, authorized = true, reason = "seen by a viewer" });
        var key = await ViewerKeyAsync();
        var page = await fixture.Context.NewPageAsync();
        // The key lives in this tab's sessionStorage only: the other scenarios stay the demo admin.
        await page.AddInitScriptAsync($"sessionStorage.setItem('ct.apiKey', '{key}')");
        await page.GotoAsync("/governance");
        await Expect(page.GetByTestId("identity")).ToContainTextAsync("viewer");
        await Expect(page.GetByTestId("kill-switch")).ToContainTextAsync("Only admins can engage or release it.");
        await Expect(page.GetByTestId("kill-switch-toggle")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("add-gate")).ToHaveCountAsync(0);
        await Expect(page.Locator($"[data-testid='gate-row'][data-scope$='action_type={actionType}'] [role='switch']")).ToBeDisabledAsync();
        await Artifacts.ScreenshotAsync(page, "governance-viewer", output);
        await page.GetByTestId("tab-dry-run").ClickAsync();
        await Expect(page.GetByText("Dry runs are for operators and admins")).ToBeVisibleAsync();
        await page.CloseAsync();
    }

    private async Task<string> ViewerKeyAsync()
    {
        using var user = await fixture.Api.PostAsJsonAsync("/api/users", new { name = $"viewer.{Guid.NewGuid():N}"[..15], role = "viewer" });
        var userBody = await user.Content.ReadAsStringAsync();
        Assert.True(user.IsSuccessStatusCode, userBody);
        using var key = await fixture.Api.PostAsJsonAsync("/api/api-keys", new { name = "governance page", userId = JsonNode.Parse(userBody)!["id"]!.GetValue<string>() });
        var keyBody = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, keyBody);
        return JsonNode.Parse(keyBody)!["key"]!.GetValue<string>();
    }

    [Fact]
    public async Task Executions_WhenTheUndoWindowCloses_TheRollbackButtonGoesAway()
    {
        var execution = await ExecuteAsync(await GovernedWorkflowAsync(windowSeconds: 15), "patient-late");
        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync($"/governance?tab=executions&execution={execution}");
        var row = page.Locator($"[data-execution='{execution}']");
        await Expect(page.GetByTestId("execution-detail").GetByTestId("rollback")).ToBeVisibleAsync();
        await Expect(row.GetByTestId("countdown")).ToContainTextAsync(" s left");

        await Expect(row).ToContainTextAsync("window closed", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("execution-detail").GetByTestId("rollback")).ToHaveCountAsync(0);
        await Artifacts.ScreenshotAsync(page, "governance-window-closed", output);
        await page.CloseAsync();
    }

    [Fact]
    public async Task DryRun_WhenTheServerIsUnknown_ShowsTheVerdictAndTheFailedCheck()
    {
        var page = await fixture.Context.NewPageAsync();
        await page.GotoAsync("/governance?tab=dry-run");
        await page.GetByTestId("dry-action-type").FillAsync("refill.dispense");
        await page.GetByTestId("dry-server").FillAsync("nowhere");
        await page.GetByTestId("dry-tool").FillAsync("dispense");
        await page.GetByTestId("dry-arguments").FillAsync("{\"rx\": \"RX-1\"}");
        await page.GetByTestId("dry-submit").ClickAsync();

        var result = page.GetByTestId("dry-run-result");
        await Expect(result).ToContainTextAsync("Would not run");
        await Expect(result).ToContainTextAsync("approval required");
        await Expect(result).ToContainTextAsync("no MCP server 'nowhere' is registered");
        await Artifacts.ScreenshotAsync(page, "governance-dry-run", output);
        await page.CloseAsync();
    }

    /// <summary>A workflow whose governed action creates a server-memory entity, undoable for <paramref name="windowSeconds"/>, authorized by a gate.</summary>
    private async Task<string> GovernedWorkflowAsync(int windowSeconds)
    {
        var server = $"memory-{Guid.NewGuid():N}"[..15];
        using (var registered = await fixture.Api.PostAsJsonAsync("/api/mcp/servers", new
        {
            id = server,
            name = "Memory (governance scenario)",
            transport = "stdio",
            command = "node",
            args = new[] { McpReferenceServers.Memory },
            env = new Dictionary<string, string> { ["MEMORY_FILE_PATH"] = Path.Combine(memoryFolder.FullName, $"{server}.jsonl") },
        }))
        {
            Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        }

        var workflowId = await fixture.CreateWorkflowAsync($"Governed memory {server}", ActionGraph(server, windowSeconds));
        await PutAsync("/api/gates", new { workflowId, nodeType = "governed.action", actionType = "memory.create", authorized = true, reason = "browser scenario: automation trusted" });
        return workflowId;
    }

    private static JsonObject ActionGraph(string server, int windowSeconds) => new()
    {
        ["version"] = "1.0",
        ["nodes"] = new JsonArray(
            new JsonObject { ["id"] = "start", ["type"] = "trigger.manual", ["config"] = new JsonObject() },
            new JsonObject
            {
                ["id"] = "act",
                ["type"] = "governed.action",
                ["config"] = new JsonObject
                {
                    ["actionType"] = "memory.create",
                    ["server"] = server,
                    ["tool"] = "create_entities",
                    ["arguments"] = new JsonObject
                    {
                        ["entities"] = new JsonArray(new JsonObject { ["name"] = "{{ input.name }}", ["entityType"] = "patient", ["observations"] = new JsonArray("refill") }),
                    },
                    ["readState"] = new JsonObject { ["tool"] = "read_graph", ["arguments"] = new JsonObject() },
                    ["compensation"] = new JsonObject
                    {
                        ["tool"] = "delete_entities",
                        ["arguments"] = new JsonObject { ["entityNames"] = new JsonArray("{{ input.name }}") },
                        ["windowSeconds"] = windowSeconds,
                    },
                },
            },
            new JsonObject { ["id"] = "done", ["type"] = "transform", ["config"] = new JsonObject { ["expression"] = "nodes.act.output" } }),
        ["edges"] = new JsonArray(Edge("start", "act"), Edge("act", "done")),
    };

    private static JsonObject Edge(string source, string target) =>
        new() { ["source"] = source, ["target"] = target, ["sourceHandle"] = "success", ["targetHandle"] = "in" };

    /// <summary>Runs the workflow to completion over the API and answers the id of the execution it recorded.</summary>
    private async Task<string> ExecuteAsync(string workflowId, string name)
    {
        using var started = await fixture.Api.PostAsJsonAsync($"/api/workflows/{workflowId}/runs", new { input = new { name } });
        var body = await started.Content.ReadAsStringAsync();
        Assert.True(started.IsSuccessStatusCode, body);
        var runId = JsonNode.Parse(body)!["id"]!.GetValue<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonNode run;
        do
        {
            await Task.Delay(250);
            run = JsonNode.Parse(await fixture.Api.GetStringAsync($"/api/runs/{runId}"))!;
        }
        while (run["status"]!.GetValue<string>() is not ("completed" or "failed" or "cancelled") && DateTime.UtcNow < deadline);

        Assert.True(run["status"]!.GetValue<string>() == "completed", run.ToJsonString());
        var executions = JsonNode.Parse(await fixture.Api.GetStringAsync($"/api/executions?runId={runId}"))!.AsArray();
        return Assert.Single(executions)!["id"]!.GetValue<string>();
    }

    private async Task PutAsync(string path, object body)
    {
        using var response = await fixture.Api.PutAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex(@"revoked\s*→\s*authorized")]
    private static partial Regex RevokedToAuthorized();

    [GeneratedRegex(@"released\s*→\s*engaged")]
    private static partial Regex ReleasedToEngaged();
}
