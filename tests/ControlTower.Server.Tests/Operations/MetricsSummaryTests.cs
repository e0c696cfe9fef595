using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Runs;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Operations.OperationsApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Operations;

/// <summary><c>GET /api/metrics/summary</c>: percentiles from the engine's own run instrument, counts and codes from the run table.</summary>
public sealed class MetricsSummaryTests
{
    // The rolling store's exponential buckets are 2^(1/8) wide, reported at their geometric middle.
    private const double RelativeError = 0.045;

    [Fact]
    public async Task Summary_WhenKnownDurationsWereRecorded_ReportsTheirPercentiles()
    {
        using var factory = new ControlTowerFactory();
        using var client = factory.CreateAdminClient();
        var metrics = factory.Services.GetRequiredService<EngineMetrics>();
        var workflow = Guid.NewGuid();
        for (var ms = 1; ms <= 1000; ms++)
        {
            metrics.RecordRunFinished(workflow, 1, errorCode: null, TimeSpan.FromMilliseconds(ms));
        }

        var summary = (await client.GetFromJsonAsync<JsonObject>("/api/metrics/summary?window=1h"))!;
        var latency = summary["process"]!["latency"]!;

        Assert.Equal("1h", summary["window"]!.GetValue<string>());
        Assert.Equal(1000, latency["count"]!.GetValue<long>());
        AssertNear(500, latency["p50"]!.GetValue<double>());
        AssertNear(950, latency["p95"]!.GetValue<double>());
        AssertNear(990, latency["p99"]!.GetValue<double>());
        Assert.Equal(1000, latency["max"]!.GetValue<double>());
        Assert.Equal(1000, summary["process"]!["completed"]!.GetValue<long>());
        Assert.Equal(1000.0 / 60, summary["process"]!["throughputPerMinute"]!.GetValue<double>(), precision: 6);
        Assert.Equal(60, summary["series"]!.AsArray().Count);
    }

    [Fact]
    public async Task Summary_AfterRealRuns_CountsThemInProcessAndFromTheRunTable()
    {
        using var factory = new ControlTowerFactory();
        using var client = factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(client, PassOrFailGraph());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("completed", await RunAsync(client, workflow, ok: true));
        }

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal("failed", await RunAsync(client, workflow, ok: false));
        }

        var summary = (await client.GetFromJsonAsync<JsonObject>("/api/metrics/summary?window=15m"))!;
        var process = summary["process"]!;
        var database = summary["database"]!;
        var error = database["errors"]!.AsArray().Single()!;

        Assert.Equal((5, 3, 2), (process["started"]!.GetValue<long>(), process["completed"]!.GetValue<long>(), process["failed"]!.GetValue<long>()));
        Assert.Equal((5, 3, 2), (database["started"]!.GetValue<long>(), database["completed"]!.GetValue<long>(), database["failed"]!.GetValue<long>()));
        Assert.Equal(0.4, database["errorRate"]!.GetValue<double>(), precision: 9);
        Assert.Equal((FailureCode, 2L), (error["code"]!.GetValue<string>(), error["count"]!.GetValue<long>()));
        Assert.Equal(5, database["latency"]!["count"]!.GetValue<long>());
        Assert.NotNull(summary["queue"]!["slots"]);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0m")]
    [InlineData("48h")]
    [InlineData("-5m")]
    public async Task Summary_WhenTheWindowIsNotAcceptable_Is400WithItsCode(string window)
    {
        using var factory = new ControlTowerFactory();
        using var client = factory.CreateAdminClient();

        var response = await client.GetAsync($"/api/metrics/summary?window={Uri.EscapeDataString(window)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("metrics.window_invalid", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static void AssertNear(double expected, double actual) =>
        Assert.InRange(actual, expected * (1 - RelativeError), expected * (1 + RelativeError));
}
