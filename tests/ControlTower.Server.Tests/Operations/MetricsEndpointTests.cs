using System.Net;
using System.Net.Http.Headers;
using ControlTower.Server.Tests.Infrastructure;
using Xunit.Abstractions;
using static ControlTower.Server.Tests.Operations.OperationsApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Operations;

/// <summary><c>/metrics</c> over real HTTP after real runs: Prometheus names, units and types of the engine's instruments.</summary>
public sealed class MetricsEndpointTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scrape_AfterRuns_HasTheEngineInstrumentsWithTheirUnits()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["OPS_SAMPLE_SECONDS"] = "1" });
        using var client = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(client, PassOrFailGraph());
        Assert.Equal("completed", await RunAsync(client, workflow, ok: true));
        Assert.Equal("failed", await RunAsync(client, workflow, ok: false));
        var timed = await CreateWorkflowAsync(client, Graph(
            [Node("start", "trigger.manual"), Node("wait", "delay", new() { ["seconds"] = 1 }), Node("after", "transform", new() { ["expression"] = "'woke up'" })],
            [Edge("start", "wait"), Edge("wait", "after")]));
        await WaitForStatusAsync(client, await StartAsync(client, timed), "completed");

        var text = await ScrapeUntilAsync(client, "controltower_runs_failed_total{");
        output.WriteLine(string.Join('\n', text.Split('\n').Where(line => line.Contains("controltower_", StringComparison.Ordinal) && !line.Contains("_bucket{", StringComparison.Ordinal))));
        var lines = text.Split('\n');

        // Histograms: the unit is part of the name, with exponential (power-of-two) buckets.
        Assert.Contains("# TYPE controltower_run_duration_milliseconds histogram", lines);
        Assert.Contains("# TYPE controltower_node_duration_milliseconds histogram", lines);
        Assert.Contains("# TYPE controltower_queue_claim_delay_milliseconds histogram", lines);
        Assert.Contains(lines, l => l.StartsWith("controltower_run_duration_milliseconds_bucket{", StringComparison.Ordinal) && l.Contains("le=\"1024\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("controltower_node_duration_milliseconds_bucket{", StringComparison.Ordinal)
            && l.Contains($"workflow_id=\"{workflow}\"", StringComparison.Ordinal) && l.Contains("node_type=\"condition\"", StringComparison.Ordinal));

        // Counters by workflow, version and error code; never a run id.
        Assert.Contains("# TYPE controltower_runs_started_total counter", lines);
        Assert.Contains(lines, l => l.StartsWith("controltower_runs_completed_total{", StringComparison.Ordinal)
            && l.Contains($"workflow_id=\"{workflow}\"", StringComparison.Ordinal)
            && l.Contains("workflow_version=\"1\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("controltower_runs_failed_total{", StringComparison.Ordinal) && l.Contains($"error_code=\"{FailureCode}\"", StringComparison.Ordinal));
        Assert.DoesNotContain("run_id", text, StringComparison.Ordinal);

        // Gauges of the queue and the worker pool.
        Assert.Contains("# TYPE controltower_queue_due_tasks gauge", lines);
        Assert.Contains("# TYPE controltower_queue_running_attempts gauge", lines);
        Assert.Contains("# TYPE controltower_queue_parked gauge", lines);
        Assert.Contains("# TYPE controltower_worker_saturation gauge", lines);
        Assert.Contains(lines, l => l.StartsWith("controltower_worker_slots{", StringComparison.Ordinal) && l.EndsWith(" 16", StringComparison.Ordinal));

        // The standard instrumentation comes along.
        Assert.Contains(lines, l => l.StartsWith("# TYPE http_server_request_duration_seconds histogram", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("# TYPE dotnet_gc_collections_total counter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scrape_WhenAScrapeKeyIsConfigured_NeedsThatKeyAndNoApiKey()
    {
        const string key = "scrape-key-0123456789abcdef";
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["METRICS_SCRAPE_KEY"] = key, ["AUTH_BYPASS"] = "false" });
        using var anonymous = factory.CreateClient();

        var refused = await anonymous.GetAsync("/metrics");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Metrics", key);
        var scraped = await anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("auth.required", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("controltower_", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_WithoutAScrapeKey_NeedsAReader()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["AUTH_BYPASS"] = "false" });
        using var anonymous = factory.CreateClient();
        using var admin = factory.CreateAdminClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/metrics")).StatusCode);
    }

    /// <summary>The exporter caches a scrape briefly and gauges wait for the next sample: scrape until the series shows.</summary>
    private static async Task<string> ScrapeUntilAsync(HttpClient client, string needle)
    {
        var text = "";
        for (var attempt = 0; attempt < 50 && !text.Contains(needle, StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 200);
            var response = await client.GetAsync("/metrics");
            response.EnsureSuccessStatusCode();
            text = await response.Content.ReadAsStringAsync();
        }

        return text;
    }
}
