using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Operations;

public sealed class HealthAndSettingsTests
{
    [Fact]
    public async Task Health_ReportsEachComponentWithItsFigures()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["OPS_SAMPLE_SECONDS"] = "1" });
        using var client = factory.CreateAdminClient();

        var health = (await client.GetFromJsonAsync<JsonObject>("/health"))!;
        var components = health["components"]!.AsObject();

        Assert.Equal(["audit_exporter", "cache", "database", "engine", "mcp"], components.Select(c => c.Key).Order(StringComparer.Ordinal));
        Assert.Equal("healthy", components["database"]!["status"]!.GetValue<string>());
        Assert.Empty(components["database"]!["data"]!["pendingMigrations"]!.AsArray());
        Assert.True(components["database"]!["data"]!["latencyMs"]!.GetValue<double>() >= 0);
        Assert.Equal("sqlite", components["database"]!["data"]!["provider"]!.GetValue<string>());
        Assert.Equal(16, components["engine"]!["data"]!["slots"]!.GetValue<int>());
        Assert.NotNull(components["engine"]!["data"]!["dueTasks"]);
        Assert.Equal("healthy", components["mcp"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ready_StillAnswersFromTheDatabaseCheck()
    {
        using var factory = new ControlTowerFactory();
        using var client = factory.CreateClient();

        var ready = (await client.GetFromJsonAsync<JsonObject>("/health/ready"))!;

        Assert.Equal("healthy", ready["status"]!.GetValue<string>());
        Assert.Equal(["database"], ready["checks"]!.AsObject().Select(c => c.Key));
    }

    [Fact]
    public async Task Settings_TellsModeFeaturesAndLimits_AndNoSecret()
    {
        const string scrapeKey = "scrape-key-0123456789abcdef";
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["METRICS_SCRAPE_KEY"] = scrapeKey, ["ENGINE_CONCURRENCY"] = "7" });
        using var client = factory.CreateAdminClient();

        var response = await client.GetAsync("/api/settings");
        var text = await response.Content.ReadAsStringAsync();
        var settings = JsonNode.Parse(text)!;

        Assert.Equal("development", settings["mode"]!.GetValue<string>());
        Assert.True(settings["features"]!["worker"]!.GetValue<bool>());
        Assert.True(settings["features"]!["metricsScrapeKey"]!.GetValue<bool>());
        Assert.Equal(7, settings["limits"]!["engineConcurrency"]!.GetValue<int>());
        Assert.DoesNotContain(scrapeKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ControlTowerFactory.AdminKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.DataDirectory, text, StringComparison.Ordinal);
    }
}
