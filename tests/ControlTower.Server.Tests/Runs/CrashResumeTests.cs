using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using Xunit.Abstractions;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// The durability claim of DESIGN.md §2 against the real executable: runs with side-effecting
/// <c>http.request</c> nodes, the server killed with SIGKILL at random points and restarted on the
/// same data folder. Every run must finish, every event stream must be numbered 1..n, and every
/// side effect must happen once per idempotency key at a receiver that de-duplicates by key.
/// </summary>
public sealed class CrashResumeTests(ITestOutputHelper output)
{
    private const int Runs = 200;
    private static readonly TimeSpan FinishWithin = TimeSpan.FromSeconds(150);

    /// <summary>In both durability modes (Runs/README.md): coalesced checkpoints, and a commit after every node.</summary>
    [Theory]
    [InlineData("checkpoint")]
    [InlineData("step")]
    [Trait("Category", "Crash")]
    public async Task Runs_WhenServerIsKilledAtRandomPoints_AllCompleteWithGaplessEventsAndOneEffectPerKey(string durability)
    {
        var wall = Stopwatch.StartNew();
        var seed = Environment.TickCount;
        var random = new Random(seed);
        await using var endpoint = await CountingEndpoint.StartAsync(maxDelay: TimeSpan.FromMilliseconds(50));
        var dataDirectory = Directory.CreateTempSubdirectory("controltower-crash-").FullName;
        var servers = new List<ControlTowerServerProcess>();
        try
        {
            var current = await SideEffectWorkload.StartServerAsync(dataDirectory, servers);
            var workflowId = await CreateWorkflowAsync(current.Client, SideEffectWorkload.Graph(endpoint.BaseUrl, durability), "crash and resume");
            var starts = new StartCounters();
            var starting = StartAllAsync(() => Volatile.Read(ref current).Client, workflowId, starts);

            var kills = random.Next(3, 6);
            for (var kill = 0; kill < kills; kill++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 2001)));
                current.Kill();
                var restarted = await SideEffectWorkload.StartServerAsync(dataDirectory, servers);
                Volatile.Write(ref current, restarted);
            }

            var runIds = await starting;
            await WaitUntilAllFinishedAsync(Path.Combine(dataDirectory, "controltower.db"));
            current.Kill();
            var stored = await StoredRun.LoadAsync(Path.Combine(dataDirectory, "controltower.db"));
            wall.Stop();

            Report(seed, kills, servers, starts, endpoint, stored, wall.Elapsed);
            AssertEveryRunCompletedOnce(runIds, stored);
            AssertEventsAreNumberedWithoutGaps(stored);
            AssertOneExecutionPerAttempt(stored);
            AssertOneEffectPerKey(endpoint, stored);
        }
        finally
        {
            servers.ForEach(s => s.Dispose());
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>Two side effects on parallel branches joined by a transform, with transforms around them.</summary>
    private sealed class StartCounters
    {
        public int Failures;
        public int Replays;
    }

    /// <summary>
    /// Starts every run, eight at a time, each under its own idempotency key; a start that fails because
    /// the server died is sent again with the same key, which returns the run if the first one committed.
    /// </summary>
    private static async Task<Dictionary<string, Guid>> StartAllAsync(Func<HttpClient> client, Guid workflowId, StartCounters counters)
    {
        using var gate = new SemaphoreSlim(8);
        var started = await Task.WhenAll(Enumerable.Range(0, Runs).Select(async order =>
        {
            await gate.WaitAsync();
            try
            {
                return (Key: $"crash-{order}", Id: await StartUntilAcceptedAsync(client, workflowId, order, counters));
            }
            finally
            {
                gate.Release();
            }
        }));
        return started.ToDictionary(s => s.Key, s => s.Id);
    }

    private static async Task<Guid> StartUntilAcceptedAsync(Func<HttpClient> client, Guid workflowId, int order, StartCounters counters)
    {
        var deadline = DateTime.UtcNow + FinishWithin;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{workflowId}/runs")
            {
                Content = JsonContent.Create(new { input = new { order } }),
            };
            request.Headers.Add("Idempotency-Key", $"crash-{order}");
            try
            {
                using var response = await client().SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref counters.Replays);
                    }

                    return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
                }

                Assert.True((int)response.StatusCode >= 500, $"Start {order} was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
            {
                // The server died under the request, or is not up yet: send the same key again.
            }

            Interlocked.Increment(ref counters.Failures);
            Assert.True(DateTime.UtcNow < deadline, $"Run {order} could not be started within {FinishWithin}.");
            await Task.Delay(100);
        }
    }

    private async Task WaitUntilAllFinishedAsync(string database)
    {
        var deadline = DateTime.UtcNow + FinishWithin;
        while (true)
        {
            var statuses = (await Sqlite.QueryAsync(database, "SELECT Status, COUNT(*) FROM runs GROUP BY Status"))
                .ToDictionary(r => (string)r[0]!, r => (long)r[1]!);
            var finished = statuses.Where(s => s.Key is "completed" or "failed" or "cancelled").Sum(s => s.Value);
            if (finished == Runs)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Runs did not all finish within {FinishWithin}: {string.Join(", ", statuses.Select(s => $"{s.Key}={s.Value}"))}");
            }

            await Task.Delay(500);
        }
    }

    private void Report(int seed, int kills, List<ControlTowerServerProcess> servers, StartCounters starts, CountingEndpoint endpoint, StoredRun stored, TimeSpan wall)
    {
        var deliveries = endpoint.Deliveries;
        var lines = servers.SelectMany(s => s.Lines).ToList();
        output.WriteLine($"seed: {seed}, group commit: {Environment.GetEnvironmentVariable("ENGINE_GROUP_COMMIT") ?? "default (on)"}");
        output.WriteLine($"runs: {stored.Runs.Count}, completed: {stored.Runs.Count(r => r.Status == "completed")}");
        output.WriteLine($"kills (SIGKILL): {kills}, restarts: {servers.Count - 1}, server processes: {servers.Count}");
        output.WriteLine($"run starts re-sent after a failed request: {starts.Failures}, of which answered with an existing run (same key): {starts.Replays}");
        output.WriteLine($"events: {stored.Events.Count}, node executions: {stored.Executions.Count}");
        output.WriteLine($"side-effect deliveries: {deliveries.Values.Sum()}, keys: {deliveries.Count}, " +
            $"keys delivered more than once: {deliveries.Count(d => d.Value > 1)}, duplicate deliveries: {deliveries.Values.Sum(d => d - 1)}");
        output.WriteLine($"distinct effects: {endpoint.Effects.Count} (expected {Runs * SideEffectWorkload.SideEffectNodes.Length})");
        output.WriteLine($"intents found without a result after a crash (logged): {lines.Count(l => l.Contains("found an intent without a result", StringComparison.Ordinal))}");
        output.WriteLine($"leases lost (logged): {lines.Count(l => l.Contains("Lost the lease", StringComparison.Ordinal))}");
        var errors = servers.SelectMany(s => s.Errors).ToList();
        output.WriteLine($"error log lines: {errors.Count}");
        foreach (var error in errors.Take(5))
        {
            output.WriteLine(error);
        }

        output.WriteLine($"wall time: {wall.TotalSeconds:0.0} s");
    }

    private static void AssertEveryRunCompletedOnce(Dictionary<string, Guid> started, StoredRun stored)
    {
        Assert.Equal(Runs, started.Values.Distinct().Count());
        Assert.Equal(Runs, stored.Runs.Count);
        Assert.Equal(started.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => (s.Key, s.Value)),
            stored.Runs.OrderBy(r => r.IdempotencyKey, StringComparer.Ordinal).Select(r => (r.IdempotencyKey!, r.Id)));
        Assert.All(stored.Runs, r => Assert.Equal("completed", r.Status));
    }

    private static void AssertEventsAreNumberedWithoutGaps(StoredRun stored)
    {
        var byRun = stored.Events.ToLookup(e => e.RunId);
        Assert.All(stored.Runs, run =>
        {
            var events = byRun[run.Id].OrderBy(e => e.Seq).ToList();
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
            Assert.Equal("complete", events[^1].Type);
            Assert.Single(events, e => e.Type is "complete" or "error");
        });
    }

    private static void AssertOneExecutionPerAttempt(StoredRun stored)
    {
        Assert.DoesNotContain(stored.Executions.GroupBy(e => (e.RunId, e.NodeId, e.Attempt)), g => g.Count() > 1);
        Assert.All(stored.Executions.Where(e => SideEffectWorkload.SideEffectNodes.Contains(e.NodeId)), e =>
        {
            Assert.Equal("succeeded", e.Status);
            Assert.Equal($"{e.RunId}:{e.NodeId}:{e.Attempt}", e.IdempotencyKey);
        });
    }

    /// <summary>
    /// A key may be delivered more than once (a crash between intent and result re-sends the same attempt),
    /// but the receiver acts once per key, so there is exactly one effect per run and side-effecting node,
    /// and the run's recorded result is that effect.
    /// </summary>
    private static void AssertOneEffectPerKey(CountingEndpoint endpoint, StoredRun stored)
    {
        var effects = endpoint.Effects;
        var recordedKeys = stored.Executions.Where(e => SideEffectWorkload.SideEffectNodes.Contains(e.NodeId)).Select(e => e.IdempotencyKey).Order(StringComparer.Ordinal);
        Assert.Equal(0, endpoint.MissingKey);
        Assert.Equal(Runs * SideEffectWorkload.SideEffectNodes.Length, effects.Count);
        Assert.Equal(effects.Keys.Order(StringComparer.Ordinal), recordedKeys);
        Assert.Equal(effects.Count, effects.Values.Distinct().Count());
        Assert.All(stored.Runs, run =>
        {
            var output = JsonNode.Parse(run.Output!)!["done"]!;
            Assert.Equal(effects[$"{run.Id}:charge:{AttemptOf(stored, run.Id, "charge")}"], output["charge"]!.GetValue<int>());
            Assert.Equal(effects[$"{run.Id}:notify:{AttemptOf(stored, run.Id, "notify")}"], output["notice"]!.GetValue<int>());
        });
    }

    private static int AttemptOf(StoredRun stored, Guid runId, string nodeId) =>
        stored.Executions.Single(e => e.RunId == runId && e.NodeId == nodeId).Attempt;

    /// <summary>What the database holds after the last process died, read straight from the file.</summary>
    private sealed record StoredRun(List<StoredRun.Run> Runs, List<StoredRun.Event> Events, List<StoredRun.Execution> Executions)
    {
        public sealed record Run(Guid Id, string Status, string? IdempotencyKey, string? Output);

        public sealed record Event(Guid RunId, long Seq, string Type);

        public sealed record Execution(Guid RunId, string NodeId, int Attempt, string Status, string IdempotencyKey);

        public static async Task<StoredRun> LoadAsync(string database) => new(
            [.. (await Sqlite.QueryAsync(database, "SELECT Id, Status, IdempotencyKey, Output FROM runs"))
                .Select(r => new Run(Guid.Parse((string)r[0]!), (string)r[1]!, r[2] as string, r[3] as string))],
            [.. (await Sqlite.QueryAsync(database, "SELECT RunId, Seq, Type FROM run_events"))
                .Select(r => new Event(Guid.Parse((string)r[0]!), (long)r[1]!, (string)r[2]!))],
            [.. (await Sqlite.QueryAsync(database, "SELECT RunId, NodeId, Attempt, Status, IdempotencyKey FROM node_executions"))
                .Select(r => new Execution(Guid.Parse((string)r[0]!), (string)r[1]!, (int)(long)r[2]!, (string)r[3]!, (string)r[4]!))]);
    }
}
