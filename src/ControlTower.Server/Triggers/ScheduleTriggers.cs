using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Triggers;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Triggers;

/// <summary>
/// Schedule triggers. Each tick (1) brings <c>schedule_states</c> in line with the live versions
/// of enabled workflows (a release's stable version, else the latest; the run itself pins what the release chooses): a new <c>trigger.schedule</c> node, a changed cron or time zone, or a
/// re-enabled workflow gets its next fire computed from now; a removed node or a disabled workflow
/// loses its row; and (2) fires every row whose <c>next_fire_at</c> has come.
/// <para>Firing starts the run with idempotency key <c>schedule:{triggerNodeId}:{fireTimeUtc:O}</c>
/// first and advances the row after (optimistically, on its <c>version</c>). A crash in between,
/// a restart, or a second scheduler reading the same row all produce the same key, and the run
/// store's unique key returns the existing run: an occurrence never starts two runs.</para>
/// <para>Catch-up: after downtime the row still holds the first missed occurrence; it fires once
/// (late) and the next fire is computed from now, so missed occurrences are not replayed en masse.
/// A disabled period is not caught up at all: re-enabling computes the next fire from now.</para>
/// </summary>
internal sealed partial class ScheduleTriggers(
    IDbContextFactory<ControlTowerDbContext> contexts,
    WorkflowDefinitions definitions,
    RunStarter starter,
    TimeProvider time,
    ILogger<ScheduleTriggers> logger)
{
    public const string TriggerName = "schedule";
    public const string NodeType = "trigger.schedule";

    // Latest versions looked at that have no (valid) schedule trigger, so they are not loaded every tick.
    private readonly ConcurrentDictionary<Guid, int> _withoutSchedules = new();

    /// <summary>One pass: sync the schedule rows, then fire what is due. Returns the runs started.</summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken);
        return await FireDueAsync(cancellationToken);
    }

    public static string IdempotencyKey(string triggerNodeId, DateTime fireTimeUtc) =>
        $"schedule:{triggerNodeId}:{fireTimeUtc.ToString("O", CultureInfo.InvariantCulture)}";

    /// <summary>A workflow and its live version: the one whose schedule triggers count.</summary>
    private sealed record WorkflowRow(Guid Id, bool Enabled, int LiveVersion);

    private sealed record Wanted(string NodeId, string Cron, string TimeZone, CronSchedule Schedule);

    private async Task SyncAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflows = await LiveWorkflowsAsync(db, cancellationToken);
        var states = (await db.Set<ScheduleStateEntity>().ToListAsync(cancellationToken)).ToLookup(s => s.WorkflowId);
        var enabled = workflows.Where(w => w.Enabled).ToDictionary(w => w.Id);
        var now = time.GetUtcNow();

        foreach (var group in states.Where(g => !enabled.ContainsKey(g.Key)))
        {
            db.RemoveRange(group); // disabled or deleted: a re-enable starts afresh from now
        }

        foreach (var workflow in enabled.Values)
        {
            var rows = states[workflow.Id].ToList();
            var current = rows.Count > 0 && rows.All(r => r.WorkflowVersion == workflow.LiveVersion);
            var known = _withoutSchedules.TryGetValue(workflow.Id, out var version) && version == workflow.LiveVersion && rows.Count == 0;
            if (!current && !known)
            {
                await ReconcileAsync(db, workflow, rows, now, cancellationToken);
            }
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException raced)
        {
            // Another scheduler synced the same rows first; its result is as good as ours.
            Log.SyncRaced(logger, raced.GetType().Name);
        }
    }

    private async Task ReconcileAsync(ControlTowerDbContext db, WorkflowRow workflow, List<ScheduleStateEntity> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var definition = await definitions.GetAsync(workflow.Id, workflow.LiveVersion, cancellationToken);
        var wanted = definition.Plan.Nodes.Where(n => n.Type == NodeType)
            .Select(n => Parse(workflow.Id, n.Id, n.Config)).OfType<Wanted>().ToDictionary(w => w.NodeId, StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            _withoutSchedules[workflow.Id] = workflow.LiveVersion;
        }

        db.RemoveRange(rows.Where(r => !wanted.ContainsKey(r.TriggerNodeId)));
        foreach (var want in wanted.Values)
        {
            var row = rows.FirstOrDefault(r => r.TriggerNodeId == want.NodeId);
            if (row is null)
            {
                row = new ScheduleStateEntity { WorkflowId = workflow.Id, TriggerNodeId = want.NodeId, Cron = want.Cron, TimeZone = want.TimeZone };
                row.NextFireAt = want.Schedule.NextOccurrence(now).UtcDateTime;
                db.Add(row);
            }
            else if (row.Cron != want.Cron || row.TimeZone != want.TimeZone)
            {
                (row.Cron, row.TimeZone) = (want.Cron, want.TimeZone);
                row.NextFireAt = want.Schedule.NextOccurrence(now).UtcDateTime;
            }

            // An unchanged schedule keeps its pending fire: saving a version must not skip a due occurrence.
            row.WorkflowVersion = workflow.LiveVersion;
            row.Version++;
            row.UpdatedAt = now.UtcDateTime;
            Log.Scheduled(logger, workflow.Id, want.NodeId, row.NextFireAt);
        }
    }

    private Wanted? Parse(Guid workflowId, string nodeId, JsonObject config)
    {
        var cron = config["cron"]?.GetValue<string>() ?? "";
        var zone = config["timeZone"]?.GetValue<string>() ?? "UTC";
        try
        {
            return new Wanted(nodeId, cron, zone, CronSchedule.Parse(cron, zone));
        }
        catch (TriggerException invalid)
        {
            Log.ScheduleInvalid(logger, workflowId, nodeId, invalid.Code, invalid.Message);
            return null;
        }
    }

    private async Task<int> FireDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var nowUtc = now.UtcDateTime;
        List<ScheduleStateEntity> due;
        List<VersionAuthor> authors;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            due = await db.Set<ScheduleStateEntity>().AsNoTracking().Where(s => s.NextFireAt <= nowUtc).OrderBy(s => s.NextFireAt).ToListAsync(cancellationToken);
            var ids = due.Select(s => s.WorkflowId).Distinct().ToList();
            var live = (await LiveWorkflowsAsync(db, cancellationToken)).Where(w => w.Enabled && ids.Contains(w.Id)).ToDictionary(w => w.Id, w => w.LiveVersion);
            var versions = live.Values.Distinct().ToList();
            authors = (await db.Set<WorkflowVersionEntity>().AsNoTracking().Where(v => ids.Contains(v.WorkflowId) && versions.Contains(v.Version))
                .Select(v => new VersionAuthor(v.WorkflowId, v.Version, v.AuthorId)).ToListAsync(cancellationToken))
                .Where(a => live.GetValueOrDefault(a.WorkflowId) == a.Version).ToList();
        }

        var started = 0;
        foreach (var row in due)
        {
            // A schedule has no caller: its run acts as the author of the version it pins (the release's choice for the
            // occurrence); a row behind a newer live version (or of a disabled workflow) waits for the next sync.
            if (authors.FirstOrDefault(a => a.WorkflowId == row.WorkflowId && a.Version == row.WorkflowVersion) is { } author)
            {
                started += await FireAsync(row, author.AuthorId, now, cancellationToken) ? 1 : 0;
            }
        }

        return started;
    }

    private sealed record VersionAuthor(Guid WorkflowId, int Version, Guid AuthorId);

    private static async Task<List<WorkflowRow>> LiveWorkflowsAsync(ControlTowerDbContext db, CancellationToken cancellationToken)
    {
        var stable = await Releases.ReleaseRouter.StableVersionsAsync(db, cancellationToken);
        var workflows = await db.Set<WorkflowEntity>().AsNoTracking().Select(w => new { w.Id, w.Enabled, w.LatestVersion }).ToListAsync(cancellationToken);
        return workflows.ConvertAll(w => new WorkflowRow(w.Id, w.Enabled, stable.GetValueOrDefault(w.Id, w.LatestVersion)));
    }

    private async Task<bool> FireAsync(ScheduleStateEntity row, Guid authorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var definition = await definitions.GetAsync(row.WorkflowId, row.WorkflowVersion, cancellationToken);
        var input = definition.Plan.Node(row.TriggerNodeId).Config["input"]?.DeepClone();
        var key = IdempotencyKey(row.TriggerNodeId, row.NextFireAt);
        StartedRun run;
        try
        {
            run = await starter.StartAsync(
                new StartRunRequest(row.WorkflowId, input, TriggerName, authorId, $"schedule:{row.TriggerNodeId}", key, row.TriggerNodeId,
                    PrincipalSource: RunPrincipals.VersionAuthor), cancellationToken);
        }
        catch (ControlTowerException refused) when (refused.Code is WorkflowErrorCodes.Disabled or WorkflowErrorCodes.NotFound)
        {
            return false; // switched off since the sync: the next sync drops the row
        }
        catch (ControlTowerException refused) when (refused.Code is NodeSwitches.NodeSwitchErrorCodes.TypeDisabled)
        {
            return false; // the schedule trigger type is off: the occurrence stays due and fires (once) when it is back on
        }

        var fired = new DateTimeOffset(row.NextFireAt, TimeSpan.Zero);
        var next = CronSchedule.Parse(row.Cron, row.TimeZone).NextOccurrence(fired > now ? fired : now).UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var advanced = await db.Set<ScheduleStateEntity>()
            .Where(s => s.WorkflowId == row.WorkflowId && s.TriggerNodeId == row.TriggerNodeId && s.Version == row.Version)
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.NextFireAt, next)
                .SetProperty(x => x.LastFiredAt, row.NextFireAt)
                .SetProperty(x => x.Version, row.Version + 1)
                .SetProperty(x => x.UpdatedAt, now.UtcDateTime), cancellationToken);
        Log.Fired(logger, row.WorkflowId, row.TriggerNodeId, row.NextFireAt, run.Run.Id, run.Created, advanced == 1);
        return run.Created;
    }
}
