using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// The engine's rows bypass EF's change tracker (and on SQLite, ADO.NET's parameters): what they store must be exactly
/// what EF stores for the same entity, or EF's own reads, filters and orderings over them would differ.
/// </summary>
public sealed class EngineRowsTests : IDisposable
{
    private static readonly DateTime WithTicks = new(2026, 12, 7, 10, 11, 12, DateTimeKind.Utc);
    private readonly ControlTowerFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task EngineRows_StoreEveryColumnInTheFormEfStoresIt()
    {
        _factory.CreateClient().Dispose();
        var contexts = _factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var runId = Guid.NewGuid();
        db.Add(new RunEntity { Id = runId, Status = "running", State = "{}", Trigger = "manual", TraceId = "t" });
        await db.SaveChangesAsync();
        var time = WithTicks.AddTicks(1234567);

        // Each pair: one row written by EF's change tracker, its twin (another key) by the engine's rows.
        await WriteBothWaysAsync(db,
            new RunEventEntity { RunId = runId, Seq = 1, Type = "update", Timestamp = time, Data = "{\"a\":\"é\"}", TraceId = "t" },
            new RunEventEntity { RunId = runId, Seq = 2, Type = "update", Timestamp = time, Data = "{\"a\":\"é\"}", TraceId = "t" });
        // Empty text stays empty text, not NULL (an empty span is pinned as a null pointer).
        await WriteBothWaysAsync(db,
            new RunEventEntity { RunId = runId, Seq = 3, Type = "", Timestamp = time, Data = "", TraceId = "" },
            new RunEventEntity { RunId = runId, Seq = 4, Type = "", Timestamp = time, Data = "", TraceId = "" });
        await WriteBothWaysAsync(db,
            new RunNodeStateEntity { RunId = runId, NodeId = "n", Version = 1, State = "{}", Output = null },
            new RunNodeStateEntity { RunId = runId, NodeId = "n", Version = 2, State = "{}", Output = null });
        await WriteBothWaysAsync(db,
            Execution(runId, 1, WithTicks, finished: null),
            Execution(runId, 2, WithTicks, finished: null));
        await WriteBothWaysAsync(db,
            Execution(runId, 3, time, finished: time.AddTicks(-7)),
            Execution(runId, 4, time, finished: time.AddTicks(-7)));

        await WriteBothWaysAsync(db, Run(time, full: false), Run(time, full: false));
        await WriteBothWaysAsync(db, Run(time, full: true), Run(time, full: true));
        await WriteBothWaysAsync(db, Audit(1_000_001, time), Audit(1_000_002, time));

        var runs = await db.Set<RunEntity>().AsNoTracking().Where(r => r.Trigger == "twin").OrderBy(r => r.Phase).Select(r => r.Id).ToListAsync();
        Assert.Equal(4, runs.Count);
        Assert.Equal(Stored(db, "runs", "Id", runs[0]), Stored(db, "runs", "Id", runs[1]));
        Assert.Equal(Stored(db, "runs", "Id", runs[2]), Stored(db, "runs", "Id", runs[3]));
        Assert.Equal(Stored(db, "audit_entries", "Sequence", 1_000_001), Stored(db, "audit_entries", "Sequence", 1_000_002));
        Assert.Equal(Stored(db, "run_events", "Seq", 1), Stored(db, "run_events", "Seq", 2));
        Assert.Equal(Stored(db, "run_events", "Seq", 3), Stored(db, "run_events", "Seq", 4));
        Assert.Equal(Stored(db, "run_node_states", "Version", 1), Stored(db, "run_node_states", "Version", 2));
        Assert.Equal(Stored(db, "node_executions", "Attempt", 1), Stored(db, "node_executions", "Attempt", 2));
        Assert.Equal(Stored(db, "node_executions", "Attempt", 3), Stored(db, "node_executions", "Attempt", 4));
        var read = await db.Set<NodeExecutionEntity>().AsNoTracking().SingleAsync(e => e.RunId == runId && e.Attempt == 4);
        Assert.Equal((time, time.AddTicks(-7), DateTimeKind.Utc), (read.StartedAt, read.FinishedAt!.Value, read.StartedAt.Kind));
        Assert.Equal(4, await db.Set<RunEventEntity>().CountAsync(e => e.RunId == runId && e.Timestamp == time));
    }

    [Fact]
    public async Task EngineTables_NameEveryColumnTheModelMaps()
    {
        _factory.CreateClient().Dispose();
        var contexts = _factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();

        AssertMatchesModel(db, EngineTables.Runs);
        AssertMatchesModel(db, EngineTables.NodeStates);
        AssertMatchesModel(db, EngineTables.Events);
        AssertMatchesModel(db, EngineTables.Executions);
        AssertMatchesModel(db, EngineTables.AuditEntries);
    }

    private static void AssertMatchesModel<T>(ControlTowerDbContext db, EngineTable<T> table)
    {
        var entity = db.Model.FindEntityType(typeof(T))!;
        Assert.Equal(entity.GetTableName(), table.Name);
        Assert.Equal(entity.GetProperties().Select(p => p.GetColumnName()).Order(), table.Columns.Select(c => c.Column).Order());
    }

    // Twins differ only in Id; Phase orders them (the null-column pair first).
    private static RunEntity Run(DateTime time, bool full) => new()
    {
        Id = Guid.NewGuid(),
        WorkflowId = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
        WorkflowVersion = 3,
        Status = full ? "failed" : "running",
        Phase = full ? "z" : null,
        State = "{\"schema\":\"x\"}",
        StateVersion = 7,
        NextEventSeq = 12,
        Input = full ? "{\"n\":1}" : null,
        Output = full ? "[]" : null,
        ErrorNodeId = full ? "n" : null,
        ErrorCode = full ? "node.failed" : null,
        ErrorMessage = full ? "it failed — ü" : null,
        Seed = long.MinValue + 5,
        IdempotencyKey = null,
        Trigger = "twin",
        StartedBy = Guid.Parse("a1b2c3d4-e5f6-4789-abcd-ef0123456789"),
        PrincipalSource = "caller",
        TraceId = "0123456789abcdef0123456789abcdef",
        ParentRunId = full ? Guid.Parse("ffffffff-0000-4000-8000-00000000000a") : null,
        ParentNodeId = full ? "call" : null,
        ParentAttempt = full ? 2 : null,
        CreatedAt = time,
        UpdatedAt = WithTicks,
        FinishedAt = full ? time.AddSeconds(1) : null,
    };

    private static AuditEntryEntity Audit(long sequence, DateTime time) => new()
    {
        Sequence = sequence,
        Timestamp = time,
        Actor = "bench",
        Action = "run.started",
        Target = "run:x",
        Reason = "started by manual",
        Data = "{\"version\":1}",
        PreviousHash = new string('a', 64),
        Hash = new string('b', 64),
    };

    private static NodeExecutionEntity Execution(Guid runId, int attempt, DateTime started, DateTime? finished) => new()
    {
        RunId = runId,
        NodeId = "n",
        Attempt = attempt,
        NodeType = "transform",
        IdempotencyKey = $"{runId}:n:1",
        Status = "succeeded",
        Input = "{}",
        Output = "[1]",
        Outcome = finished is null ? null : "success",
        StartedAt = started,
        FinishedAt = finished,
    };

    private static async Task WriteBothWaysAsync<T>(ControlTowerDbContext db, T byEf, T byEngine)
        where T : class
    {
        db.Add(byEf);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        switch (byEngine)
        {
            case RunEntity r: db.EngineRows.AddNew(r); break;
            case AuditEntryEntity a: db.EngineRows.Add(a); break;
            case RunEventEntity e: db.EngineRows.Add(e); break;
            case RunNodeStateEntity n: db.EngineRows.Add(n); break;
            case NodeExecutionEntity x: db.EngineRows.Add(x); break;
        }

        await db.SaveChangesAsync();
    }

    /// <summary>Every column of one row as SQL literals (type included: 'text', integer, NULL, X'blob'), but the one that tells the twins apart.</summary>
    private static List<string> Stored(ControlTowerDbContext db, string table, string keyColumn, object key)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            connection.Open();
        }

        using var columns = connection.CreateCommand();
        columns.CommandText = $"SELECT name FROM pragma_table_info('{table}') WHERE name <> '{keyColumn}' ORDER BY cid";
        var names = new List<string>();
        using (var reader = columns.ExecuteReader())
        {
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }
        }

        using var row = connection.CreateCommand();
        row.CommandText = $"SELECT {string.Join(", ", names.Select(n => $"quote(\"{n}\")"))} FROM \"{table}\" WHERE \"{keyColumn}\" = $key";
        var parameter = row.CreateParameter();
        (parameter.ParameterName, parameter.Value) = ("$key", key is Guid id ? id.ToString().ToUpperInvariant() : key);
        row.Parameters.Add(parameter);
        using var values = row.ExecuteReader();
        Assert.True(values.Read());
        return [.. names.Select((n, i) => $"{n}={values.GetString(i)}")];
    }
}
