using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>An approval that asks for a comment only to reject, decided in the inbox, then what its run did next.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApprovalDecisionScenarioTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Inbox_WhenTheApprovalAsksForACommentToReject_ApproveNeedsNoneAndTheRunIsFollowedAfterwards()
    {
        var item = $"crate-{Guid.NewGuid():N}"[..14];
        var workflowId = await fixture.CreateWorkflowAsync($"Ship {item}", new
        {
            version = "1.0",
            nodes = new object[]
            {
                new { id = "start", type = "trigger.manual", config = new { }, position = new { x = 0, y = 0 } },
                new
                {
                    id = "gate", type = "approval", position = new { x = 260, y = 0 },
                    config = new { title = "Ship {{ input.item }}", allowSelfApproval = true, commentRequired = "reject" },
                },
                new { id = "pack", type = "transform", config = new { expression = "'packed'" }, position = new { x = 520, y = 0 } },
                new { id = "ship", type = "transform", config = new { expression = "'shipped'" }, position = new { x = 780, y = 0 } },
            },
            edges = new object[]
            {
                new { source = "start", target = "gate", sourceHandle = "success", targetHandle = "in" },
                new { source = "gate", target = "pack", sourceHandle = "approved", targetHandle = "in" },
                new { source = "pack", target = "ship", sourceHandle = "success", targetHandle = "in" },
            },
        });
        using (var started = await fixture.Api.PostAsJsonAsync($"/api/workflows/{workflowId}/runs", new { input = new { item } }))
        {
            started.EnsureSuccessStatusCode();
        }

        var approvalId = await WaitForApprovalAsync(workflowId);
        // The server holds the same rule as the form: a rejection without a comment is refused with its own code.
        using (var bare = await fixture.Api.PostAsJsonAsync($"/api/approvals/{approvalId}/decisions", new { decision = "reject", comment = " " }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
            Assert.Contains("approval.comment_required", await bare.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var page = await fixture.Context.NewPageAsync();
        try
        {
            await page.GotoAsync("/approvals");
            var card = page.Locator("article", new() { HasText = $"Ship {item}" });
            await Expect(card).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(card).ToContainTextAsync("required to reject");
            await Expect(card.GetByTestId("reject")).ToBeDisabledAsync();
            await Expect(card.GetByTestId("approve")).ToBeEnabledAsync();
            await card.GetByTestId("decision-comment").FillAsync("Wrong address");
            await Expect(card.GetByTestId("reject")).ToBeEnabledAsync();
            await card.GetByTestId("decision-comment").FillAsync("");
            await Expect(card.GetByTestId("reject")).ToBeDisabledAsync();
            await Artifacts.ScreenshotAsync(page, "approval-comment-to-reject", output);

            await card.GetByTestId("approve").ClickAsync();
            // The decided card stays on top and follows the run: the nodes after the gate, then the finished run.
            var decided = page.GetByTestId("just-decided").Locator("article", new() { HasText = $"Ship {item}" });
            var next = decided.GetByTestId("what-next");
            await Expect(next.GetByTestId("what-next-run-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
            await Expect(next.Locator("[data-testid='what-next-step'][data-node='pack']")).ToContainTextAsync("succeeded");
            await Expect(next.Locator("[data-testid='what-next-step'][data-node='ship']")).ToContainTextAsync("succeeded");
            await Artifacts.ScreenshotAsync(page, "approval-what-happened-next", output);
            await next.GetByTestId("what-next-run").ClickAsync();
            await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("completed");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private async Task<string> WaitForApprovalAsync(string workflowId)
    {
        for (var i = 0; i < 120; i++)
        {
            var page = await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/approvals?status=pending&workflowId={workflowId}");
            if (page.GetProperty("items").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } approval)
            {
                return approval.GetProperty("id").GetString()!;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("The run opened no approval.");
    }
}
