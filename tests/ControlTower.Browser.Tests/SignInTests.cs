using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>Outside demo mode the dashboard asks for an API key and sends it as a Bearer token.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const string AdminKey = "browser-test-admin-key-0123456789abcdef";

    [Fact]
    public async Task SignIn_WhenTheServerNeedsAKey_RejectsAWrongKeyAndAcceptsTheRightOne()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ENVIRONMENT"] = "development",
            ["ADMIN_API_KEY"] = AdminKey,
        });
        var page = await fixture.Context.NewPageAsync();
        var bearerSeen = false;
        page.Request += (_, request) => bearerSeen |= request.Url.Contains("/api/me", StringComparison.Ordinal)
            && request.Headers.TryGetValue("authorization", out var value) && value == $"Bearer {AdminKey}";

        await page.GotoAsync(new Uri(server.BaseAddress, "workflows").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.GetByLabel("API key").FillAsync("not-the-key-at-all-0000000000000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByText("That key was not accepted")).ToBeVisibleAsync();
        await Artifacts.ScreenshotAsync(page, "sign-in", output);

        await page.GetByLabel("API key").FillAsync(AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("identity")).ToContainTextAsync("admin");
        await Expect(page.GetByText("development", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Workflows", Exact = true })).ToBeVisibleAsync();
        Assert.True(bearerSeen, "the key was not sent as a Bearer token");
        await page.CloseAsync();
    }
}
