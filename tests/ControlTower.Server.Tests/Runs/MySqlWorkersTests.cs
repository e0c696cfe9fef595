using ControlTower.Server.Tests.Infrastructure;
using Xunit.Abstractions;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// Two real server processes share one MariaDB/MySQL database through the <c>FOR UPDATE SKIP LOCKED</c> claim, and one
/// of them is killed (SIGKILL) while runs with side effects go on. The other takes the dead one's tasks over after their
/// lease: every run must finish, every event stream must be numbered 1..n, no attempt may run twice, and every side
/// effect must happen once per idempotency key.
/// </summary>
public sealed class MySqlWorkersTests(ITestOutputHelper output)
{
    private const int Runs = 60;
    private static readonly TimeSpan FinishWithin = TimeSpan.FromSeconds(150);

    [Fact]
    [Trait("Category", "Crash")]
    public async Task Runs_WhenTwoProcessesClaimAndOneIsKilled_AllFinishWithOneExecutionPerAttemptAndOneEffectPerKey()
    {
        await using var database = await MySqlDatabase.CreateAsync();
        await using var endpoint = await CountingEndpoint.StartAsync(maxDelay: TimeSpan.FromMilliseconds(50));
        var folders = new[] { Directory.CreateTempSubdirectory("controltower-mysql-a-").FullName, Directory.CreateTempSubdirectory("controltower-mysql-b-").FullName };
        var servers = new List<ControlTowerServerProcess>();
        try
        {
            var survivor = await SideEffectWorkload.StartServerAsync(folders[0], servers, database.Url);
            var victim = await SideEffectWorkload.StartServerAsync(folders[1], servers, database.Url);
            var workflowId = await CreateWorkflowAsync(survivor.Client, SideEffectWorkload.Graph(endpoint.BaseUrl), "two workers on MySQL");

            var starting = SideEffectWorkload.StartAllAsync([survivor.Client, victim.Client], workflowId, Runs, "mysql", FinishWithin);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(800, 2000)));
            victim.Kill();
            var runIds = await starting;
            await WaitUntilAllFinishedAsync(database);
            var stored = await StoredRuns.LoadAsync(database);
            output.WriteLine($"runs: {stored.Runs.Count}, events: {stored.Events.Count}, node executions: {stored.Executions.Count}, " +
                $"deliveries: {endpoint.Deliveries.Values.Sum()}, distinct effects: {endpoint.Effects.Count}, error lines (survivor): {survivor.Errors.Count()}");

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
            foreach (var folder in folders)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static async Task WaitUntilAllFinishedAsync(MySqlDatabase database)
    {
        var deadline = DateTime.UtcNow + FinishWithin;
        while (await database.ScalarAsync<long>("SELECT COUNT(*) FROM runs WHERE \"Status\" IN ('completed', 'failed', 'cancelled')") < Runs)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Runs did not all finish within {FinishWithin}.");
            await Task.Delay(500);
        }
    }

    private sealed record StoredRuns(List<StoredRuns.Run> Runs, List<StoredRuns.Event> Events, List<StoredRuns.Execution> Executions)
    {
        public sealed record Run(Guid Id, string Status);

        public sealed record Event(Guid RunId, long Seq, string Type);

        public sealed record Execution(Guid RunId, string NodeId, int Attempt, string IdempotencyKey);

        public static async Task<StoredRuns> LoadAsync(MySqlDatabase database) => new(
            [.. (await database.QueryAsync("SELECT \"Id\", \"Status\" FROM runs")).Select(r => new Run(Id(r[0]), (string)r[1]!))],
            [.. (await database.QueryAsync("SELECT \"RunId\", \"Seq\", \"Type\" FROM run_events")).Select(r => new Event(Id(r[0]),
                Convert.ToInt64(r[1], System.Globalization.CultureInfo.InvariantCulture), (string)r[2]!))],
            [.. (await database.QueryAsync("SELECT \"RunId\", \"NodeId\", \"Attempt\", \"IdempotencyKey\" FROM node_executions"))
                .Select(r => new Execution(Id(r[0]), (string)r[1]!, Convert.ToInt32(r[2], System.Globalization.CultureInfo.InvariantCulture), (string)r[3]!))]);

        // MySql.Data reads a char(36) column as a Guid; a server or setting that keeps it text gives the string.
        private static Guid Id(object? value) => value is Guid id ? id : Guid.Parse((string)value!);
    }
}
