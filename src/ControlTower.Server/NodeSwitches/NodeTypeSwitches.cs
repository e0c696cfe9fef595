using System.Collections.Frozen;
using System.ComponentModel;
using System.Text.Json.Serialization;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Server.Audit;
using ControlTower.Server.Caching;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.NodeSwitches;

internal sealed record NodeTypeSwitchBody(bool Enabled, string? Reason);

/// <summary>A switch as the hot path needs it (cached, serialized to Redis).</summary>
internal sealed record NodeTypeSwitchState(string NodeType, bool Enabled, string? Reason);

/// <summary>Every switch that was ever set; immutable, so the in-process cache level hands out this instance.</summary>
[ImmutableObject(true)]
internal sealed record NodeTypeSwitchSnapshot(IReadOnlyList<NodeTypeSwitchState> Rows)
{
    [JsonIgnore]
    public FrozenDictionary<string, NodeTypeSwitchState> ByType { get; } = Rows.ToFrozenDictionary(r => r.NodeType, StringComparer.Ordinal);
}

/// <summary>One node type and its switch; <see cref="ChangedBy"/> and the rest are null for a type never switched.</summary>
internal sealed record NodeTypeSwitchView(string Type, string Category, string DisplayName, bool Enabled, string? Reason, string? ChangedBy, DateTimeOffset? ChangedAt);

/// <summary>
/// Kill switches per node type, read from the database so every process on it agrees. Reads on the hot path
/// (each claimed attempt, each run start) go through a snapshot in the <see cref="SharedCache"/>; a change made
/// here invalidates it in every process (Redis pub/sub or PostgreSQL NOTIFY), and a lost invalidation lasts at most
/// <c>CACHE_TTL</c>. Whatever must not race (parking an attempt, waking parked ones) reads the row inside its own
/// transaction instead (<see cref="IsEnabledInAsync"/>).
/// </summary>
internal sealed partial class NodeTypeSwitches(
    IDbContextFactory<ControlTowerDbContext> contexts,
    AuditLog audit,
    RunWorkSignal work,
    SharedCache cache,
    TimeProvider time,
    ILogger<NodeTypeSwitches> logger)
{
    private const string CacheKey = "node-type-switches";

    private readonly NodeTypeCatalog _catalog = NodeTypeCatalog.BuiltIn;

    public async ValueTask<bool> IsEnabledAsync(string nodeType, CancellationToken cancellationToken)
    {
        var snapshot = await CurrentAsync(cancellationToken);
        return !snapshot.ByType.TryGetValue(nodeType, out var row) || row.Enabled;
    }

    /// <summary>The switch as stored right now; drops the snapshot when it is out of date.</summary>
    public async Task<bool> IsEnabledNowAsync(string nodeType, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var enabled = await IsEnabledInAsync(db, nodeType, cancellationToken);
        if (enabled)
        {
            await cache.ForgetAsync(CacheKey, cancellationToken);
        }

        return enabled;
    }

    /// <summary>
    /// The switch as the given unit of work sees it. On PostgreSQL and MySQL the row is read with a shared lock: a concurrent
    /// change waits for this transaction, and its wake-up then sees what this one parked.
    /// </summary>
    public static async Task<bool> IsEnabledInAsync(ControlTowerDbContext db, string nodeType, CancellationToken cancellationToken)
    {
        var rows = db.IsPostgreSql
            ? await db.Database.SqlQuery<bool>($"""SELECT "Enabled" AS "Value" FROM node_type_switches WHERE "NodeType" = {nodeType} FOR SHARE""").ToListAsync(cancellationToken)
            : db.IsMySql
                // MariaDB does not know FOR SHARE; both MySQL and MariaDB know LOCK IN SHARE MODE.
                ? await db.Database.SqlQuery<bool>($"SELECT `Enabled` AS `Value` FROM node_type_switches WHERE `NodeType` = {nodeType} LOCK IN SHARE MODE").ToListAsync(cancellationToken)
                : await db.Set<NodeTypeSwitchEntity>().Where(s => s.NodeType == nodeType).Select(s => s.Enabled).ToListAsync(cancellationToken);
        return rows.Count == 0 || rows[0];
    }

    /// <summary>Refuses a run asked for through a switched-off trigger type (409 <c>node.type_disabled</c>: the state of the system refuses it, not a fault, so no 5xx and no error log).</summary>
    public async Task EnsureTriggerEnabledAsync(string triggerType, CancellationToken cancellationToken)
    {
        var snapshot = await CurrentAsync(cancellationToken);
        if (snapshot.ByType.TryGetValue(triggerType, out var row) && !row.Enabled)
        {
            throw new ControlTowerException(ErrorKind.Conflict, NodeSwitchErrorCodes.TypeDisabled,
                $"The trigger type '{triggerType}' is switched off ({row.Reason}): no new runs start from it until it is switched back on.");
        }
    }

    public async Task<IReadOnlyList<NodeTypeSwitchView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<NodeTypeSwitchEntity>().AsNoTracking().ToDictionaryAsync(s => s.NodeType, cancellationToken);
        return [.. _catalog.Types.Select(t => ToView(t, rows.GetValueOrDefault(t.Type)))];
    }

    /// <summary>Adds <c>enabled</c> and <c>switch</c> (the last change, or null) to each entry of the node-type catalog JSON.</summary>
    public async Task<JsonArray> AnnotateAsync(JsonArray types, CancellationToken cancellationToken)
    {
        var views = (await ListAsync(cancellationToken)).ToDictionary(v => v.Type);
        foreach (var entry in types.OfType<JsonObject>())
        {
            var view = entry["type"]?.GetValue<string>() is { } type ? views.GetValueOrDefault(type) : null;
            entry["enabled"] = view?.Enabled ?? true;
            entry["switch"] = view?.ChangedBy is null ? null : new JsonObject
            {
                ["enabled"] = view.Enabled,
                ["reason"] = view.Reason,
                ["changedBy"] = view.ChangedBy,
                ["changedAt"] = view.ChangedAt,
            };
        }

        return types;
    }

    /// <summary>
    /// Switches a type off or on, audited with the reason (required to switch off). Switching on makes every
    /// attempt parked behind this type due now, in the same transaction, so none is left behind.
    /// </summary>
    public async Task<NodeTypeSwitchView> SetAsync(string nodeType, NodeTypeSwitchBody body, string actor, CancellationToken cancellationToken)
    {
        if (!_catalog.TryGet(nodeType, out var descriptor))
        {
            throw new ControlTowerException(ErrorKind.NotFound, NodeSwitchErrorCodes.TypeNotFound, $"There is no node type '{nodeType}'.");
        }

        var reason = Reason(body);
        var now = time.GetUtcNow().UtcDateTime;
        int woken;
        NodeTypeSwitchEntity row;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            row = await db.Set<NodeTypeSwitchEntity>().SingleOrDefaultAsync(s => s.NodeType == nodeType, cancellationToken)
                ?? db.Add(new NodeTypeSwitchEntity { NodeType = nodeType, ChangedBy = actor }).Entity;
            (row.Enabled, row.Reason, row.ChangedBy, row.ChangedAt) = (body.Enabled, reason, actor, now);
            // The row's write lock comes first: parkers holding it FOR SHARE commit before the wake-up below reads.
            await db.SaveChangesAsync(cancellationToken);
            woken = body.Enabled
                ? await db.Set<RunTaskEntity>()
                    .Where(t => t.Kind == RunTaskKinds.Parked && t.NodeType == nodeType)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.DueAt, now), cancellationToken)
                : 0;
            await audit.CommitAsync(db, new AuditEvent(actor, body.Enabled ? "node_type.enabled" : "node_type.disabled", $"node_type:{nodeType}",
                reason ?? "switched back on", new JsonObject { ["nodeType"] = nodeType, ["enabled"] = body.Enabled, ["parkedWoken"] = woken }), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await cache.InvalidateAsync(CacheKey, cancellationToken);
        Log.Switched(logger, nodeType, body.Enabled ? "on" : "off", actor, reason, woken);
        if (woken > 0)
        {
            work.Notify();
        }

        return ToView(descriptor, row);
    }

    private static string? Reason(NodeTypeSwitchBody body)
    {
        var reason = string.IsNullOrWhiteSpace(body.Reason) ? null : body.Reason.Trim();
        if (reason is null && !body.Enabled)
        {
            throw new ControlTowerException(ErrorKind.Validation, NodeSwitchErrorCodes.ReasonRequired,
                "Switching a node type off needs a reason: it goes into the audit log and is shown where runs wait.");
        }

        return reason?.Length > 1000 ? reason[..1000] : reason;
    }

    private ValueTask<NodeTypeSwitchSnapshot> CurrentAsync(CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(CacheKey, CacheKey, async ct =>
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var rows = await db.Set<NodeTypeSwitchEntity>().AsNoTracking()
                .Select(r => new NodeTypeSwitchState(r.NodeType, r.Enabled, r.Reason)).ToListAsync(ct);
            return new NodeTypeSwitchSnapshot(rows);
        }, cancellationToken);

    private static NodeTypeSwitchView ToView(NodeTypeDescriptor type, NodeTypeSwitchEntity? row) => new(
        type.Type,
        type.Category.ToString().ToLowerInvariant(),
        type.DisplayName,
        row?.Enabled ?? true,
        row?.Reason,
        row?.ChangedBy,
        row is null ? null : new DateTimeOffset(DateTime.SpecifyKind(row.ChangedAt, DateTimeKind.Utc)));
}
