using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Json;
using ControlTower.Core.Trust;
using ControlTower.Server.Audit;
using ControlTower.Server.Governance;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Trust;

/// <summary>
/// The trust system's shell: scores proposals and resolves their mode (<see cref="ResolveAsync"/>), builds the trust events
/// that governance writes in its own transactions (<see cref="Event"/>), and re-evaluates a scope's stage after its events
/// (<see cref="EvaluateAsync"/>, its own transaction, audited <c>trust.stage_changed</c> when the stage moves).
/// </summary>
internal sealed partial class TrustService(
    IDbContextFactory<ControlTowerDbContext> contexts,
    IOptions<TrustOptions> options,
    ITrustPredictor predictor,
    GateService gates,
    AuditLog audit,
    TimeProvider time,
    ILogger<TrustService> logger)
{
    public const string SystemActor = "system:trust";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private TrustOptions Options => options.Value;

    /// <summary>The scope of a <c>governed.action</c> from its rendered <c>scope</c> config, or null when it declares none (trust off).</summary>
    public static TrustScope? ScopeFrom(JsonObject? rendered, string actionType)
    {
        if (rendered is null || rendered.Count == 0)
        {
            return null;
        }

        string Part(string name) => rendered[name] is JsonValue v ? Clip(v.ToString()) : "";
        return new TrustScope(Part("tenant"), Part("site"), Part("queue"), Clip(actionType), Part("role"));
    }

    /// <summary>
    /// Scores a proposal with the scope's history and says what its stage does with it, capped by the gate
    /// (<paramref name="cap"/>) and overridden by a rule that requires approval. Reads only; records nothing.
    /// </summary>
    public async Task<TrustResolution> ResolveAsync(TrustScope scope, string proposalId, JsonObject context, bool reversible,
        TrustStage cap, bool ruleRequiresApproval, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<TrustScopeEntity>().AsNoTracking().SingleOrDefaultAsync(s => s.ScopeKey == scope.Key, cancellationToken);
        var stage = row is not null && TrustStages.TryParse(row.Stage, out var s) ? s : TrustStage.Observe;
        var history = History(await WindowAsync(db, scope.Key, now, cancellationToken), now);
        var proposal = new TrustProposal(scope, (JsonObject)context.DeepClone(), now, history);
        var predictions = predictor.Predict(proposal);
        var mode = TrustModeResolver.Resolve(stage, cap, ruleRequiresApproval, reversible, predictions, Options.Modes);
        return new TrustResolution(scope, proposalId, proposal, predictions, mode, stage, Options.Policy.Version);
    }

    /// <summary>The cap a gate puts on a scope: an authorized gate lets it climb the whole ladder, any other keeps a person deciding.</summary>
    public static TrustStage Cap(GateDecision gate) => gate.Authorized ? TrustStage.FullAuto : TrustStage.Propose;

    /// <summary>The proposal event of a resolution: its features and predictions with their model versions.</summary>
    public TrustEventEntity ProposalEvent(TrustResolution r, string actor, string source, Guid? runId, string? nodeId) =>
        Event(r.Scope, TrustEventKinds.Proposal, r.ProposalId, null, actor, source, runId: runId, nodeId: nodeId, mode: r.Mode.Mode,
            features: Features(r.Proposal), predictions: r.Predictions);

    /// <summary>A trust event to add to the caller's context, so it commits with the caller's own state.</summary>
    public TrustEventEntity Event(
        TrustScope scope, string kind, string proposalId, string? result, string actor, string source,
        double? latencySeconds = null, double? durationMs = null, string? mode = null, Guid? runId = null, string? nodeId = null, Guid? executionId = null,
        JsonObject? features = null, TrustPredictions? predictions = null, DateTimeOffset? at = null, string? idempotencyKey = null, JsonObject? predictionsJson = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new TrustEventEntity
        {
            Id = Guid.NewGuid(),
            ScopeKey = scope.Key,
            Tenant = scope.Tenant,
            Site = scope.Site,
            Queue = scope.Queue,
            ActionType = scope.ActionType,
            Role = scope.Role,
            Kind = kind,
            ProposalId = proposalId,
            Result = result,
            Actor = Clip(actor),
            LatencySeconds = latencySeconds,
            DurationMs = durationMs,
            Mode = mode,
            PredictedApproval = predictions?.Approval.Probability ?? Number(predictionsJson?["approval"]?["probability"]),
            PredictedSuccess = predictions?.Success.Probability ?? Number(predictionsJson?["success"]?["probability"]),
            AnomalyScore = predictions?.Anomaly.Score ?? Number(predictionsJson?["anomaly"]?["score"]),
            Anomalous = predictions?.Anomaly.Anomalous ?? (predictionsJson?["anomaly"]?["anomalous"] is JsonValue a && a.TryGetValue<bool>(out var flag) ? flag : null),
            Features = features?.ToJsonString(),
            Predictions = (predictions is null ? predictionsJson : TrustResolution.PredictionsJson(predictions))?.ToJsonString(),
            RunId = runId,
            NodeId = nodeId,
            ExecutionId = executionId,
            Source = source,
            IdempotencyKey = idempotencyKey,
            At = at?.UtcDateTime ?? now,
            RecordedAt = now,
        };
    }

    /// <summary>The scope an event row belongs to.</summary>
    public static TrustScope ScopeOf(TrustEventEntity e) => new(e.Tenant, e.Site, e.Queue, e.ActionType, e.Role);

    private static JsonObject Features(TrustProposal p) => new()
    {
        ["context"] = p.Context.DeepClone(),
        ["history"] = new JsonObject
        {
            ["priorProposals"] = p.History.PriorProposals,
            ["approvalRateSoFar"] = p.History.ApprovalRateSoFar,
            ["eventsLastHour"] = p.History.EventsLastHour,
            ["hoursSinceLastFailure"] = p.History.HoursSinceLastFailure,
        },
        ["at"] = p.At.ToString("O"),
    };

    /// <summary>The scope's history just before a proposal, from its earlier events only.</summary>
    private static ScopeHistory History(List<TrustEventEntity> events, DateTimeOffset now)
    {
        var decided = events.Where(e => e.Kind == TrustEventKinds.Decision && e.Result is TrustEventKinds.Approved or TrustEventKinds.Rejected or TrustEventKinds.Edited).ToList();
        var lastFailure = events.Where(e => e.Kind is TrustEventKinds.Execution or TrustEventKinds.Outcome && e.Result == TrustEventKinds.Failed)
            .Select(e => (DateTime?)e.At).Max();
        return new ScopeHistory(
            events.Count(e => e.Kind == TrustEventKinds.Proposal),
            decided.Count == 0 ? null : (double)decided.Count(e => e.Result == TrustEventKinds.Approved) / decided.Count,
            events.Count(e => e.At >= now.UtcDateTime.AddHours(-1)),
            lastFailure is { } f ? (now.UtcDateTime - f).TotalHours : null);
    }

    /// <summary>The scope's events inside the metrics window, oldest first.</summary>
    private async Task<List<TrustEventEntity>> WindowAsync(ControlTowerDbContext db, string scopeKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var since = now.UtcDateTime - Options.Window.MaxAge;
        var newest = await db.Set<TrustEventEntity>().AsNoTracking()
            .Where(e => e.ScopeKey == scopeKey && e.At >= since)
            .OrderByDescending(e => e.At).ThenByDescending(e => e.RecordedAt)
            .Take(Options.Window.MaxEvents)
            .ToListAsync(cancellationToken);
        newest.Reverse();
        return newest;
    }

    private static TrustEventRecord Record(TrustEventEntity e) =>
        new(e.Kind, e.ProposalId, Utc(e.At), e.Result, e.LatencySeconds, e.Mode, e.PredictedApproval, e.PredictedSuccess, e.Anomalous);

    /// <summary>
    /// Re-evaluates a scope's stage from its window of events, the gate's cap and the kill switch. Its own transaction,
    /// taking a turn on the scope row (its version), so concurrent evaluations of one scope apply one after the other.
    /// A change is stored with its rule, reasons, checks and metrics and audited <c>trust.stage_changed</c>.
    /// </summary>
    public Task<ScopeView> EvaluateAsync(TrustScope scope, CancellationToken cancellationToken) =>
        ChangeAsync(scope, SystemActor, null, cancellationToken);

    /// <summary>Evaluates every known scope (after the kill switch is engaged, so each falls to <c>observe</c> at once).</summary>
    public async Task EvaluateAllAsync(CancellationToken cancellationToken)
    {
        List<TrustScopeEntity> rows;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            rows = await db.Set<TrustScopeEntity>().AsNoTracking().ToListAsync(cancellationToken);
        }

        foreach (var row in rows)
        {
            await EvaluateAsync(new TrustScope(row.Tenant, row.Site, row.Queue, row.ActionType, row.Role), cancellationToken);
        }
    }

    /// <summary>
    /// One evaluation, optionally after <paramref name="mutate"/> changed the row (a pin) and with its audit entry;
    /// retried when another evaluation of the scope committed first.
    /// </summary>
    private async Task<ScopeView> ChangeAsync(TrustScope scope, string actor, Func<TrustScopeEntity, AuditEvent>? mutate, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await ChangeOnceAsync(scope, actor, mutate, cancellationToken);
            }
            catch (DbUpdateException) when (attempt < 8)
            {
                // Another evaluation of this scope committed between our read and our write (version or first insert): read again.
            }
        }
    }

    private async Task<ScopeView> ChangeOnceAsync(TrustScope scope, string actor, Func<TrustScopeEntity, AuditEvent>? mutate, CancellationToken cancellationToken)
    {
        var killSwitch = await gates.KillSwitchAsync(cancellationToken);
        var gate = await gates.ResolveAsync(null, "governed.action", scope.ActionType, cancellationToken);
        var now = time.GetUtcNow();
        var policy = Options.Policy;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = await db.Set<TrustScopeEntity>().SingleOrDefaultAsync(s => s.ScopeKey == scope.Key, cancellationToken);
        var window = await WindowAsync(db, scope.Key, now, cancellationToken);
        if (row is null)
        {
            // A scope is born observing from its first event, so that event is evidence at its first stage.
            row = NewScope(scope, window.Count > 0 ? Utc(window[0].At) : now, policy.Version);
            db.Add(row);
        }

        var events = new List<AuditEvent>();
        if (mutate is not null)
        {
            events.Add(mutate(row));
        }

        var state = State(row);
        var metrics = ScopeMetricsCalculator.Compute(window.Select(Record), state.Since, now, Options.Window);
        var decision = StagePolicy.Evaluate(metrics, state, new StageLimits(Cap(gate), killSwitch.Engaged), policy, now);
        Apply(row, decision, metrics, policy.Version, now);
        if (decision.Changed)
        {
            var change = new TrustStageChangeEntity
            {
                Id = Guid.NewGuid(),
                ScopeKey = scope.Key,
                FromStage = decision.From.Name(),
                ToStage = decision.Next.Stage.Name(),
                Rule = decision.Rule,
                Reasons = JsonSerializer.Serialize(decision.Reasons, Json),
                Checks = JsonSerializer.Serialize(decision.Checks, Json),
                Metrics = row.LastMetrics,
                PolicyVersion = policy.Version,
                Actor = actor,
                At = now.UtcDateTime,
            };
            db.Add(change);
            events.Add(new AuditEvent(actor, "trust.stage_changed", $"trust_scope:{scope.Key}",
                $"{change.FromStage} → {change.ToStage} by rule {decision.Rule}: {string.Join("; ", decision.Reasons)}",
                new JsonObject
                {
                    ["scopeKey"] = scope.Key,
                    ["from"] = change.FromStage,
                    ["to"] = change.ToStage,
                    ["rule"] = decision.Rule,
                    ["reasons"] = JsonNode.Parse(change.Reasons),
                    ["checks"] = JsonNode.Parse(change.Checks),
                    ["metrics"] = JsonNode.Parse(row.LastMetrics!),
                    ["policyVersion"] = policy.Version,
                }));
            Log.StageChanged(logger, scope.Key, change.FromStage, change.ToStage, decision.Rule);
        }

        if (events.Count > 0)
        {
            await audit.CommitAsync(db, events, cancellationToken);
        }
        else
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return View(row, killSwitch.Engaged, gate);
    }

    private static TrustScopeEntity NewScope(TrustScope scope, DateTimeOffset now, string policyVersion) => new()
    {
        ScopeKey = scope.Key,
        Tenant = scope.Tenant,
        Site = scope.Site,
        Queue = scope.Queue,
        ActionType = scope.ActionType,
        Role = scope.Role,
        Stage = TrustStage.Observe.Name(),
        StageSince = now.UtcDateTime,
        PolicyVersion = policyVersion,
        CreatedAt = now.UtcDateTime,
    };

    private static StageState State(TrustScopeEntity row)
    {
        TrustStages.TryParse(row.Stage, out var stage);
        var pin = row.PinStage is { } p && TrustStages.TryParse(p, out var pinned)
            ? new StagePin(pinned, row.PinReason ?? "", row.PinBy ?? "", Utc(row.PinAt ?? row.StageSince))
            : null;
        return new StageState(stage, Utc(row.StageSince), row.EligibleStreak, row.EligibleSince is { } e ? Utc(e) : null, pin);
    }

    private static void Apply(TrustScopeEntity row, StageDecision decision, ScopeMetrics metrics, string policyVersion, DateTimeOffset now)
    {
        row.Stage = decision.Next.Stage.Name();
        row.StageSince = decision.Next.Since.UtcDateTime;
        row.EligibleStreak = decision.Next.EligibleStreak;
        row.EligibleSince = decision.Next.EligibleSince?.UtcDateTime;
        row.PolicyVersion = policyVersion;
        row.LastMetrics = JsonSerializer.Serialize(metrics, Json);
        row.LastRule = decision.Rule;
        row.LastReasons = JsonSerializer.Serialize(decision.Reasons, Json);
        row.LastEvaluatedAt = now.UtcDateTime;
        row.Version++;
    }

    internal static ControlTowerException Invalid(string code, string message) => new(ErrorKind.Validation, code, message);

    private static string Clip(string value) => value.Length > 200 ? value[..200] : value;

    private static double? Number(JsonNode? node) => JsonValues.Number(node);

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
