using ControlTower.Server.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// Two real server processes on one PostgreSQL database; one of them reaches the database through a loopback
/// TCP proxy that resets all its connections, or stalls them past the lease, while runs with side effects go on.
/// The other process takes over the cut-off one's tasks after their lease: every run must finish, every event
/// stream must be numbered 1..n, and every side effect must happen once per idempotency key.
/// </summary>
public sealed class PostgresFaultInjectionTests(ITestOutputHelper output)
{
    private const int Runs = 80;
    private static readonly TimeSpan FinishWithin = TimeSpan.FromSeconds(180);

    [Fact]
    [Trait("Category", "Crash")]
    public async Task Runs_WhenOneProcessLosesItsDatabaseConnections_AreTakenOverWithoutLossAndWithOneEffectPerKey()
    {
        var random = new Random(Environment.TickCount);
        await using var database = await PostgresDatabase.CreateAsync();
        await using var endpoint = await CountingEndpoint.StartAsync(maxDelay: TimeSpan.FromMilliseconds(50));
        var direct = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = true };
        await using var proxy = TcpFaultProxy.Start(direct.Host!, direct.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(direct.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 5, CommandTimeout = 10 };
        var folders = new[] { Directory.CreateTempSubdirectory("controltower-fault-a-").FullName, Directory.CreateTempSubdirectory("controltower-fault-b-").FullName };
        var servers = new List<ControlTowerServerProcess>();
        try
        {
            var steady = await SideEffectWorkload.StartServerAsync(folders[0], servers, direct.ConnectionString);
            var cutOff = await SideEffectWorkload.StartServerAsync(folders[1], servers, throughProxy.ConnectionString);
            var workflowId = await CreateWorkflowAsync(steady.Client, SideEffectWorkload.Graph(endpoint.BaseUrl), "fault injection");

            var starting = SideEffectWorkload.StartAllAsync([steady.Client, cutOff.Client], workflowId, Runs, "fault", FinishWithin);
            var faults = new List<string>();
            for (var fault = 0; fault < 4; fault++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 1200)));
                if (fault % 2 == 0)
                {
                    proxy.DropAll();
                    faults.Add("reset all connections");
                }
                else
                {
                    // Longer than the lease: the steady process must take the stalled one's tasks over.
                    using (proxy.Stall())
                    {
                        await Task.Delay(TimeSpan.FromSeconds(3));
                    }

                    faults.Add("stalled 3 s");
                }
            }

            var runIds = await starting;
            await WaitUntilAllFinishedAsync(database);
            var stored = await StoredRuns.LoadAsync(database);
            Report(faults, proxy, servers, endpoint, stored);

            // The cut-off process rides the faults out: no background service of it died with its connections.
            Assert.DoesNotContain(servers.SelectMany(s => s.Lines), l => l.Contains("BackgroundService failed", StringComparison.Ordinal));
            Assert.Equal(Runs, runIds.Values.Distinct().Count());
            Assert.Equal(Runs, stored.Runs.Count);
            Assert.All(stored.Runs, r => Assert.Equal("completed", r.Status));
            Assert.All(stored.Runs, run =>
            {
                var events = stored.Events.Where(e => e.RunId == run.Id).OrderBy(e => e.Seq).ToList();
                Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
                Assert.Single(events, e => e.Type is "complete" or "error");
            });
            Assert.DoesNotContain(stored.Executions.GroupBy(e => (e.RunId, e.NodeId, e.Attempt)), g => g.Count() > 1);
            Assert.Equal(0, endpoint.MissingKey);
            Assert.Equal(Runs * SideEffectWorkload.SideEffectNodes.Length, endpoint.Effects.Count);
            Assert.Equal(
                endpoint.Effects.Keys.Order(StringComparer.Ordinal),
                stored.Executions.Where(e => SideEffectWorkload.SideEffectNodes.Contains(e.NodeId)).Select(e => e.IdempotencyKey).Order(StringComparer.Ordinal));
        }
        finally
        {
            servers.ForEach(s => s.Dispose());
            NpgsqlConnection.ClearAllPools();
            foreach (var folder in folders)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static async Task WaitUntilAllFinishedAsync(PostgresDatabase database)
    {
        var deadline = DateTime.UtcNow + FinishWithin;
        while (await database.ScalarAsync<long>("SELECT COUNT(*) FROM runs WHERE \"Status\" IN ('completed', 'failed', 'cancelled')") < Runs)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Runs did not all finish within {FinishWithin}.");
            await Task.Delay(500);
        }
    }

    private void Report(List<string> faults, TcpFaultProxy proxy, List<ControlTowerServerProcess> servers, CountingEndpoint endpoint, StoredRuns stored)
    {
        var lines = servers.SelectMany(s => s.Lines).ToList();
        output.WriteLine($"faults: {string.Join(", ", faults)}; connections reset: {proxy.Dropped}");
        output.WriteLine($"runs: {stored.Runs.Count}, completed: {stored.Runs.Count(r => r.Status == "completed")}, events: {stored.Events.Count}, node executions: {stored.Executions.Count}");
        output.WriteLine($"side-effect deliveries: {endpoint.Deliveries.Values.Sum()}, keys: {endpoint.Deliveries.Count}, " +
            $"distinct effects: {endpoint.Effects.Count} (expected {Runs * SideEffectWorkload.SideEffectNodes.Length})");
        output.WriteLine($"intents found without a result (logged): {lines.Count(l => l.Contains("found an intent without a result", StringComparison.Ordinal))}, " +
            $"leases lost (logged): {lines.Count(l => l.Contains("Lost the lease", StringComparison.Ordinal))}");
        output.WriteLine($"error log lines: {servers.Sum(s => s.Errors.Count())}");
        foreach (var failed in servers.SelectMany(s => s.Lines).Where(l => l.Contains("BackgroundService failed", StringComparison.Ordinal)))
        {
            output.WriteLine(failed);
        }

        foreach (var (server, name) in servers.Zip(["steady", "cut off"]))
        {
            foreach (var kind in server.Lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, "\"category\":\"([^\"]+)\".*?\"message\":\"([^\"]{0,60})").Groups
                is var g ? $"{g[1].Value}: {g[2].Value}" : "")
                .CountBy(k => k))
            {
                output.WriteLine($"{name}: {kind.Value} x {kind.Key}");
            }
        }
    }

    private sealed record StoredRuns(List<StoredRuns.Run> Runs, List<StoredRuns.Event> Events, List<StoredRuns.Execution> Executions)
    {
        public sealed record Run(Guid Id, string Status);

        public sealed record Event(Guid RunId, long Seq, string Type);

        public sealed record Execution(Guid RunId, string NodeId, int Attempt, string IdempotencyKey);

        public static async Task<StoredRuns> LoadAsync(PostgresDatabase database)
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            return new(
                await ReadAsync(connection, "SELECT \"Id\", \"Status\" FROM runs", r => new Run(r.GetGuid(0), r.GetString(1))),
                await ReadAsync(connection, "SELECT \"RunId\", \"Seq\", \"Type\" FROM run_events", r => new Event(r.GetGuid(0), r.GetInt64(1), r.GetString(2))),
                await ReadAsync(connection, "SELECT \"RunId\", \"NodeId\", \"Attempt\", \"IdempotencyKey\" FROM node_executions",
                    r => new Execution(r.GetGuid(0), r.GetString(1), r.GetInt32(2), r.GetString(3))));
        }

        private static async Task<List<T>> ReadAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> row)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<T>();
            while (await reader.ReadAsync())
            {
                rows.Add(row(reader));
            }

            return rows;
        }
    }
}
