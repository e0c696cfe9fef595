using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Server.Audit;
using ControlTower.Server.Blobs;
using ControlTower.Server.Governance;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Retention;
using ControlTower.Server.Runs;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Retention;

/// <summary>
/// Retention over real runs, on SQLite and PostgreSQL: a workflow's own count limit, then the global age limit seen from
/// 31 days later. What must stay stays: runs a person holds, runs with an open approval or an execution that can still be
/// rolled back, blobs another kept run shares, and every audit entry; the dry run reports exactly what the real one removes.
/// </summary>
public sealed class RetentionTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["ENGINE_POLL_MILLISECONDS"] = "50",
        ["BLOB_THRESHOLD_BYTES"] = "1024",
        ["RETENTION_PRUNE"] = "false",
        ["RETENTION_BATCH_SIZE"] = "2",
    };

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Prune_KeepsWhatIsReferencedAndRemovesTheRestWithTheirBlobs(string provider)
    {
        await using var postgres = provider == "postgres" ? await PostgresDatabase.CreateAsync() : null;
        using var factory = new ControlTowerFactory(Settings, postgres);
        using var admin = factory.CreateAdminClient();
        var echo = Graph([Node("start", "trigger.manual"), Node("echo", "transform", new() { ["expression"] = "{'n': input.n}" })], [Edge("start", "echo")]);
        var everyDay = await CreateWorkflowAsync(admin, echo, "global policy");
        var lastTwo = await CreateWorkflowAsync(admin, Graph(echo["nodes"]!.DeepClone().AsArray(), echo["edges"]!.DeepClone().AsArray(),
            new() { ["retention"] = new JsonObject { ["maxRuns"] = 2 } }), "keeps two");

        var shared = new JsonObject { ["n"] = 1, ["text"] = LargeText() };
        var plain = await RunAsync(admin, everyDay, new JsonObject { ["n"] = 0 });
        var held = await RunAsync(admin, everyDay, new JsonObject { ["n"] = 2 });
        var sharesBlobWithHeld = await RunAsync(admin, everyDay, shared);
        var heldWithBlob = await RunAsync(admin, everyDay, (JsonObject)shared.DeepClone());
        var ownBlob = await RunAsync(admin, everyDay, new JsonObject { ["n"] = 3, ["text"] = LargeText() });
        var awaitingApproval = await RunAsync(admin, everyDay, new JsonObject { ["n"] = 4 });
        var rollbackOpen = await RunAsync(admin, everyDay, new JsonObject { ["n"] = 5 });
        var rollbackClosed = await RunAsync(admin, everyDay, new JsonObject { ["n"] = 6 });
        var counted = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            counted.Add(await RunAsync(admin, lastTwo, new JsonObject { ["n"] = 10 + i }));
        }

        foreach (var run in new[] { held, heldWithBlob })
        {
            using var hold = await admin.PutAsJsonAsync($"/api/runs/{run}/hold", new { reason = "incident review" });
            Assert.Equal(HttpStatusCode.OK, hold.StatusCode);
        }

        var now = DateTime.UtcNow;
        await AddGovernanceRecordsAsync(factory, everyDay, awaitingApproval, rollbackOpen, rollbackClosed, now);
        var sharedBlob = await BlobsOfAsync(factory, heldWithBlob);
        var ownBlobs = await BlobsOfAsync(factory, ownBlob);
        Assert.Single(sharedBlob);
        Assert.Single(ownBlobs);
        var auditBefore = await CountAsync<AuditEntryEntity>(factory);

        // Now: only the workflow that keeps two loses its two oldest runs.
        var first = await PrunerAt(factory, now).PruneAsync(dryRun: false, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(2, first!.Runs);
        Assert.Equal(counted[2..], await RunsOfAsync(factory, lastTwo));
        Assert.Equal(8, (await RunsOfAsync(factory, everyDay)).Count);

        // 31 days on, the global 30-day limit applies: the dry run says what the real pass then does.
        var later = PrunerAt(factory, now.AddDays(31));
        var dry = await later.PruneAsync(dryRun: true, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(8, (await RunsOfAsync(factory, everyDay)).Count);
        var real = await later.PruneAsync(dryRun: false, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(new[] { held, heldWithBlob, awaitingApproval, rollbackOpen }.Order(), (await RunsOfAsync(factory, everyDay)).Order());
        Assert.Empty(await RunsOfAsync(factory, lastTwo));
        Assert.Equal(6, real!.Runs);
        Assert.Equal(4, real.Kept);
        Assert.Equal((dry!.Runs, dry.Rows, dry.PayloadBytes, dry.Blobs, dry.BlobBytes), (real.Runs, real.Rows, real.PayloadBytes, real.Blobs, real.BlobBytes));
        Assert.Equal(1, real.Blobs);
        Assert.True(real.Rows > real.Runs * 3, $"events and node records go with their runs: {real.Rows} rows");

        // The shared blob stays with the held run; the other one is gone from the rows and from the store.
        var store = factory.Services.GetRequiredService<IBlobStore>();
        Assert.NotNull(await store.GetAsync(Key(sharedBlob[0]), CancellationToken.None));
        Assert.Null(await store.GetAsync(Key(ownBlobs[0]), CancellationToken.None));
        Assert.Equal(0, await CountAsync<RunEventEntity>(factory, e => e.RunId == ownBlob));
        Assert.Equal(0, await CountAsync<NodeExecutionEntity>(factory, e => e.RunId == ownBlob));

        // Audit entries are never pruned (each pass that removed something adds one), and the chain still verifies.
        Assert.Equal(auditBefore + 2, await CountAsync<AuditEntryEntity>(factory));
        var verified = await admin.GetFromJsonAsync<JsonObject>("/api/audit/verify");
        Assert.True(verified!["intact"]!.GetValue<bool>(), verified.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/runs/{held}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/runs/{plain}")).StatusCode);

        // Released, the held runs go at the next pass (the shared blob with them).
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/runs/{held}/hold")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/runs/{heldWithBlob}/hold")).StatusCode);
        var released = await later.PruneAsync(dryRun: false, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal((2, 1), (released!.Runs, released.Blobs));
        Assert.Null(await store.GetAsync(Key(sharedBlob[0]), CancellationToken.None));
    }

    [Fact]
    public async Task PruneCommand_DryRunChangesNothing_ThenThePassRemovesWhatItSaid()
    {
        using var factory = new ControlTowerFactory(Settings);
        using var admin = factory.CreateAdminClient();
        var graph = Graph([Node("start", "trigger.manual")], [], new() { ["retention"] = new JsonObject { ["maxRuns"] = 1 } });
        var workflow = await CreateWorkflowAsync(admin, graph, "keeps one");
        for (var i = 0; i < 3; i++)
        {
            await RunAsync(admin, workflow, new JsonObject { ["n"] = i });
        }

        var environment = new Dictionary<string, string?> { ["ENVIRONMENT"] = "development", ["DATA_DIR"] = factory.DataDirectory };
        var dry = await ControlTowerProcess.RunAsync(["prune", "--dry-run"], environment);
        Assert.True(dry.ExitCode == 0, dry.StandardError);
        Assert.StartsWith("would remove 2 run(s)", dry.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(3, (await RunsOfAsync(factory, workflow)).Count);

        var real = await ControlTowerProcess.RunAsync(["prune"], environment);
        Assert.True(real.ExitCode == 0, real.StandardError);
        Assert.StartsWith("removed 2 run(s)", real.StandardOutput, StringComparison.Ordinal);
        Assert.Single(await RunsOfAsync(factory, workflow));
    }

    [Fact]
    public async Task Save_WhenRetentionIsMalformed_IsRefusedWithAPointer()
    {
        using var factory = new ControlTowerFactory(Settings);
        using var admin = factory.CreateAdminClient();
        var graph = Graph([Node("start", "trigger.manual")], [], new() { ["retention"] = new JsonObject { ["maxRuns"] = 0, ["keep"] = true } });

        using var response = await admin.PostAsJsonAsync("/api/workflows", new { name = "bad retention", graph });

        var body = await response.Content.ReadAsStringAsync();
        Assert.False(response.IsSuccessStatusCode, body);
        Assert.Contains("/config/retention", body, StringComparison.Ordinal);
    }

    private static RunPruner PrunerAt(ControlTowerFactory factory, DateTime now) =>
        ActivatorUtilities.CreateInstance<RunPruner>(factory.Services, (TimeProvider)new FakeWallClock(new DateTimeOffset(now, TimeSpan.Zero)));

    private static async Task<Guid> RunAsync(HttpClient admin, Guid workflow, JsonObject input)
    {
        var run = await WaitForStatusAsync(admin, await StartAsync(admin, workflow, input), "completed", "failed");
        Assert.Equal("completed", run.Status());
        return run["id"]!.GetValue<Guid>();
    }

    /// <summary>
    /// What governance leaves behind for a finished run: an approval still open, an execution that can be rolled back for
    /// 60 more days, and one whose 1-day window closes before the pruner looks.
    /// </summary>
    private static async Task AddGovernanceRecordsAsync(ControlTowerFactory factory, Guid workflow, Guid awaiting, Guid open, Guid closed, DateTime now)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContextAsync();
        db.Add(new ApprovalEntity
        {
            Id = Guid.NewGuid(),
            RunId = awaiting,
            NodeId = "echo",
            WorkflowId = workflow,
            NodeType = "approval",
            Title = "t",
            Roles = "[]",
            Users = "[]",
            RequiredApprovals = 1,
            Status = ApprovalService.Pending,
            CreatedAt = now,
        });
        foreach (var (run, window) in new[] { (open, TimeSpan.FromDays(60)), (closed, TimeSpan.FromDays(1)) })
        {
            db.Add(new ExecutionEntity
            {
                Id = Guid.NewGuid(),
                RunId = run,
                NodeId = "echo",
                WorkflowId = workflow,
                ActionType = "refill.dispense",
                ServerId = "pharmacy",
                Tool = "dispense",
                Arguments = "{}",
                AuthorizedBy = "gate:test",
                Status = GovernedActions.Executed,
                CreatedAt = now,
                ReversibleUntil = now + window,
            });
        }

        await db.SaveChangesAsync();
    }

    private static async Task<List<Guid>> RunsOfAsync(ControlTowerFactory factory, Guid workflow)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContextAsync();
        var runs = await db.Set<RunEntity>().Where(r => r.WorkflowId == workflow).Select(r => new { r.Id, r.CreatedAt }).ToListAsync();
        return runs.OrderBy(r => r.CreatedAt).Select(r => r.Id).ToList();
    }

    private static async Task<List<string>> BlobsOfAsync(ControlTowerFactory factory, Guid run)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContextAsync();
        return await db.Set<RunBlobEntity>().Where(b => b.RunId == run).Select(b => b.Sha256).ToListAsync();
    }

    private static async Task<int> CountAsync<T>(ControlTowerFactory factory, System.Linq.Expressions.Expression<Func<T, bool>>? where = null)
        where T : class
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContextAsync();
        return where is null ? await db.Set<T>().CountAsync() : await db.Set<T>().CountAsync(where);
    }

    private static BlobKey Key(string sha)
    {
        Assert.True(BlobKey.TryParse(sha, out var key));
        return key;
    }

    private static string LargeText()
    {
        var builder = new StringBuilder();
        while (builder.Length < 2000)
        {
            builder.Append(Guid.NewGuid().ToString("N"));
        }

        return builder.ToString();
    }
}
