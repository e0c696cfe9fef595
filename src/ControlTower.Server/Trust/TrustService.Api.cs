using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Trust;
using ControlTower.Server.Audit;
using ControlTower.Server.Governance;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Trust;

/// <summary>What the trust API reads and changes: scopes, their history and series, events posted from outside, pins, resolve-mode.</summary>
internal sealed partial class TrustService
{
    private const int SeriesPoints = 40;

    public async Task<IReadOnlyList<ScopeView>> ListScopesAsync(CancellationToken cancellationToken)
    {
        var killSwitch = await gates.KillSwitchAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<TrustScopeEntity>().AsNoTracking().OrderBy(s => s.ScopeKey).ToListAsync(cancellationToken);
        var views = new List<ScopeView>(rows.Count);
        foreach (var row in rows)
        {
            views.Add(View(row, killSwitch.Engaged, await gates.ResolveAsync(null, "governed.action", row.ActionType, cancellationToken)));
        }

        return views;
    }

    public async Task<ScopeDetail> GetScopeAsync(string key, CancellationToken cancellationToken)
    {
        var scope = ParseKey(key);
        var killSwitch = await gates.KillSwitchAsync(cancellationToken);
        var gate = await gates.ResolveAsync(null, "governed.action", scope.ActionType, cancellationToken);
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<TrustScopeEntity>().AsNoTracking().SingleOrDefaultAsync(s => s.ScopeKey == scope.Key, cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.NotFound, TrustErrorCodes.ScopeNotFound, $"No trust scope '{scope.Key}'.");
        var changes = await db.Set<TrustStageChangeEntity>().AsNoTracking().Where(c => c.ScopeKey == scope.Key)
            .OrderByDescending(c => c.At).Take(200).ToListAsync(cancellationToken);
        var window = await WindowAsync(db, scope.Key, now, cancellationToken);
        return new ScopeDetail(
            View(row, killSwitch.Engaged, gate),
            [.. changes.Select(c => new StageChangeView(c.Id, c.FromStage, c.ToStage, c.Rule, JsonNode.Parse(c.Reasons), JsonNode.Parse(c.Checks),
                c.Metrics is null ? null : JsonNode.Parse(c.Metrics), c.PolicyVersion, c.Actor, Utc(c.At)))],
            Series(window),
            [.. window.AsEnumerable().Reverse().Take(100).Select(EventView)]);
    }

    /// <summary>The window's metrics recomputed as they stood at evenly spaced times across it (the same pure calculation).</summary>
    private List<MetricPoint> Series(List<TrustEventEntity> window)
    {
        if (window.Count == 0)
        {
            return [];
        }

        var records = window.Select(Record).ToList();
        var (first, last) = (records[0].At, records[^1].At);
        var points = new List<MetricPoint>();
        var steps = first == last ? 1 : SeriesPoints;
        for (var i = 1; i <= steps; i++)
        {
            var at = first + (last - first) * i / steps;
            var m = ScopeMetricsCalculator.Compute(records, first, at, Options.Window);
            points.Add(new MetricPoint(at, m.Events, m.Reliability.Rate, m.Reliability.Lower, m.Alignment.Rate, m.Alignment.Lower, m.OverrideRate.Rate, m.Brier, m.Ece, m.SecondsSaved));
        }

        return points;
    }

    /// <summary>Pins (or freezes, or unpins) a scope's stage with a reason; audited, and the stage follows at once.</summary>
    public async Task<ScopeView> PinAsync(string key, PinBody body, string actor, CancellationToken cancellationToken)
    {
        var scope = ParseKey(key);
        if (string.IsNullOrWhiteSpace(body.Reason))
        {
            throw Invalid(TrustErrorCodes.PinInvalid, "A reason is required: it goes into the audit log.");
        }

        var reason = body.Reason.Trim() is { Length: > 1000 } long_ ? long_[..1000] : body.Reason.Trim();
        TrustStage? stage = null;
        if (body.Stage is { Length: > 0 } name)
        {
            stage = TrustStages.TryParse(name, out var parsed)
                ? parsed
                : throw Invalid(TrustErrorCodes.PinInvalid, $"'{name}' is not a stage: {string.Join(", ", TrustStages.Ladder.Select(s => s.Name()))}.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var view = await ChangeAsync(scope, actor, row =>
        {
            var pinned = stage ?? (body.Freeze == true && TrustStages.TryParse(row.Stage, out var current) ? current : null);
            (row.PinStage, row.PinReason, row.PinBy, row.PinAt) = pinned is { } p
                ? ((string?)p.Name(), (string?)reason, (string?)actor, (DateTime?)now)
                : (null, null, null, null);
            return new AuditEvent(actor, pinned is null ? "trust.unpinned" : "trust.pinned", $"trust_scope:{scope.Key}", reason,
                new JsonObject { ["scopeKey"] = scope.Key, ["stage"] = pinned?.Name(), ["freeze"] = body.Freeze == true });
        }, cancellationToken);
        Log.Pinned(logger, scope.Key, view.Pin?.Stage, actor);
        return view;
    }

    /// <summary>What mode a proposal would get, and why; nothing is recorded.</summary>
    public async Task<ResolveModeResponse> ResolveModeAsync(ResolveModeBody body, CancellationToken cancellationToken)
    {
        var scope = ScopeOf(body.Scope, TrustErrorCodes.ResolveInvalid);
        var killSwitch = await gates.KillSwitchAsync(cancellationToken);
        var gate = await gates.ResolveAsync(body.WorkflowId, "governed.action", scope.ActionType, cancellationToken);
        var resolution = await ResolveAsync(scope, $"dry:{Guid.NewGuid():N}", body.Context ?? [], body.Reversible ?? false, Cap(gate), body.RuleRequiresApproval ?? false, cancellationToken);
        return ResolveModeResponse.From(resolution, killSwitch, gate);
    }

    /// <summary>
    /// Records an event posted by another system (idempotent by key: the same key and event again is answered as before, a
    /// different event under a used key is 409), then re-evaluates its scope. An unscored proposal is scored and given its mode.
    /// </summary>
    public async Task<RecordedEvent> RecordAsync(TrustEventBody body, string? idempotencyKey, string caller, CancellationToken cancellationToken)
    {
        var (scope, kind, proposalId, result) = Validate(body);
        var key = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim() is { Length: > 200 } k ? k[..200] : idempotencyKey.Trim();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (key is not null && await db.Set<TrustEventEntity>().AsNoTracking().SingleOrDefaultAsync(e => e.IdempotencyKey == key, cancellationToken) is { } earlier)
        {
            return earlier.ScopeKey == scope.Key && earlier.Kind == kind && earlier.ProposalId == proposalId && earlier.Result == result
                ? new RecordedEvent(EventView(earlier), true, await ScopeViewAsync(scope, cancellationToken), null)
                : throw new ControlTowerException(ErrorKind.Conflict, TrustErrorCodes.EventConflict, $"Idempotency key '{key}' was used for another event.");
        }

        TrustResolution? resolution = null;
        var actor = string.IsNullOrWhiteSpace(body.Actor) ? caller : body.Actor.Trim();
        TrustEventEntity entity;
        if (kind == TrustEventKinds.Proposal && body.Predictions is null)
        {
            var gate = await gates.ResolveAsync(null, "governed.action", scope.ActionType, cancellationToken);
            resolution = await ResolveAsync(scope, proposalId, body.Context ?? [], body.Reversible ?? false, Cap(gate), false, cancellationToken);
            entity = ProposalEvent(resolution, actor, "api", null, null);
            (entity.IdempotencyKey, entity.At) = (key, body.At?.UtcDateTime ?? entity.At);
        }
        else
        {
            entity = Event(scope, kind, proposalId, result, actor, "api", body.LatencySeconds, body.DurationMs, Mode(body.Mode), at: body.At,
                idempotencyKey: key, features: body.Context is null ? null : new JsonObject { ["context"] = body.Context.DeepClone() }, predictionsJson: body.Predictions);
        }

        db.Add(entity);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (key is not null)
        {
            // A racing request with the same key won: answer as a repeat of it.
            return await RecordAsync(body, key, caller, cancellationToken);
        }

        var view = await EvaluateAsync(scope, cancellationToken);
        return new RecordedEvent(EventView(entity), false, view, resolution?.ToJson());
    }

    private async Task<ScopeView> ScopeViewAsync(TrustScope scope, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<TrustScopeEntity>().AsNoTracking().SingleOrDefaultAsync(s => s.ScopeKey == scope.Key, cancellationToken);
        return row is null
            ? await EvaluateAsync(scope, cancellationToken)
            : View(row, (await gates.KillSwitchAsync(cancellationToken)).Engaged, await gates.ResolveAsync(null, "governed.action", scope.ActionType, cancellationToken));
    }

    private (TrustScope Scope, string Kind, string ProposalId, string? Result) Validate(TrustEventBody body)
    {
        var scope = ScopeOf(body.Scope, TrustErrorCodes.EventInvalid);
        var kind = body.Kind?.Trim().ToLowerInvariant() ?? "";
        if (!TrustEventKinds.All.Contains(kind))
        {
            throw Invalid(TrustErrorCodes.EventInvalid, $"kind must be one of {string.Join(", ", TrustEventKinds.All)}.");
        }

        if (string.IsNullOrWhiteSpace(body.ProposalId) || body.ProposalId.Trim().Length > 200)
        {
            throw Invalid(TrustErrorCodes.EventInvalid, "proposalId is required (at most 200 characters): it ties a proposal's events together.");
        }

        var results = TrustEventKinds.Results(kind);
        var result = body.Result?.Trim().ToLowerInvariant();
        if (results.Count > 0 ? !results.Contains(result ?? "") : result is not null)
        {
            throw Invalid(TrustErrorCodes.EventInvalid, results.Count > 0 ? $"A {kind} event needs result {string.Join(" | ", results)}." : $"A {kind} event takes no result.");
        }

        if (body.LatencySeconds is { } latency && (!double.IsFinite(latency) || latency < 0) || body.DurationMs is { } duration && (!double.IsFinite(duration) || duration < 0))
        {
            throw Invalid(TrustErrorCodes.EventInvalid, "latencySeconds and durationMs are finite and not negative.");
        }

        if (body.At is { } at && at > time.GetUtcNow().AddMinutes(5))
        {
            throw Invalid(TrustErrorCodes.EventInvalid, "at lies in the future.");
        }

        if (body.Actor?.Length > 200 || body.Mode?.Length > 30 || (body.Context?.ToJsonString().Length ?? 0) > 32_000)
        {
            throw Invalid(TrustErrorCodes.EventInvalid, "actor is at most 200 characters, mode 30, context 32,000 as JSON.");
        }

        return (scope, kind, body.ProposalId.Trim(), result);
    }

    private static string? Mode(string? mode) =>
        mode is null ? null : mode == TrustModes.Person || TrustStages.TryParse(mode, out _) ? mode
            : throw Invalid(TrustErrorCodes.EventInvalid, $"mode is '{TrustModes.Person}' or a stage ({string.Join(", ", TrustStages.Ladder.Select(s => s.Name()))}).");

    private static TrustScope ScopeOf(TrustScopeBody? body, string code)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.ActionType))
        {
            throw Invalid(code, "scope with at least actionType is required ({ tenant, site, queue, actionType, role }).");
        }

        string Part(string? value) => value?.Trim() is { Length: > 200 } ? throw Invalid(code, "Each scope part is at most 200 characters.")
            : value?.Trim().Contains('|', StringComparison.Ordinal) == true ? throw Invalid(code, "Scope parts may not contain '|'.") : value?.Trim() ?? "";
        return new TrustScope(Part(body.Tenant), Part(body.Site), Part(body.Queue), Part(body.ActionType), Part(body.Role));
    }

    /// <summary>A scope key (<c>tenant|site|queue|actionType|role</c>) back into its scope.</summary>
    public static TrustScope ParseKey(string key) =>
        key.Split('|') is [var tenant, var site, var queue, var actionType, var role] && actionType.Length > 0 && key.Length <= 1100
            ? new TrustScope(tenant, site, queue, actionType, role)
            : throw Invalid(TrustErrorCodes.ScopeInvalid, "A scope key is tenant|site|queue|actionType|role with an action type.");

    private ScopeView View(TrustScopeEntity row, bool killSwitch, GateDecision gate)
    {
        TrustStages.TryParse(row.Stage, out var stage);
        var policy = Options.Policy;
        var thresholds = new JsonObject();
        foreach (var s in TrustStages.Ladder.Skip(1))
        {
            var t = policy.For(s);
            thresholds[s.Name()] = new JsonObject { ["reliability"] = t.Reliability, ["alignment"] = t.Alignment, ["maxEce"] = t.MaxEce };
        }

        thresholds["minSample"] = policy.MinSampleAtStage;
        thresholds["hysteresis"] = policy.HysteresisBand;
        thresholds["failureStreak"] = policy.FailureStreakLimit;
        thresholds["maxOverrideRate"] = policy.MaxOverrideRate;
        thresholds["maxAnomalyRate"] = policy.MaxAnomalyRate;
        thresholds["sustainEvaluations"] = policy.SustainEvaluations;
        var cap = Cap(gate);
        return new ScopeView(row.ScopeKey, TrustResolution.ScopeJson(new TrustScope(row.Tenant, row.Site, row.Queue, row.ActionType, row.Role)), row.Stage, Utc(row.StageSince),
            (killSwitch ? TrustStage.Observe : TrustStages.Min(stage, cap)).Name(),
            row.PinStage is null ? null : new PinView(row.PinStage, row.PinReason ?? "", row.PinBy ?? "", Utc(row.PinAt ?? row.StageSince)),
            killSwitch, new JsonObject { ["authorized"] = gate.Authorized, ["scopeKey"] = gate.ScopeKey, ["why"] = gate.Why, ["cap"] = cap.Name() },
            row.LastMetrics is null ? null : JsonNode.Parse(row.LastMetrics), thresholds, row.LastRule,
            row.LastReasons is null ? null : JsonNode.Parse(row.LastReasons), row.LastEvaluatedAt is { } e ? Utc(e) : null, row.PolicyVersion, row.EligibleStreak);
    }

    private static TrustEventView EventView(TrustEventEntity e) => new(
        e.Id, e.Kind, e.ProposalId, e.Result, e.Actor, e.Mode, e.LatencySeconds, e.DurationMs, e.PredictedApproval, e.PredictedSuccess, e.AnomalyScore, e.Anomalous,
        e.Features is null ? null : JsonNode.Parse(e.Features), e.Predictions is null ? null : JsonNode.Parse(e.Predictions), e.RunId, e.NodeId, e.ExecutionId, e.Source, Utc(e.At));
}
