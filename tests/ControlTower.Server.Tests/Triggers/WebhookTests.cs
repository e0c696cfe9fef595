using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Core.Triggers;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Triggers;

public sealed class WebhookTests : IClassFixture<WebhookTests.App>
{
    private const string Secret = "whsec-0123456789abcdef";
    private readonly HttpClient _admin;
    private readonly HttpClient _anonymous;
    private readonly App _app;

    public WebhookTests(App app)
    {
        _app = app;
        _admin = app.Factory.CreateAdminClient();
        _anonymous = app.Factory.CreateClient(apiKey: null);
    }

    public sealed class App : IDisposable
    {
        internal ControlTowerFactory Factory { get; } = new(new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["WEBHOOK_MAX_BODY_BYTES"] = "2048",
            ["WEBHOOK_RESPOND_TIMEOUT_SECONDS"] = "3",
            ["CREDENTIAL_KEYS"] = CredentialApi.NewKey(),
        });

        public void Dispose() => Factory.Dispose();
    }

    private async Task<(Guid Workflow, string Url)> CreateHookAsync(bool signed = true, string respondMode = "immediately")
    {
        var trigger = new JsonObject { ["respondMode"] = respondMode };
        if (signed)
        {
            var credential = await CredentialApi.CreateAsync(_admin, $"hook secret {Guid.NewGuid():N}", "api_key", new { key = Secret });
            trigger["signature"] = new JsonObject { ["secretCredentialId"] = credential.ToString(), ["toleranceSeconds"] = 300 };
        }

        var graph = Graph(
            [
                Node("hook", "trigger.webhook", trigger),
                Node("order", "transform", new() { ["expression"] = "{'rx': input.body.rx, 'qty': input.body.qty * 2}" }),
                Node("reply", "respond", new()
                {
                    ["status"] = 201,
                    ["headers"] = new JsonObject { ["X-Refill"] = "{{ nodes.order.output.rx }}" },
                    ["body"] = "{'accepted': nodes.order.output.rx, 'qty': nodes.order.output.qty}",
                }),
            ],
            [Edge("hook", "order"), Edge("order", "reply")]);
        var workflow = await CreateWorkflowAsync(_admin, graph, "refill webhook");
        return (workflow, $"/hooks/{workflow}/hook");
    }

    private static HttpRequestMessage Delivery(string url, string body, long? timestamp, string? secret = Secret, string? deliveryId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (timestamp is { } ts)
        {
            request.Headers.Add("X-Timestamp", ts.ToString(CultureInfo.InvariantCulture));
            if (secret is not null)
            {
                request.Headers.Add("X-Signature", WebhookSignature.Prefix + WebhookSignature.Sign(secret, ts, body));
            }
        }

        if (deliveryId is not null)
        {
            request.Headers.Add("X-Delivery-Id", deliveryId);
        }

        return request;
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private async Task<int> RunCountAsync(Guid workflow) =>
        (await _admin.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflow}"))!["items"]!.AsArray().Count;

    [Fact]
    public async Task Webhook_WhenSignatureIsValid_StartsARunWithTheDeliveryAsInput()
    {
        var (workflow, url) = await CreateHookAsync();

        var response = await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-1","qty":3}""", Now));
        var accepted = await response.Content.ReadFromJsonAsync<JsonObject>();
        var run = await WaitForStatusAsync(_admin, accepted!["runId"]!.GetValue<Guid>(), "completed");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.False(accepted["duplicate"]!.GetValue<bool>());
        Assert.Equal("webhook", run["trigger"]!.GetValue<string>());
        Assert.Equal("RX-1", run["input"]!["body"]!["rx"]!.GetValue<string>());
        Assert.Equal("POST", run["input"]!["method"]!.GetValue<string>());
        Assert.Equal(6, run["output"]!["body"]!["qty"]!.GetValue<int>());
        Assert.Equal(1, await RunCountAsync(workflow));
    }

    [Fact]
    public async Task Webhook_WhenSignatureIsWrong_Is401AndStartsNothing()
    {
        var (workflow, url) = await CreateHookAsync();

        var wrongSecret = await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-2","qty":1}""", Now, secret: "not-the-secret"));
        var unsigned = await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-2","qty":1}""", Now, secret: null));
        var tampered = Delivery(url, """{"rx":"RX-2","qty":1}""", Now);
        tampered.Content = new StringContent("""{"rx":"RX-2","qty":1000}""", Encoding.UTF8, "application/json");
        var tamperedResponse = await _anonymous.SendAsync(tampered);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Equal("webhook.signature_invalid", await CredentialApi.ProblemCodeAsync(wrongSecret));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tamperedResponse.StatusCode);
        Assert.Equal("webhook.signature_invalid", await CredentialApi.ProblemCodeAsync(tamperedResponse));
        Assert.Equal(0, await RunCountAsync(workflow));
    }

    [Fact]
    public async Task Webhook_WhenTimestampIsOutsideTheWindow_Is401EvenWithAValidSignature()
    {
        var (workflow, url) = await CreateHookAsync();

        var replayed = await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-3","qty":1}""", Now - 3600, deliveryId: "d-old"));
        var future = await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-3","qty":1}""", Now + 3600));

        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal("webhook.timestamp_outside_window", await CredentialApi.ProblemCodeAsync(replayed));
        Assert.Equal("webhook.timestamp_outside_window", await CredentialApi.ProblemCodeAsync(future));
        Assert.Equal(0, await RunCountAsync(workflow));
    }

    [Fact]
    public async Task Webhook_WhenDeliveredTwice_ReturnsTheSameRunAndStartsOne()
    {
        var (workflow, url) = await CreateHookAsync();
        var timestamp = Now;

        var first = await (await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-4","qty":1}""", timestamp, deliveryId: "evt-42"))).Content.ReadFromJsonAsync<JsonObject>();
        var again = await (await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-4","qty":1}""", Now, deliveryId: "evt-42"))).Content.ReadFromJsonAsync<JsonObject>();
        // Without a delivery id, the same signed delivery (timestamp, signature, body) is recognised too.
        var unnamed = await (await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-5","qty":1}""", timestamp))).Content.ReadFromJsonAsync<JsonObject>();
        var unnamedAgain = await (await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-5","qty":1}""", timestamp))).Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(first!["runId"]!.GetValue<Guid>(), again!["runId"]!.GetValue<Guid>());
        Assert.True(again["duplicate"]!.GetValue<bool>());
        Assert.Equal(unnamed!["runId"]!.GetValue<Guid>(), unnamedAgain!["runId"]!.GetValue<Guid>());
        Assert.NotEqual(first["runId"]!.GetValue<Guid>(), unnamed["runId"]!.GetValue<Guid>());
        Assert.Equal(2, await RunCountAsync(workflow));
    }

    [Fact]
    public async Task Webhook_WhenRespondModeIsRespondNode_RepliesWithTheRespondNodesStatusHeadersAndBody()
    {
        var (workflow, url) = await CreateHookAsync(signed: false, respondMode: "respond_node");

        var response = await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-6","qty":5}""", timestamp: null));
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("RX-6", response.Headers.GetValues("X-Refill").Single());
        Assert.Equal("RX-6", body!["accepted"]!.GetValue<string>());
        Assert.Equal(10, body["qty"]!.GetValue<int>());
        Assert.Equal(1, await RunCountAsync(workflow));
    }

    [Fact]
    public async Task Webhook_WhenTheRunOutlastsTheRespondTimeout_Answers202WithTheRunId()
    {
        var graph = Graph(
            [
                Node("hook", "trigger.webhook", new() { ["respondMode"] = "respond_node" }),
                Node("wait", "delay", new() { ["seconds"] = 3600 }),
                Node("reply", "respond", new() { ["body"] = "'late'" }),
            ],
            [Edge("hook", "wait"), Edge("wait", "reply")]);
        var workflow = await CreateWorkflowAsync(_admin, graph, "slow webhook");

        var response = await _anonymous.SendAsync(Delivery($"/hooks/{workflow}/hook", "{}", timestamp: null));
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/runs/{body!["runId"]}", response.Headers.Location!.ToString());
        Assert.Equal("waiting", (await GetRunAsync(_admin, body["runId"]!.GetValue<Guid>())).Status());
    }

    [Fact]
    public async Task Webhook_WhenWorkflowIsDisabled_Is409WithItsCode()
    {
        var (workflow, url) = await CreateHookAsync(signed: false);
        (await _admin.PostAsJsonAsync($"/api/workflows/{workflow}/disable", new { reason = "pharmacy closed" })).EnsureSuccessStatusCode();

        var response = await _anonymous.SendAsync(Delivery(url, """{"rx":"RX-7","qty":1}""", timestamp: null));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("workflow.disabled", await CredentialApi.ProblemCodeAsync(response));
        Assert.Equal(0, await RunCountAsync(workflow));
    }

    [Fact]
    public async Task Webhook_WhenBodyIsOverTheLimitOrTheNodeIsUnknown_IsRefused()
    {
        var (workflow, url) = await CreateHookAsync(signed: false);

        var large = await _anonymous.SendAsync(Delivery(url, $$"""{"rx":"{{new string('x', 4096)}}","qty":1}""", timestamp: null));
        var unknownNode = await _anonymous.SendAsync(Delivery($"/hooks/{workflow}/order", "{}", timestamp: null));
        var unknownWorkflow = await _anonymous.SendAsync(Delivery($"/hooks/{Guid.NewGuid()}/hook", "{}", timestamp: null));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal("webhook.body_too_large", await CredentialApi.ProblemCodeAsync(large));
        Assert.Equal("webhook.not_found", await CredentialApi.ProblemCodeAsync(unknownNode));
        Assert.Equal(HttpStatusCode.NotFound, unknownWorkflow.StatusCode);
        Assert.Equal(0, await RunCountAsync(workflow));
    }
}
