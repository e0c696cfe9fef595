using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// Past a configured depth, run starts and webhook deliveries are refused at once with 503 <c>engine.overloaded</c>
/// and Retry-After; <c>/health/live</c> answers without authentication, the engine or the database.
/// </summary>
public sealed class LoadSheddingTests
{
    private static JsonObject Hooked(string respondMode = "immediately") => Graph(
        [
            Node("hook", "trigger.webhook", new() { ["respondMode"] = respondMode }),
            Node("wait", "delay", new() { ["seconds"] = 3600 }),
            Node("reply", "respond", new() { ["body"] = "'late'" }),
        ],
        [Edge("hook", "wait"), Edge("wait", "reply")]);

    [Fact]
    public async Task StartAndWebhook_WhenQueueDepthPassesTheLimit_Are503WithRetryAfterAndNeverHang()
    {
        // No worker in this process: every start leaves its first task due in the queue.
        using var factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["ENGINE_WORKER"] = "false",
            ["SHED_QUEUE_DEPTH"] = "2",
            ["SHED_QUEUE_SAMPLE_MILLISECONDS"] = "0",
            ["SHED_RETRY_AFTER_SECONDS"] = "7",
        });
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Hooked());

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage refused = null!;
        for (var i = 0; i < 6 && refused is null; i++)
        {
            var response = await admin.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input = new { i } });
            statuses.Add(response.StatusCode);
            refused = response.StatusCode == HttpStatusCode.ServiceUnavailable ? response : null!;
        }

        using var anonymous = factory.CreateClient();
        var webhook = await anonymous.PostAsJsonAsync($"/hooks/{workflow}/hook", new { rx = 1 });

        Assert.NotNull(refused);
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable], statuses);
        Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("engine.overloaded", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, webhook.StatusCode);
        Assert.NotNull(webhook.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/workflows/{workflow}")).StatusCode);
    }

    [Fact]
    public async Task Start_WhenTooManyStartsAreInProgress_Is503UntilOneFinishes()
    {
        // A respond_node webhook whose run cannot finish (no worker) stays in progress until its respond timeout.
        using var factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["ENGINE_WORKER"] = "false",
            ["SHED_MAX_CONCURRENT_STARTS"] = "1",
            ["WEBHOOK_RESPOND_TIMEOUT_SECONDS"] = "3",
        });
        using var admin = factory.CreateAdminClient();
        var waiting = await CreateWorkflowAsync(admin, Hooked("respond_node"), "held");
        var plain = await CreateWorkflowAsync(admin, Hooked(), "plain");
        using var anonymous = factory.CreateClient();

        var held = anonymous.PostAsJsonAsync($"/hooks/{waiting}/hook", new { rx = 1 });
        var load = factory.Services.GetRequiredService<ControlTower.Server.Runs.EngineLoad>();
        for (var i = 0; i < 200 && load.InProgress == 0 && !held.IsCompleted; i++)
        {
            await Task.Delay(10);
        }

        var inProgress = load.InProgress;
        var during = (await admin.PostAsJsonAsync($"/api/workflows/{plain}/runs", new { })).StatusCode;

        var heldAnswer = await held;
        var after = await admin.PostAsJsonAsync($"/api/workflows/{plain}/runs", new { });

        Assert.Equal(1, inProgress);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during);
        Assert.Equal(HttpStatusCode.Accepted, heldAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }

    [Fact]
    public async Task HealthLive_WhenRequestCarriesAnUnknownKey_AnswersWithoutAuthenticating()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["RATE_LIMIT_AUTH_FAILURES"] = "1" });
        using var guessing = factory.CreateClient("ct_abcdefghijkm_guessing");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await guessing.GetAsync("/health/live")).StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 3), statuses);
        Assert.Equal(HttpStatusCode.Unauthorized, (await guessing.GetAsync("/api/me")).StatusCode);
    }
}
