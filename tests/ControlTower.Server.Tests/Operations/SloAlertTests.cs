using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Server.Slos;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static ControlTower.Server.Tests.Operations.OperationsApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Operations;

/// <summary>
/// A failure burst walked through on a fake clock with real runs: the 1 h / 5 min page fires within the short window,
/// clears once the burn stops, every change is audited and reaches a real loopback webhook, signed, retried, once.
/// </summary>
public sealed class SloAlertTests(ITestOutputHelper output)
{
    private const string Secret = "alert-signing-secret-0123456789";
    private static readonly DateTimeOffset Start = new(2026, 12, 8, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Evaluate_ThroughAFailureBurst_PagesWithinTheShortWindowAndClearsAfterIt()
    {
        await using var receiver = await AlertReceiver.StartAsync(failFirst: 1);
        var clock = new FakeTimeProvider(Start);
        var sloFile = Path.Combine(Directory.CreateTempSubdirectory("controltower-slo-").FullName, "slos.json");
        await File.WriteAllTextAsync(sloFile, new JsonObject
        {
            ["version"] = 1,
            ["objectives"] = new JsonArray(new JsonObject { ["id"] = "runs-availability", ["kind"] = "availability", ["objective"] = 0.99, ["periodDays"] = 30 }),
            ["notifications"] = new JsonArray(new JsonObject { ["name"] = "oncall", ["url"] = receiver.Url, ["secretSetting"] = "ALERT_WEBHOOK_SECRET" }),
        }.ToJsonString());
        using var factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["SLO_FILE"] = sloFile,
            ["SLO_EVALUATION_SECONDS"] = "3600",
            ["SLO_WEBHOOK_BACKOFF_MILLISECONDS"] = "20",
            ["ALERT_WEBHOOK_SECRET"] = Secret,
        }).WithServices(services => services.AddSingleton<TimeProvider>(clock));
        using var client = factory.CreateAdminClient();
        var evaluator = factory.Services.GetRequiredService<SloEvaluator>();
        var workflow = await CreateWorkflowAsync(client, PassOrFailGraph());
        var timeline = new List<string>();
        var firing = new HashSet<string>();

        async Task MinuteAsync(int minute, int good, int bad)
        {
            clock.SetUtcNow(Start.AddMinutes(minute));
            for (var i = 0; i < good; i++)
            {
                await RunAsync(client, workflow, ok: true);
            }

            for (var i = 0; i < bad; i++)
            {
                await RunAsync(client, workflow, ok: false);
            }

            await evaluator.EvaluateAsync(CancellationToken.None);
            var alerts = (await client.GetFromJsonAsync<JsonObject>("/api/alerts"))!;
            var now = alerts["firing"]!.AsArray().Select(a => a!["rule"]!.GetValue<string>()).ToHashSet();
            foreach (var rule in now.Except(firing))
            {
                timeline.Add($"t+{minute:000}m fired    {rule}");
            }

            foreach (var rule in firing.Except(now))
            {
                timeline.Add($"t+{minute:000}m resolved {rule}");
            }

            firing.Clear();
            firing.UnionWith(now);
        }

        // An hour of healthy traffic, ten minutes where 4 of 5 runs fail, then healthy again.
        for (var minute = 0; minute < 60; minute++)
        {
            await MinuteAsync(minute, good: 1, bad: 0);
        }

        var healthyFiring = firing.Count;
        for (var minute = 60; minute < 70; minute++)
        {
            await MinuteAsync(minute, good: 1, bad: 4);
        }

        for (var minute = 70; minute <= 100; minute++)
        {
            await MinuteAsync(minute, good: 1, bad: 0);
        }

        output.WriteLine(string.Join('\n', timeline));
        var slos = (await client.GetFromJsonAsync<JsonObject>("/api/slos"))!;
        output.WriteLine(slos.ToJsonString());
        var audit = await client.GetStringAsync("/api/audit?actor=system:slo&limit=100");
        var deliveries = receiver.Taken.ToList();
        output.WriteLine(string.Join('\n', deliveries.Select(d => $"{d.Id} {d.Signature[..20]}…")));

        Assert.Equal(0, healthyFiring);
        var pageFired = Minute(timeline, "fired    page-1h");
        var pageResolved = Minute(timeline, "resolved page-1h");
        Assert.InRange(pageFired, 60, 65); // within the 5-minute short window of the burst's start
        Assert.InRange(pageResolved, 70, 75); // within the short window after the burn stopped
        Assert.Contains(timeline, line => line.EndsWith("fired    page-6h", StringComparison.Ordinal));
        Assert.Contains(timeline, line => line.EndsWith("resolved page-6h", StringComparison.Ordinal));
        Assert.Contains("ticket-3d", firing);

        // Audited: each firing and clearing.
        Assert.Equal(3, CountOf(audit, "\"slo.alert_fired\""));
        Assert.Equal(2, CountOf(audit, "\"slo.alert_resolved\""));

        // Notified once per alert and state (the first attempt was refused and retried), each signed with the secret.
        Assert.Equal(5, deliveries.Count);
        Assert.Equal(deliveries.Count, deliveries.Select(d => d.Id).Distinct().Count());
        Assert.Equal(deliveries.Count + 1, receiver.Attempts);
        Assert.All(deliveries, d => Assert.Equal(Sign(d.Timestamp, d.Body), d.Signature));
        Assert.Equal(["firing", "firing", "firing", "resolved", "resolved"], deliveries.Select(d => JsonNode.Parse(d.Body)!["state"]!.GetValue<string>()).Order());

        var status = slos["slos"]!.AsArray().Single()!;
        Assert.True(status["budgetRemaining"]!.GetValue<double>() < 0, "40 failures in 141 runs overspend a 1 % budget");
    }

    private static int Minute(List<string> timeline, string suffix) =>
        int.Parse(timeline.Single(line => line.EndsWith(suffix, StringComparison.Ordinal))[2..5], System.Globalization.CultureInfo.InvariantCulture);

    private static int CountOf(string text, string needle) => (text.Length - text.Replace(needle, "", StringComparison.Ordinal).Length) / needle.Length;

    private static string Sign(string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
}
