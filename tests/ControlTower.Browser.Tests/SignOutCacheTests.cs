using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests;

/// <summary>
/// Issue 12, finding 8 (dashboard half): the dashboard's data cache belongs to the signed-in identity. After one person
/// signs out on a tab, the next one signs in on the same tab (no reload) and sees only their own credentials; the
/// editor also follows the workflow's ownership (save, run and share only for those who may) and offers the share panel.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SignOutCacheTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const string AdminKey = "browser-test-admin-key-0123456789abcdef";

    [Fact]
    public async Task SignOut_WhenTheNextPersonSignsInOnTheSameTab_TheyDoNotSeeThePreviousPersonsCredentials()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ENVIRONMENT"] = "development",
            ["ADMIN_API_KEY"] = AdminKey,
        });
        using var admin = Client(server, AdminKey);
        var (aliceKey, _) = await UserAsync(admin, "alice");
        var (bobKey, _) = await UserAsync(admin, "bob");
        using var alice = Client(server, aliceKey);
        var credential = (await (await alice.PostAsJsonAsync("/api/credentials", new { name = "alice-payments", credentialType = "bearer_token", data = new { token = $"t-{Guid.NewGuid():N}" } }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var graph = new JsonObject
        {
            ["version"] = "1.0",
            ["nodes"] = new JsonArray(
                new JsonObject { ["id"] = "start", ["type"] = "trigger.manual", ["config"] = new JsonObject(), ["position"] = new JsonObject { ["x"] = 80, ["y"] = 80 } },
                new JsonObject
                {
                    ["id"] = "call",
                    ["type"] = "http.request",
                    ["config"] = new JsonObject { ["method"] = "GET", ["url"] = "http://127.0.0.1:9/x", ["credentialId"] = credential },
                    ["position"] = new JsonObject { ["x"] = 80, ["y"] = 300 }
                }),
            ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "call", ["sourceHandle"] = "success", ["targetHandle"] = "in" }),
        };
        var workflow = (await (await alice.PostAsJsonAsync("/api/workflows", new { name = "alice's payments", graph })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonObject>())!["workflow"]!["id"]!.GetValue<string>();
        var page = await fixture.Context.NewPageAsync();

        await page.GotoAsync(new Uri(server.BaseAddress, $"workflows/{workflow}").ToString());
        await SignInAsync(page, aliceKey, "alice");
        await page.GetByTestId("node-call").ClickAsync();
        await Expect(page.GetByTestId("credential-select").Locator("option", new() { HasText = "alice-payments" })).ToHaveCountAsync(1);
        await (await EditorBar.ActionAsync(page, "share-button")).ClickAsync();
        await page.GetByLabel("Role").SelectOptionAsync("viewer");
        await page.GetByTestId("share-add").ClickAsync();
        await Expect(page.GetByTestId("share-list")).ToContainTextAsync("viewer");
        await Artifacts.ScreenshotAsync(page, "share-panel", output);
        await page.Keyboard.PressAsync("Escape");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await SignInAsync(page, bobKey, "bob");
        await page.GetByTestId("node-call").ClickAsync();

        await Expect(page.GetByTestId("credential-select")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("credential-select").Locator("option", new() { HasText = "alice-payments" })).ToHaveCountAsync(0);
        await Expect(page.GetByText("This credential is not yours or shared with you")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("save-button")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("run-button")).ToBeDisabledAsync();
        await EditorBar.OpenMoreAsync(page);
        await Expect(page.GetByTestId("share-button")).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Escape");
        await Artifacts.ScreenshotAsync(page, "signed-in-as-bob", output);
        await page.CloseAsync();
    }

    private static async Task SignInAsync(IPage page, string key, string name)
    {
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("identity")).ToContainTextAsync(name);
        await Expect(page.GetByTestId("node-call")).ToBeVisibleAsync();
    }

    private static HttpClient Client(ServerProcess server, string key)
    {
        var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<(string Key, string Id)> UserAsync(HttpClient admin, string name)
    {
        var user = (await (await admin.PostAsJsonAsync("/api/users", new { name, role = "operator" })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!;
        var id = user["id"]!.GetValue<string>();
        var key = (await (await admin.PostAsJsonAsync("/api/api-keys", new { name = "browser", userId = id })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!;
        return (key["key"]!.GetValue<string>(), id);
    }
}
