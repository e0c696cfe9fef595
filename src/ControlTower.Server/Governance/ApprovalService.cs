using System.Security.Claims;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Audit;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Governance;

/// <summary>
/// Durable approvals: opened by executors, decided over HTTP, expired and escalated by durable tasks.
/// Racing decisions take turns on the approval row (a conditional version bump on <c>pending</c>), so
/// exactly one of them closes it, on SQLite and PostgreSQL alike; unique indexes make a repeated
/// idempotency key and a second vote by the same person impossible. Closing writes a <c>resolve</c> task
/// in the same transaction; the worker feeds it to the run, so a crash between cannot lose the outcome.
/// </summary>
internal sealed partial class ApprovalService(
    IDbContextFactory<ControlTowerDbContext> contexts,
    AuditLog audit,
    RunTransitions transitions,
    RunWorkSignal work,
    Trust.TrustService trust,
    TimeProvider time,
    ILogger<ApprovalService> logger)
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Expired = "expired";

    /// <summary>Closed without a decision because the engine cancelled the node attempt it was gating.</summary>
    public const string Cancelled = "cancelled";
    public const int MaxPageSize = 200;

    private const string ExpireAction = "expire";
    private const string EscalateAction = "escalate";
    private const string ResolveAction = "resolve";

    // Turns on the run row before giving up; each lost turn means the run really changed in between.
    private const int MaxRunTurns = 10;

    /// <summary>
    /// Opens the approval of one node attempt, or returns the one it already has (a re-executed attempt).
    /// The run's state and the approval agree: in one transaction the open checks that the attempt is still running
    /// and takes a turn on the run row (a conditional <see cref="RunEntity.StateVersion"/> bump, the engine's optimistic
    /// lock). A cancellation that commits before the turn makes it fail, and the open looks again; one that read the run
    /// before the open commits fails its own update, is applied again, and its <see cref="ApprovalCancellation"/> finds
    /// this approval to close. The turn comes after the audit append, so the locks are taken in the engine's order
    /// (audit chain, then run row) and cannot deadlock on PostgreSQL. An attempt that is no longer
    /// running (its executor was on its way, maybe in another process, when the run was cancelled or failed) gets its
    /// approval created already <c>cancelled</c>: the request and its closing are audited together, nothing reaches
    /// the inbox, and a re-delivered attempt finds it closed.
    /// </summary>
    public async Task<ApprovalEntity> OpenAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        for (var turn = 1; ; turn++)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (await FindAsync(db, request.RunId, request.NodeId, request.Attempt, cancellationToken) is { } existing)
            {
                return existing;
            }

            var run = await db.Set<RunEntity>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == request.RunId, cancellationToken)
                ?? throw RunTransitions.NotFound(request.RunId);
            var now = time.GetUtcNow().UtcDateTime;
            var approval = NewApproval(request, now);
            var events = new List<AuditEvent> { Requested(request, approval) };
            var ended = EndedReason(run, await RunStateRows.LoadAsync(db, run, cancellationToken), request);
            if (ended is null)
            {
                AddDueTasks(db, approval, now);
            }
            else
            {
                CloseCancelled(approval, ended, now);
                events.Add(CancelledEvent(approval, ended));
            }

            db.Add(approval);
            try
            {
                // The audit chain's lock before the run row, the order the engine's audited transitions take them in.
                await audit.CommitAsync(db, events, cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another process opened it first (same attempt delivered twice): theirs stands.
                await using var fresh = await contexts.CreateDbContextAsync(cancellationToken);
                if (await FindAsync(fresh, request.RunId, request.NodeId, request.Attempt, cancellationToken) is { } theirs)
                {
                    return theirs;
                }

                throw;
            }

            if (ended is null && !await TakeRunTurnAsync(db, run, cancellationToken))
            {
                // The run changed since it was read (maybe cancelled): all of this rolls back, and the next pass looks again.
                if (turn < MaxRunTurns)
                {
                    continue;
                }

                throw new ControlTowerException(ErrorKind.Unavailable, GovernanceErrorCodes.RunBusy, $"Run {request.RunId} kept changing while approval for node '{request.NodeId}' was being opened.");
            }

            await transaction.CommitAsync(cancellationToken);
            if (approval.Status == Pending)
            {
                work.Notify();
            }

            return approval;
        }
    }

    /// <summary>
    /// Why the attempt can no longer be gated, in the engine's words for a cancelled attempt (the cancel reason, <c>run_failed</c>),
    /// or <c>attempt_{status}</c> when the node moved on; null while it is running.
    /// </summary>
    private static string? EndedReason(RunEntity run, RunState state, ApprovalRequest request)
    {
        var node = state.Nodes.FirstOrDefault(n => n.NodeId == request.NodeId);
        return state.IsFinished ? (state.Status == RunStatus.Cancelled ? run.ErrorMessage : null) ?? $"run_{run.Status}"
            : node is null || node.Status != NodeStatus.Running || node.Attempt != request.Attempt ? $"attempt_{(node?.Status ?? NodeStatus.Pending).ToString().ToLowerInvariant()}"
            : null;
    }

    /// <summary>
    /// The run row's turn: a conditional bump of the version read. A transition that read the run before this commits
    /// fails its own conditional update and applies its event again on the fresh state (seeing this approval).
    /// </summary>
    private static async Task<bool> TakeRunTurnAsync(ControlTowerDbContext db, RunEntity run, CancellationToken cancellationToken) =>
        await db.Set<RunEntity>()
            .Where(r => r.Id == run.Id && r.StateVersion == run.StateVersion)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.StateVersion, r => r.StateVersion + 1), cancellationToken) == 1;

    private static ApprovalEntity NewApproval(ApprovalRequest request, DateTime now) => new()
    {
        Id = Guid.NewGuid(),
        RunId = request.RunId,
        WorkflowId = request.WorkflowId,
        NodeId = request.NodeId,
        NodeType = request.NodeType,
        Attempt = request.Attempt,
        Title = Truncate(request.Title, 500),
        Instructions = request.Instructions,
        Evidence = request.Evidence?.ToJsonString(),
        Roles = Wrap(request.Roles),
        Users = Wrap(request.Users),
        RequiredApprovals = request.RequiredApprovals,
        RequiredRejections = request.RequiredRejections,
        AllowSelfApproval = request.AllowSelfApproval,
        InitiatorId = request.InitiatorId,
        Status = Pending,
        CreatedAt = now,
        ExpiresAt = request.ExpiresAt?.UtcDateTime,
        EscalateAt = request.EscalateAt?.UtcDateTime,
        EscalationRole = request.EscalationRole,
        CommentRequired = request.CommentRequired,
    };

    private static void AddDueTasks(ControlTowerDbContext db, ApprovalEntity approval, DateTime now)
    {
        if (approval.ExpiresAt is { } expires)
        {
            AddTask(db, approval, ExpireAction, expires, now);
        }

        if (approval.EscalateAt is { } escalate && approval.EscalationRole is not null)
        {
            AddTask(db, approval, EscalateAction, escalate, now);
        }
    }

    private static AuditEvent Requested(ApprovalRequest request, ApprovalEntity approval) =>
        new($"run:{request.RunId}", "approval.requested", $"approval:{approval.Id}",
            $"node '{request.NodeId}' ({request.NodeType}) asks for a decision: {approval.Title}",
            new JsonObject
            {
                ["runId"] = request.RunId,
                ["nodeId"] = request.NodeId,
                ["roles"] = new JsonArray([.. request.Roles.Select(r => (JsonNode)JsonValue.Create(r))]),
                ["users"] = new JsonArray([.. request.Users.Select(u => (JsonNode)JsonValue.Create(u))]),
                ["requiredApprovals"] = request.RequiredApprovals,
                ["expiresAt"] = request.ExpiresAt,
            });

    /// <summary>Closed at birth: no resolve task, since the attempt it would resume has already ended.</summary>
    private static void CloseCancelled(ApprovalEntity approval, string reason, DateTime now)
    {
        approval.Status = Cancelled;
        approval.ResolvedAt = now;
        approval.Output = ApprovalCancellation.Output(approval.Id, reason, now);
    }

    private static AuditEvent CancelledEvent(ApprovalEntity approval, string reason) =>
        ApprovalCancellation.Event(approval.Id, approval.RunId, approval.NodeId, approval.Attempt, reason,
            $"node '{approval.NodeId}' attempt {approval.Attempt} was no longer running when it asked for a decision: {reason}");

    /// <summary>The newest approval a node of a run asked for, whatever its attempt.</summary>
    public async Task<ApprovalEntity?> LatestForNodeAsync(Guid runId, string nodeId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<ApprovalEntity>().AsNoTracking()
            .Where(a => a.RunId == runId && a.NodeId == nodeId)
            .OrderByDescending(a => a.Attempt)
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The roles a decider list can name (not <c>service</c>: keys do not decide for people) and the enabled users.</summary>
    public async Task<ApprovalDeciders> DecidersAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var users = await db.Users.AsNoTracking().Where(u => !u.Disabled && u.Role != Roles.Service).OrderBy(u => u.Name)
            .Select(u => new ApprovalDecider(u.Name, u.Role)).ToListAsync(cancellationToken);
        return new ApprovalDeciders([Roles.Admin, Roles.Approver, Roles.Operator, Roles.Viewer], users);
    }

    public async Task<ApprovalView> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var approval = await db.Set<ApprovalEntity>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken) ?? throw NotFound(id);
        var decisions = await db.Set<ApprovalDecisionEntity>().AsNoTracking().Where(d => d.ApprovalId == id).ToListAsync(cancellationToken);
        var comments = await db.Set<ApprovalCommentEntity>().AsNoTracking().Where(c => c.ApprovalId == id).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);
        return ToView(approval, decisions) with { Comments = [.. comments.Select(ToView)] };
    }

    /// <summary>Adds a remark to an approval, open or closed (audited); the text is what the audit records as the reason.</summary>
    public async Task<CommentView> CommentAsync(Guid id, ClaimsPrincipal user, CommentBody body, CancellationToken cancellationToken)
    {
        var text = body.Text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 4000)
        {
            throw new ControlTowerException(ErrorKind.Validation, GovernanceErrorCodes.CommentInvalid, "text is required and at most 4000 characters.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Set<ApprovalEntity>().AnyAsync(a => a.Id == id, cancellationToken))
        {
            throw NotFound(id);
        }

        var comment = new ApprovalCommentEntity { Id = Guid.NewGuid(), ApprovalId = id, AuthorId = user.UserId(), AuthorName = user.UserName(), Text = text, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Add(comment);
        await audit.CommitAsync(db, new AuditEvent(user.Actor(), "approval.commented", $"approval:{id}", text), cancellationToken);
        return ToView(comment);
    }

    public async Task<ApprovalPage> ListAsync(ApprovalQuery query, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (query.Limit is < 1 or > MaxPageSize || query.Offset < 0)
        {
            throw new ControlTowerException(ErrorKind.Validation, GovernanceErrorCodes.QueryInvalid, $"limit must be 1..{MaxPageSize} and offset at least 0.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var approvals = db.Set<ApprovalEntity>().AsNoTracking();
        approvals = query.Status switch
        {
            null or "" or "all" => approvals,
            "closed" => approvals.Where(a => a.Status != Pending),
            Pending or Approved or Rejected or Expired or Cancelled => approvals.Where(a => a.Status == query.Status),
            _ => throw new ControlTowerException(ErrorKind.Validation, GovernanceErrorCodes.QueryInvalid, "status must be pending, closed, approved, rejected, expired, cancelled or all."),
        };
        if (query.WorkflowId is { } workflowId)
        {
            approvals = approvals.Where(a => a.WorkflowId == workflowId);
        }

        if (query.RunId is { } runId)
        {
            approvals = approvals.Where(a => a.RunId == runId);
        }

        if (query.Role is { Length: > 0 } role)
        {
            var wrapped = $",{role},";
            approvals = approvals.Where(a => a.Roles.Contains(wrapped));
        }

        if (query.Mine && !user.IsAdmin())
        {
            var (id, name, own) = ($",{user.UserId()},", $",{user.UserName()},", $",{user.Role()},");
            approvals = approvals.Where(a => a.Users.Contains(id) || a.Users.Contains(name) || a.Roles.Contains(own));
        }

        var total = await approvals.CountAsync(cancellationToken);
        var page = await approvals.OrderByDescending(a => a.CreatedAt).ThenBy(a => a.Id).Skip(query.Offset).Take(query.Limit).ToListAsync(cancellationToken);
        var ids = page.Select(a => a.Id).ToList();
        var decisions = (await db.Set<ApprovalDecisionEntity>().AsNoTracking().Where(d => ids.Contains(d.ApprovalId)).ToListAsync(cancellationToken))
            .ToLookup(d => d.ApprovalId);
        var next = query.Offset + page.Count < total ? query.Offset + page.Count : (int?)null;
        return new ApprovalPage([.. page.Select(a => ToView(a, decisions[a.Id]))], total, next);
    }

    /// <summary>
    /// Records one person's vote. The same idempotency key again returns the first answer (even once closed);
    /// a closed approval is <c>approval.closed</c> (409); the run's initiator may not decide unless allowed.
    /// </summary>
    public async Task<DecisionResult> DecideAsync(Guid id, ClaimsPrincipal user, string? idempotencyKey, DecisionBody body, CancellationToken cancellationToken)
    {
        var vote = ParseDecision(body.Decision);
        var key = string.IsNullOrWhiteSpace(idempotencyKey) ? Guid.NewGuid().ToString("N") : Truncate(idempotencyKey.Trim(), 200);
        var (userId, now) = (user.UserId(), time.GetUtcNow().UtcDateTime);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // The turn-taking: racing deciders queue on this row; after the winner closes it, the rest update nothing.
        var open = await db.Set<ApprovalEntity>()
            .Where(a => a.Id == id && a.Status == Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Version, a => a.Version + 1), cancellationToken) == 1;
        var approval = await db.Set<ApprovalEntity>().SingleOrDefaultAsync(a => a.Id == id, cancellationToken) ?? throw NotFound(id);
        var decisions = await db.Set<ApprovalDecisionEntity>().AsNoTracking().Where(d => d.ApprovalId == id).ToListAsync(cancellationToken);
        if (decisions.FirstOrDefault(d => d.IdempotencyKey == key) is { } earlier)
        {
            return earlier.DeciderId == userId
                ? new DecisionResult(ToView(approval, decisions), ToView(earlier), Repeated: true)
                : throw new ControlTowerException(ErrorKind.Conflict, GovernanceErrorCodes.AlreadyDecided, "This idempotency key belongs to another person's decision.");
        }

        if (!open)
        {
            throw new ControlTowerException(ErrorKind.Conflict, GovernanceErrorCodes.ApprovalClosed, $"Approval {id} is already {approval.Status}.");
        }

        Authorize(approval, user, now);
        ApprovalComments.Check(approval.CommentRequired, vote, body.Comment);
        if (decisions.Any(d => d.DeciderId == userId))
        {
            throw new ControlTowerException(ErrorKind.Conflict, GovernanceErrorCodes.AlreadyDecided, $"{user.UserName()} already decided approval {id}.");
        }

        var decision = new ApprovalDecisionEntity
        {
            Id = Guid.NewGuid(),
            ApprovalId = id,
            IdempotencyKey = key,
            DeciderId = userId,
            DeciderName = user.UserName(),
            Decision = vote,
            Comment = body.Comment is null ? null : Truncate(body.Comment, 4000),
            DecidedAt = now,
        };
        db.Add(decision);
        decisions.Add(decision);
        var events = new List<AuditEvent>
        {
            new(user.Actor(), "approval.decided", $"approval:{id}", body.Comment is { Length: > 0 } c ? c : $"{vote} without comment",
                new JsonObject { ["decision"] = vote, ["runId"] = approval.RunId, ["nodeId"] = approval.NodeId, ["idempotencyKey"] = key }),
        };
        Core.Trust.TrustScope? trustScope = null;
        if (Outcome(approval, decisions) is { } outcome)
        {
            Close(db, approval, outcome, decision, decisions, now);
            trustScope = TrustDecision(db, approval, outcome, user.Actor(), now);
            events.Add(new AuditEvent(user.Actor(), "approval.resolved", $"approval:{id}",
                $"{decisions.Count(d => d.Decision == vote)} {vote} vote(s) reached the required count",
                new JsonObject { ["outcome"] = outcome, ["runId"] = approval.RunId, ["nodeId"] = approval.NodeId }));
        }

        await audit.CommitAsync(db, events, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.Decided(logger, id, user.UserName(), vote, approval.Status);
        if (trustScope is not null)
        {
            await trust.EvaluateAsync(trustScope, cancellationToken);
        }

        if (approval.Status != Pending)
        {
            work.Notify();
        }

        return new DecisionResult(ToView(approval, decisions), ToView(decision), Repeated: false);
    }

    private static void Close(ControlTowerDbContext db, ApprovalEntity approval, string outcome, ApprovalDecisionEntity? decisive, List<ApprovalDecisionEntity> decisions, DateTime now)
    {
        approval.Status = outcome;
        approval.ResolvedAt = now;
        approval.Output = new JsonObject
        {
            ["approvalId"] = approval.Id,
            ["outcome"] = outcome,
            ["decidedBy"] = decisive?.DeciderName,
            ["decidedById"] = decisive?.DeciderId,
            ["decidedAt"] = now,
            ["comment"] = decisive?.Comment,
            ["decisions"] = new JsonArray([.. decisions.OrderBy(d => d.DecidedAt).Select(d => (JsonNode)DecisionJson(d))]),
        }.ToJsonString();
        AddTask(db, approval, ResolveAction, now, now);
    }

    /// <summary>
    /// When the approval was asked under a trust scope (its evidence's <c>trust</c>), the decision event for it, added to this
    /// transaction: the outcome, who, and how long the person took. Returns the scope to re-evaluate after the commit.
    /// </summary>
    private Core.Trust.TrustScope? TrustDecision(ControlTowerDbContext db, ApprovalEntity approval, string outcome, string actor, DateTime now)
    {
        if (approval.Evidence is null || JsonNode.Parse(approval.Evidence)?["trust"] is not JsonObject evidence
            || evidence["scopeKey"]?.GetValue<string>() is not { } key || evidence["proposalId"]?.GetValue<string>() is not { } proposalId)
        {
            return null;
        }

        var scope = Trust.TrustService.ParseKey(key);
        var result = outcome switch { Approved => Core.Trust.TrustEventKinds.Approved, Rejected => Core.Trust.TrustEventKinds.Rejected, _ => Core.Trust.TrustEventKinds.Expired };
        db.Add(trust.Event(scope, Core.Trust.TrustEventKinds.Decision, proposalId, result, actor, "approval",
            latencySeconds: (now - approval.CreatedAt).TotalSeconds, runId: approval.RunId, nodeId: approval.NodeId));
        return scope;
    }

    private static JsonObject DecisionJson(ApprovalDecisionEntity d) => new()
    {
        ["by"] = d.DeciderName,
        ["byId"] = d.DeciderId,
        ["decision"] = d.Decision,
        ["comment"] = d.Comment,
        ["at"] = d.DecidedAt,
    };

    private static string? Outcome(ApprovalEntity approval, List<ApprovalDecisionEntity> decisions) =>
        decisions.Count(d => d.Decision == "approve") >= approval.RequiredApprovals ? Approved
        : decisions.Count(d => d.Decision == "reject") >= approval.RequiredRejections ? Rejected
        : null;

    /// <summary>Admins may decide anything; others by user (id or name), by role, or by the escalation role once due.</summary>
    private static void Authorize(ApprovalEntity approval, ClaimsPrincipal user, DateTime now)
    {
        if (!approval.AllowSelfApproval && user.UserId() == approval.InitiatorId)
        {
            throw new ControlTowerException(ErrorKind.Forbidden, GovernanceErrorCodes.SelfApproval, "The person who started the run may not decide its approval.");
        }

        var role = user.Role();
        var allowed = user.IsAdmin()
            || approval.Users.Contains($",{user.UserId()},", StringComparison.Ordinal)
            || approval.Users.Contains($",{user.UserName()},", StringComparison.Ordinal)
            || approval.Roles.Contains($",{role},", StringComparison.Ordinal)
            || (approval.EscalationRole == role && approval.EscalateAt <= now);
        if (!allowed)
        {
            throw new ControlTowerException(ErrorKind.Forbidden, GovernanceErrorCodes.NotADecider, $"{user.UserName()} is not among the deciders of approval {approval.Id}.");
        }
    }

    private static string ParseDecision(string? decision) => decision?.Trim().ToLowerInvariant() switch
    {
        "approve" or "approved" => "approve",
        "reject" or "rejected" => "reject",
        _ => throw new ControlTowerException(ErrorKind.Validation, GovernanceErrorCodes.DecisionInvalid, "decision must be approve or reject."),
    };

    private static async Task<ApprovalEntity?> FindAsync(ControlTowerDbContext db, Guid runId, string nodeId, int attempt, CancellationToken cancellationToken) =>
        await db.Set<ApprovalEntity>().AsNoTracking().SingleOrDefaultAsync(a => a.RunId == runId && a.NodeId == nodeId && a.Attempt == attempt, cancellationToken);

    private static void AddTask(ControlTowerDbContext db, ApprovalEntity approval, string action, DateTime due, DateTime now) =>
        RunTransitionWriter.AddTask(db, approval.RunId, approval.NodeId, approval.Attempt, RunTaskKinds.Approval, due,
            new JsonObject { ["approvalId"] = approval.Id, ["action"] = action }.ToJsonString(), now);

    public static ApprovalView ToView(ApprovalEntity a, IEnumerable<ApprovalDecisionEntity> decisions) => new(
        a.Id, a.RunId, a.WorkflowId, a.NodeId, a.NodeType, a.Title, a.Instructions, Parse(a.Evidence), a.Status,
        Unwrap(a.Roles), Unwrap(a.Users), a.RequiredApprovals, a.RequiredRejections, a.AllowSelfApproval, a.InitiatorId,
        Utc(a.CreatedAt), Utc(a.ExpiresAt), Utc(a.EscalateAt), a.EscalationRole, Utc(a.EscalatedAt), Utc(a.ResolvedAt), Parse(a.Output),
        [.. decisions.OrderBy(d => d.DecidedAt).Select(ToView)], a.CommentRequired);

    private static CommentView ToView(ApprovalCommentEntity c) => new(c.Id, c.AuthorName, c.AuthorId, c.Text, Utc(c.CreatedAt));

    private static DecisionView ToView(ApprovalDecisionEntity d) => new(d.Id, d.DeciderName, d.DeciderId, d.Decision, d.Comment, Utc(d.DecidedAt));

    private static ControlTowerException NotFound(Guid id) => new(ErrorKind.NotFound, GovernanceErrorCodes.ApprovalNotFound, $"No approval {id}.");

    private static string Wrap(IEnumerable<string> values) =>
        "," + string.Concat(values.Select(v => v.Trim()).Where(v => v.Length > 0 && !v.Contains(',', StringComparison.Ordinal)).Distinct().Select(v => v + ","));

    private static IReadOnlyList<string> Unwrap(string values) => values.Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? Utc(v) : null;

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
