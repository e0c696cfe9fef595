using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>The editor's top bar at the widths people work at, and the decider picker of approval nodes and governed actions.</summary>
[Collection(BrowserCollection.Name)]
public sealed class EditorToolbarScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Toolbar_At1440_IsOneRowWithEveryAction_AndAt1024_FoldsTheRestIntoAKeyboardMenu()
    {
        var workflowId = await fixture.CreateWorkflowAsync($"A workflow with a rather long name for the bar {Guid.NewGuid():N}"[..60], ApprovalGraph(new { title = "Check it" }));
        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.SetViewportSizeAsync(1440, 900);
            await page.GotoAsync($"/workflows/{workflowId}");
            var bar = page.GetByTestId("editor-bar");
            await Expect(bar.GetByTestId("save-button")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(bar.GetByTestId("run-button")).ToBeVisibleAsync();
            await AssertOneRowAsync(page, 1440);
            var wide = await InlineActionsAsync(page);
            Assert.Contains("history-button", wide);
            await AssertEveryActionReachableAsync(page, wide);
            await Artifacts.ScreenshotAsync(page, "editor-toolbar-1440", output);

            // Narrower, more actions give way into "More" and the bar stays one row.
            await page.SetViewportSizeAsync(1024, 768);
            await Expect(bar.GetByTestId("toolbar-more")).ToBeVisibleAsync();
            await AssertOneRowAsync(page, 1024);
            var narrow = await InlineActionsAsync(page);
            Assert.True(narrow.Count < wide.Count, $"at 1024 px {narrow.Count} actions stay inline, at 1440 px {wide.Count}");
            await AssertEveryActionReachableAsync(page, narrow);

            // The menu works from the keyboard: Enter opens it on its first item, arrows move, Escape closes it.
            await bar.GetByTestId("toolbar-more").FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            var items = page.GetByTestId("toolbar-more-menu").Locator("[role^=menuitem]");
            await Expect(items.First).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("ArrowDown");
            await Expect(items.Nth(1)).ToBeFocusedAsync();
            await Artifacts.ScreenshotAsync(page, "editor-toolbar-1024-more", output);
            await page.Keyboard.PressAsync("Escape");
            await Expect(page.GetByTestId("toolbar-more-menu")).ToHaveCountAsync(0);
            await Expect(bar.GetByTestId("toolbar-more")).ToBeFocusedAsync();

            // Back to a wide screen, the folded actions come back inline.
            await page.SetViewportSizeAsync(1440, 900);
            await Expect(bar.GetByTestId("history-button")).ToBeVisibleAsync();
            Assert.Equal(wide, await InlineActionsAsync(page));
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task ApproverPicker_WhenRolesAndAPersonArePicked_TheyAreSavedAsTheApprovalsDeciders()
    {
        var workflowId = await fixture.CreateWorkflowAsync($"Pick {Guid.NewGuid():N}"[..16], ApprovalGraph(new { title = "Check it" }));
        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync($"/workflows/{workflowId}");
            await page.GetByTestId("node-gate").ClickAsync(new() { Timeout = 30_000 });
            var picker = page.GetByTestId("inspector").GetByTestId("approver-picker");
            await Expect(picker).ToBeVisibleAsync();
            await Expect(picker).ToContainTextAsync("Nobody chosen: admins and approvers decide");
            await picker.GetByTestId("approver-role-approver").CheckAsync();
            var add = picker.GetByTestId("approver-add-user");
            await Expect(add.Locator("option")).Not.ToHaveCountAsync(1);
            var person = (await add.Locator("option").Nth(1).GetAttributeAsync("value"))!;
            await add.SelectOptionAsync(person);
            await Expect(picker.GetByTestId("approver-user")).ToContainTextAsync(person);
            await Artifacts.ScreenshotAsync(page, "editor-approver-picker", output);

            await page.GetByTestId("save-button").ClickAsync();
            await page.GetByTestId("save-confirm").ClickAsync();
            await Expect(page.GetByTestId("version-label")).ToHaveTextAsync("v2");
            var saved = await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/workflows/{workflowId}");
            var approvers = saved.GetProperty("graph").GetProperty("nodes").EnumerateArray()
                .Single(n => n.GetProperty("id").GetString() == "gate").GetProperty("config").GetProperty("approvers");
            Assert.Equal(["approver"], approvers.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal([person], approvers.GetProperty("users").EnumerateArray().Select(r => r.GetString()));

            // Removing everyone leaves the node's approvers out, so the default deciders apply again.
            await picker.GetByRole(AriaRole.Button, new() { Name = $"Remove {person}" }).ClickAsync();
            await picker.GetByTestId("approver-role-approver").UncheckAsync();
            await Expect(page.GetByText("unsaved changes")).ToBeVisibleAsync();
            await Expect(picker.GetByTestId("approver-user")).ToHaveCountAsync(0);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task ApproverPicker_OnAGovernedAction_EditsTheDecidersOfItsApprovalBlock()
    {
        // The demo's dispense step, alone after a manual trigger, with its templates made plain so the copy stands on its own.
        var refill = await fixture.RefillGraphAsync();
        var dispense = refill["nodes"]!.AsArray().First(n => (string?)n!["id"] == "dispense")!.DeepClone();
        dispense["config"]!["arguments"] = new JsonObject { ["rx"] = "RX-9", ["drug"] = "amoxicillin", ["quantity"] = 10 };
        dispense["config"]!["approval"]!["title"] = "Verify RX-9";
        dispense["position"] = new JsonObject { ["x"] = 260, ["y"] = 0 };
        var graph = new JsonObject
        {
            ["version"] = "1.0",
            ["nodes"] = new JsonArray(
                new JsonObject { ["id"] = "start", ["type"] = "trigger.manual", ["config"] = new JsonObject(), ["position"] = new JsonObject { ["x"] = 0, ["y"] = 0 } },
                dispense),
            ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "dispense", ["sourceHandle"] = "success", ["targetHandle"] = "in" }),
        };
        var workflowId = await fixture.CreateWorkflowAsync($"Gov {Guid.NewGuid():N}"[..16], graph);
        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync($"/workflows/{workflowId}");
            await page.GetByTestId("node-dispense").ClickAsync(new() { Timeout = 30_000 });
            var picker = page.GetByTestId("inspector").GetByTestId("approver-picker");
            await Expect(picker.GetByTestId("approver-role-approver")).ToBeCheckedAsync();
            await picker.GetByTestId("approver-role-approver").UncheckAsync();
            var add = picker.GetByTestId("approver-add-user");
            await Expect(add.Locator("option")).Not.ToHaveCountAsync(1);
            var person = (await add.Locator("option").Nth(1).GetAttributeAsync("value"))!;
            await add.SelectOptionAsync(person);
            await Artifacts.ScreenshotAsync(page, "editor-governed-approver-picker", output);

            await page.GetByTestId("save-button").ClickAsync();
            await page.GetByTestId("save-confirm").ClickAsync();
            await Expect(page.GetByTestId("version-label")).ToHaveTextAsync("v2");
            var saved = await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/workflows/{workflowId}");
            var approval = saved.GetProperty("graph").GetProperty("nodes").EnumerateArray()
                .Single(n => n.GetProperty("id").GetString() == "dispense").GetProperty("config").GetProperty("approval");
            Assert.Equal("Verify RX-9", approval.GetProperty("title").GetString());
            Assert.Empty(approval.GetProperty("approvers").GetProperty("roles").EnumerateArray());
            Assert.Equal([person], approval.GetProperty("approvers").GetProperty("users").EnumerateArray().Select(r => r.GetString()));
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static readonly string[] Actions =
        ["toggle-palette", "toggle-inspector", "history-button", "releases-button", "describe-change", "export-button", "import-button"];

    private static async Task<List<string>> InlineActionsAsync(IPage page)
    {
        var inline = new List<string>();
        foreach (var action in Actions)
        {
            if (await page.GetByTestId("editor-bar").Locator($"> [data-testid={action}]").CountAsync() > 0)
            {
                inline.Add(action);
            }
        }

        return inline;
    }

    /// <summary>Each action is inline or in the "More" menu, never lost.</summary>
    private static async Task AssertEveryActionReachableAsync(IPage page, List<string> inline)
    {
        var more = page.GetByTestId("editor-bar").GetByTestId("toolbar-more");
        if (inline.Count == Actions.Length)
        {
            await Expect(more).ToHaveCountAsync(0);
            return;
        }

        await more.ClickAsync();
        foreach (var action in Actions.Except(inline))
        {
            await Expect(page.GetByTestId("toolbar-more-menu").GetByTestId(action)).ToBeVisibleAsync();
        }

        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("toolbar-more-menu")).ToHaveCountAsync(0);
    }

    private static async Task AssertOneRowAsync(IPage page, int width)
    {
        // After a resize the bar folds one action per render, so the check waits for it to settle (the assertions below name what is wrong).
        try
        {
            await page.WaitForFunctionAsync("""
                () => {
                  const bar = document.querySelector("[data-testid=editor-bar]");
                  return Math.max(...[...bar.children].map(c => c.getBoundingClientRect().right)) <= window.innerWidth + 0.5;
                }
                """, null, new() { Timeout = 10_000 });
        }
        catch (TimeoutException)
        {
            // Still too wide: the measurement below reports by how much.
        }

        var rows = await page.EvaluateAsync<JsonElement>("""
            () => {
              const bar = document.querySelector("[data-testid=editor-bar]");
              const tops = [...bar.children].filter(c => c.offsetParent !== null).map(c => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2));
              return {
                centres: [...new Set(tops)].length,
                spread: Math.max(...tops) - Math.min(...tops),
                right: Math.max(...[...bar.children].map(c => c.getBoundingClientRect().right)),
                width: bar.clientWidth,
                height: bar.getBoundingClientRect().height,
              };
            }
            """);
        var spread = rows.GetProperty("spread").GetInt32();
        var right = rows.GetProperty("right").GetDouble();
        var height = rows.GetProperty("height").GetDouble();
        Assert.True(spread <= 6, $"at {width} px the bar's items sit on different rows (centres {spread} px apart)");
        Assert.True(right <= width + 0.5, $"at {width} px the bar overflows to {right} px");
        Assert.True(height < 60, $"at {width} px the bar is {height} px high");
    }

    private static object ApprovalGraph(object gateConfig) => new
    {
        version = "1.0",
        nodes = new object[]
        {
            new { id = "start", type = "trigger.manual", config = new { }, position = new { x = 0, y = 0 } },
            new { id = "gate", type = "approval", config = gateConfig, position = new { x = 260, y = 0 } },
        },
        edges = new object[] { new { source = "start", target = "gate", sourceHandle = "success", targetHandle = "in" } },
    };
}
