using System.Text.Json;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>
/// Maps a run's stored state to Core's <see cref="RunState"/> and back (README "Incremental run state"): the run row holds
/// the small header (<see cref="RunStateJson.SerializeHeader"/>), and each commit appends one <see cref="RunNodeStateEntity"/>
/// per node it changed, carrying the node's output only when that commit set it. A run stored whole by an earlier version
/// (<c>ct.run-state/1</c> in <see cref="RunEntity.State"/>) is read as it is, and its next commit writes every node once.
/// </summary>
internal static class RunStateRows
{
    // In key order: each node's rows oldest first, which is all the fold needs. Compiled once: it runs on every load.
    public static async Task<RunState> LoadAsync(ControlTowerDbContext db, RunEntity run, CancellationToken cancellationToken) =>
        await LoadAsync(db, run.Id, run.StateVersion, run.State, run.Input, cancellationToken);

    /// <summary>The state of a run, read from its row; <c>run.not_found</c> when there is none.</summary>
    public static async Task<RunState> LoadAsync(ControlTowerDbContext db, Guid runId, CancellationToken cancellationToken)
    {
        var stored = await db.Set<RunEntity>().AsNoTracking().Where(r => r.Id == runId).Select(r => new { r.State, r.StateVersion, r.Input }).SingleOrDefaultAsync(cancellationToken)
            ?? throw RunTransitions.NotFound(runId);
        return await LoadAsync(db, runId, stored.StateVersion, stored.State, stored.Input, cancellationToken);
    }

    private static async Task<RunState> LoadAsync(ControlTowerDbContext db, Guid runId, long version, string state, string? input, CancellationToken cancellationToken)
    {
        if (!RunStateJson.IsHeader(state))
        {
            return RunStateJson.Deserialize(state);
        }

        // In key order, each node's rows oldest first (all the fold needs), and only up to the header's version: a commit since
        // the run row was read (PostgreSQL reads each statement's own snapshot) must not mix its nodes into the older header.
        var rows = await db.Set<RunNodeStateEntity>().AsNoTracking().Where(n => n.RunId == runId && n.Version <= version)
            .OrderBy(n => n.NodeId).ThenBy(n => n.Version)
            .Select(n => new StoredNodeState(n.NodeId, n.State, n.Output)).ToListAsync(cancellationToken);

        return RunStateJson.Assemble(state, input is null ? null : Element(input), rows);
    }

    /// <summary>
    /// Writes the new header into the run row and appends the nodes that changed since <paramref name="before"/> (the state the
    /// run was loaded with) under the run's new version; call it after the version bump. A run still stored whole writes every node.
    /// </summary>
    public static void Write(ControlTowerDbContext db, RunEntity run, RunState before, RunState after)
    {
        foreach (var row in RunStateJson.ChangedRows(before, after, everyNode: !RunStateJson.IsHeader(run.State)))
        {
            db.EngineRows.Add(new RunNodeStateEntity { RunId = run.Id, NodeId = row.NodeId, Version = run.StateVersion, State = row.State, Output = row.Output });
        }

        run.State = RunStateJson.SerializeHeader(after);
    }

    private static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
