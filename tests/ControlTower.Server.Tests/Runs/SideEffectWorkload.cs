using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// What the crash and fault-injection tests run: a workflow with two side-effecting <c>http.request</c> nodes on
/// parallel branches, and real server processes tuned for fast lease takeover.
/// </summary>
internal static class SideEffectWorkload
{
    public static readonly string[] SideEffectNodes = ["charge", "notify"];

    public static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(60);

    public static JsonObject Graph(string endpoint, string? durability = null)
    {
        var sideEffect = new JsonObject { ["onUnknownOutcome"] = "retry" };
        return RunApi.Graph(
            [
                Node("start", "trigger.manual"),
                Node("prepare", "transform", new() { ["expression"] = "{'order': input.order, 'amount': input.order * 3}" }),
                Node("charge", "http.request", new()
                {
                    ["method"] = "POST",
                    ["url"] = $"{endpoint}/effects/charge",
                    ["body"] = "{'order': nodes.prepare.output.order, 'amount': nodes.prepare.output.amount}",
                    ["timeoutSeconds"] = 20,
                }, sideEffect),
                Node("receipt", "transform", new() { ["expression"] = "{'order': nodes.prepare.output.order, 'charged': nodes.charge.output.body.effect}" }),
                Node("notify", "http.request", new()
                {
                    ["method"] = "POST",
                    ["url"] = $"{endpoint}/effects/notify",
                    ["body"] = "{'order': nodes.prepare.output.order}",
                    ["timeoutSeconds"] = 20,
                }, sideEffect),
                Node("done", "transform", new() { ["expression"] = "{'order': nodes.receipt.output.order, 'charge': nodes.receipt.output.charged, 'notice': nodes.notify.output.body.effect}" }),
            ],
            [Edge("start", "prepare"), Edge("prepare", "charge"), Edge("charge", "receipt"), Edge("receipt", "done"), Edge("prepare", "notify"), Edge("notify", "done")],
            durability is null ? null : new JsonObject { ["durability"] = durability });
    }

    /// <summary>Starts a server process on the folder (and on <paramref name="databaseUrl"/> when given) and records it.</summary>
    public static async Task<ControlTowerServerProcess> StartServerAsync(
        string dataDirectory, List<ControlTowerServerProcess> servers, string? databaseUrl = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["HTTP_NODE_ALLOW"] = "127.0.0.1",
            ["ENGINE_LEASE_SECONDS"] = "2",
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "1000000",
            ["AUDIT_EXPORT_INTERVAL_SECONDS"] = "3600",
        };
        if (databaseUrl is not null)
        {
            settings["DATABASE_URL"] = databaseUrl;
        }

        var server = await ControlTowerServerProcess.StartAsync(dataDirectory, settings, ReadyWithin);
        servers.Add(server);
        return server;
    }

    /// <summary>
    /// Starts <paramref name="runs"/> runs on the processes in turn, eight at a time, each under the key
    /// <c>{keyPrefix}-{order}</c>; a start that fails (the process died or lost its database) is sent again, with the
    /// same key, to the next process. Returns the run id by key.
    /// </summary>
    public static async Task<Dictionary<string, Guid>> StartAllAsync(HttpClient[] clients, Guid workflowId, int runs, string keyPrefix, TimeSpan within)
    {
        using var gate = new SemaphoreSlim(8);
        var started = await Task.WhenAll(Enumerable.Range(0, runs).Select(async order =>
        {
            await gate.WaitAsync();
            try
            {
                return await StartOneAsync(clients, workflowId, order, $"{keyPrefix}-{order}", DateTime.UtcNow + within);
            }
            finally
            {
                gate.Release();
            }
        }));
        return started.ToDictionary(s => s.Key, s => s.Id);
    }

    private static async Task<(string Key, Guid Id)> StartOneAsync(HttpClient[] clients, Guid workflowId, int order, string key, DateTime deadline)
    {
        for (var attempt = order; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{workflowId}/runs") { Content = JsonContent.Create(new { input = new { order } }) };
            request.Headers.Add("Idempotency-Key", key);
            try
            {
                using var response = await clients[attempt % clients.Length].SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    return (key, (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>());
                }

                Assert.True((int)response.StatusCode >= 500, $"Start {order} was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
            {
                // The process died or lost its database under the request: the same key goes to the next one.
            }

            Assert.True(DateTime.UtcNow < deadline, $"Run {order} could not be started in time.");
            await Task.Delay(100);
        }
    }
}
