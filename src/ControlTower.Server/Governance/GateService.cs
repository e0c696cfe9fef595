using System.ComponentModel;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Audit;
using ControlTower.Server.Caching;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Governance;

internal sealed record GateBody(Guid? WorkflowId, string? NodeType, string? ActionType, bool Authorized, string? Reason);

internal sealed record GateView(string ScopeKey, Guid? WorkflowId, string? NodeType, string? ActionType, bool Authorized, string Reason, string UpdatedBy, DateTimeOffset UpdatedAt);

internal sealed record GateHistoryView(string ScopeKey, bool Value, string Reason, string Actor, DateTimeOffset At);

internal sealed record KillSwitchBody(bool Engaged, string? Reason);

[ImmutableObject(true)]
internal sealed record KillSwitchView(bool Engaged, string? Reason, string? UpdatedBy, DateTimeOffset? UpdatedAt);

/// <summary>A gate as resolving needs it (cached, serialized to Redis).</summary>
internal sealed record GateRule(string ScopeKey, Guid? WorkflowId, string? NodeType, string? ActionType, bool Authorized, string Reason);

/// <summary>Every gate; immutable, so the in-process cache level hands out this instance.</summary>
[ImmutableObject(true)]
internal sealed record GateSnapshot(IReadOnlyList<GateRule> Rules);

/// <summary>Which gate governs an action and what it says; <see cref="ScopeKey"/> is null when no gate matches (then: not authorized).</summary>
internal sealed record GateDecision(bool Authorized, string? ScopeKey, string Why)
{
    public JsonObject ToJson() => new() { ["authorized"] = Authorized, ["scopeKey"] = ScopeKey, ["why"] = Why };
}

/// <summary>
/// Gates switch automation on (<c>authorized</c>) or off (<c>revoked</c>) per scope: any combination of
/// workflow, node type and action type, a missing part matching anything. The most specific matching gate
/// decides (ties: revoked wins); no gate means a person approves. Every change is kept in the history
/// and audited with its reason. The kill switch, when engaged, stops every governed action at once.
/// Both are read on every governed action, so they come from the <see cref="SharedCache"/>; a change here
/// invalidates them in every process.
/// </summary>
internal sealed class GateService(IDbContextFactory<ControlTowerDbContext> contexts, AuditLog audit, SharedCache cache, TimeProvider time)
{
    public const string KillSwitchName = "kill_switch";
    private const string GatesKey = "governance-gates";
    private const string KillSwitchKey = "governance-kill-switch";

    public static string ScopeKey(Guid? workflowId, string? nodeType, string? actionType) =>
        $"workflow={workflowId?.ToString() ?? "*"};node_type={nodeType ?? "*"};action_type={actionType ?? "*"}";

    public async Task<GateView> SetAsync(GateBody body, string actor, CancellationToken cancellationToken)
    {
        var reason = RequireReason(body.Reason);
        var (nodeType, actionType) = (Blank(body.NodeType), Blank(body.ActionType));
        if (nodeType?.Length > 100 || actionType?.Length > 200)
        {
            throw new ControlTowerException(ErrorKind.Validation, GovernanceErrorCodes.GateInvalid, "nodeType is at most 100 characters, actionType at most 200.");
        }

        var key = ScopeKey(body.WorkflowId, nodeType, actionType);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var gate = await db.Set<GateEntity>().SingleOrDefaultAsync(g => g.ScopeKey == key, cancellationToken);
        if (gate is null)
        {
            gate = new GateEntity { ScopeKey = key, WorkflowId = body.WorkflowId, NodeType = nodeType, ActionType = actionType, Reason = reason, UpdatedBy = actor };
            db.Add(gate);
        }

        (gate.Authorized, gate.Reason, gate.UpdatedBy, gate.UpdatedAt) = (body.Authorized, reason, actor, now);
        db.Add(new GateHistoryEntity { Id = Guid.NewGuid(), ScopeKey = key, Value = body.Authorized, Reason = reason, Actor = actor, At = now });
        await audit.CommitAsync(db, new AuditEvent(actor, "governance.gate_set", $"gate:{key}", reason,
            new JsonObject { ["authorized"] = body.Authorized, ["workflowId"] = body.WorkflowId?.ToString(), ["nodeType"] = nodeType, ["actionType"] = actionType }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await cache.InvalidateAsync(GatesKey, cancellationToken);
        return ToView(gate);
    }

    public async Task<IReadOnlyList<GateView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var gates = await db.Set<GateEntity>().AsNoTracking().OrderBy(g => g.ScopeKey).ToListAsync(cancellationToken);
        return [.. gates.Select(ToView)];
    }

    public async Task<IReadOnlyList<GateHistoryView>> HistoryAsync(string? scopeKey, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var history = db.Set<GateHistoryEntity>().AsNoTracking();
        if (scopeKey is { Length: > 0 })
        {
            history = history.Where(h => h.ScopeKey == scopeKey);
        }

        var rows = await history.OrderByDescending(h => h.At).Take(Math.Clamp(limit, 1, 500)).ToListAsync(cancellationToken);
        return [.. rows.Select(h => new GateHistoryView(h.ScopeKey, h.Value, h.Reason, h.Actor, Utc(h.At)))];
    }

    /// <summary>The gate that governs an action in this scope (most specific match; a tie goes to revoked).</summary>
    public async Task<GateDecision> ResolveAsync(Guid? workflowId, string nodeType, string actionType, CancellationToken cancellationToken)
    {
        var gates = await cache.GetOrCreateAsync(GatesKey, GatesKey, async ct =>
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var rows = await db.Set<GateEntity>().AsNoTracking().ToListAsync(ct);
            return new GateSnapshot([.. rows.Select(g => new GateRule(g.ScopeKey, g.WorkflowId, g.NodeType, g.ActionType, g.Authorized, g.Reason))]);
        }, cancellationToken);
        var gate = gates.Rules
            .Where(g => (g.WorkflowId == null || g.WorkflowId == workflowId)
                && (g.NodeType == null || g.NodeType == nodeType)
                && (g.ActionType == null || g.ActionType == actionType))
            .OrderByDescending(g => (g.WorkflowId is null ? 0 : 1) + (g.NodeType is null ? 0 : 1) + (g.ActionType is null ? 0 : 1))
            .ThenBy(g => g.Authorized)
            .FirstOrDefault();
        return gate is null
            ? new GateDecision(false, null, "no gate covers this scope: a person approves")
            : new GateDecision(gate.Authorized, gate.ScopeKey, $"gate {gate.ScopeKey} is {(gate.Authorized ? "authorized" : "revoked")}: {gate.Reason}");
    }

    public ValueTask<KillSwitchView> KillSwitchAsync(CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(KillSwitchKey, KillSwitchKey, async ct =>
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var row = await db.Set<GovernanceSwitchEntity>().AsNoTracking().SingleOrDefaultAsync(s => s.Name == KillSwitchName, ct);
            return row is null ? new KillSwitchView(false, null, null, null) : new KillSwitchView(row.Engaged, row.Reason, row.UpdatedBy, Utc(row.UpdatedAt));
        }, cancellationToken);

    public async Task<KillSwitchView> SetKillSwitchAsync(KillSwitchBody body, string actor, CancellationToken cancellationToken)
    {
        var reason = RequireReason(body.Reason);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = await db.Set<GovernanceSwitchEntity>().SingleOrDefaultAsync(s => s.Name == KillSwitchName, cancellationToken);
        if (row is null)
        {
            row = new GovernanceSwitchEntity { Name = KillSwitchName, Reason = reason, UpdatedBy = actor };
            db.Add(row);
        }

        (row.Engaged, row.Reason, row.UpdatedBy, row.UpdatedAt) = (body.Engaged, reason, actor, now);
        db.Add(new GateHistoryEntity { Id = Guid.NewGuid(), ScopeKey = KillSwitchName, Value = body.Engaged, Reason = reason, Actor = actor, At = now });
        await audit.CommitAsync(db, new AuditEvent(actor, body.Engaged ? "governance.kill_switch_engaged" : "governance.kill_switch_released", "governance:kill_switch", reason), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await cache.InvalidateAsync(KillSwitchKey, cancellationToken);
        return new KillSwitchView(row.Engaged, row.Reason, row.UpdatedBy, Utc(row.UpdatedAt));
    }

    /// <summary>For a writer that deleted gates or the kill switch behind this service's back (the demo reset).</summary>
    public async Task InvalidateCachedAsync(CancellationToken cancellationToken)
    {
        await cache.InvalidateAsync(GatesKey, cancellationToken);
        await cache.InvalidateAsync(KillSwitchKey, cancellationToken);
    }

    private static string RequireReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason)
            ? throw new ControlTowerException(ErrorKind.Validation, GovernanceErrorCodes.ReasonRequired, "A reason is required: it goes into the audit log.")
            : reason.Trim().Length > 1000 ? reason.Trim()[..1000] : reason.Trim();

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static GateView ToView(GateEntity g) => new(g.ScopeKey, g.WorkflowId, g.NodeType, g.ActionType, g.Authorized, g.Reason, g.UpdatedBy, Utc(g.UpdatedAt));

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
