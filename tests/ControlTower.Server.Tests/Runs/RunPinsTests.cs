using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.NodeSwitches;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// Pinned node outputs over real HTTP, on SQLite and PostgreSQL: a manual test run's pinned tool answers with its pin and
/// the loopback endpoint behind it is never called; an ordinary run of the same version calls it; bad pins are refused.
/// </summary>
public sealed class RunPinsTests
{
    private static readonly Dictionary<string, string?> Settings = new() { ["ENGINE_POLL_MILLISECONDS"] = "50", ["HTTP_NODE_ALLOW"] = "127.0.0.1" };

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Pins_WhenATestRunPinsATool_TheToolIsNotCalledAndOnlyThatRunUsesThePin(string provider)
    {
        await using var endpoint = await GatedEndpoint.StartAsync();
        await using var postgres = provider == "postgres" ? await PostgresDatabase.CreateAsync() : null;
        using var factory = new ControlTowerFactory(Settings, postgres);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph(
            [
                Node("start", "trigger.manual"),
                Node("call", "http.request", new() { ["url"] = endpoint.Url("/fast") }),
                Node("shape", "transform", new() { ["expression"] = "{'rx': input.rx, 'call': nodes.call.output}" }),
            ],
            [Edge("start", "call"), Edge("call", "shape")]));

        using var started = await admin.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new
        {
            input = new { rx = "RX-1" },
            pins = new Dictionary<string, object> { ["call"] = new { status = 200, body = new { pinned = true } } },
        });
        var body = JsonNode.Parse(await started.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal("test", body["trigger"]!.GetValue<string>());
        var test = await WaitForStatusAsync(admin, body["id"]!.GetValue<Guid>(), "completed", "failed");

        Assert.Equal("completed", test.Status());
        Assert.Equal(0, endpoint.Calls);
        Assert.True(test.NodeOf("shape")["output"]!["call"]!["body"]!["pinned"]!.GetValue<bool>());

        // The same version, started without pins: an ordinary manual run, which calls the endpoint.
        var ordinary = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, new JsonObject { ["rx"] = "RX-2" }), "completed", "failed");
        Assert.Equal("completed", ordinary.Status());
        Assert.Equal("manual", ordinary["trigger"]!.GetValue<string>());
        Assert.Equal(1, endpoint.Calls);
        Assert.True(ordinary.NodeOf("shape")["output"]!["call"]!["body"]!["fast"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("start")]
    [InlineData("missing")]
    public async Task Pins_OnATriggerOrAnUnknownNode_AreRefused(string nodeId)
    {
        using var factory = new ControlTowerFactory(Settings);
        using var admin = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph([Node("start", "trigger.manual"), Node("t", "transform", new() { ["expression"] = "input" })], [Edge("start", "t")]));

        using var refused = await admin.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input = new { }, pins = new Dictionary<string, object> { [nodeId] = new { } } });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("run.pin_invalid", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
        Assert.Empty((await admin.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflow}"))!["items"]!.AsArray());
    }
}
