using System.Security.Claims;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ControlTower.Core.Errors;
using ControlTower.Server.Audit;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Workflows;

/// <summary>Who asks, for ownership decisions: their user id, role and audit actor.</summary>
internal sealed record WorkflowCaller(Guid UserId, string Role, string Actor)
{
    public static WorkflowCaller Of(ClaimsPrincipal user) => new(user.UserId(), user.Role(), user.Actor());
}

internal sealed record WorkflowShareView(Guid Id, Guid? UserId, string? Role, string Access, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>A workflow's owner, its shares, and what the caller may do with it (<see cref="WorkflowAccess"/>).</summary>
internal sealed record WorkflowSharesResponse(Guid WorkflowId, Guid OwnerId, string CallerAccess, IReadOnlyList<WorkflowShareView> Shares);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record WorkflowShareGrant(Guid? UserId = null, string? Role = null, string Access = WorkflowAccess.Runner);

/// <summary>The whole new set of shares (it replaces the old one) and why.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record PutWorkflowSharesRequest(IReadOnlyList<WorkflowShareGrant> Shares, string? Reason = null);

/// <summary>
/// The access levels a caller has to a workflow, strongest first. The owner (its creator) and admins may do
/// everything; an <c>editor</c> saves versions, switches it on and off and manages its shares; a <c>runner</c>
/// starts runs. Everyone with a reading role reads every workflow (definitions carry no secrets: credentials are
/// named by id and used only by principals allowed to). A share never lifts a role's ceiling: a viewer made editor
/// still cannot save, because saving needs the operator role.
/// </summary>
internal static class WorkflowAccess
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Editor = "editor";
    public const string Runner = "runner";
    public const string None = "none";

    public static bool IsGrantable(string access) => access is Editor or Runner;

    public static bool CanEdit(string access) => access is Owner or Admin or Editor;

    public static bool CanRun(string access) => CanEdit(access) || access == Runner;

    /// <summary>The caller's level: owner, else admin, else the strongest share naming them or their role.</summary>
    public static string LevelOf(Guid ownerId, IEnumerable<WorkflowShareEntity> shares, WorkflowCaller caller)
    {
        if (ownerId == caller.UserId)
        {
            return Owner;
        }

        if (caller.Role == Roles.Admin)
        {
            return Admin;
        }

        var granted = shares.Where(s => s.GranteeUserId == caller.UserId || s.GranteeRole == caller.Role).Select(s => s.Access).ToList();
        return granted.Contains(Editor) ? Editor : granted.Contains(Runner) ? Runner : None;
    }
}

/// <summary>Checks a caller's access to a workflow and manages its shares (every change audited).</summary>
internal sealed class WorkflowSharing(IDbContextFactory<ControlTowerDbContext> contexts, AuditLog audit, TimeProvider time)
{
    private const int MaxShares = 100;

    public static async Task<string> LevelAsync(ControlTowerDbContext db, WorkflowEntity workflow, WorkflowCaller caller, CancellationToken cancellationToken)
    {
        if (workflow.OwnerId == caller.UserId || caller.Role == Roles.Admin)
        {
            return WorkflowAccess.LevelOf(workflow.OwnerId, [], caller);
        }

        var shares = await db.Set<WorkflowShareEntity>().AsNoTracking()
            .Where(s => s.WorkflowId == workflow.Id && (s.GranteeUserId == caller.UserId || s.GranteeRole == caller.Role))
            .ToListAsync(cancellationToken);
        return WorkflowAccess.LevelOf(workflow.OwnerId, shares, caller);
    }

    /// <summary><c>workflow.forbidden</c> unless the caller is its owner, an editor or an admin.</summary>
    public static async Task EnsureCanEditAsync(ControlTowerDbContext db, WorkflowEntity workflow, WorkflowCaller caller, string doing, CancellationToken cancellationToken)
    {
        var level = await LevelAsync(db, workflow, caller, cancellationToken);
        if (!WorkflowAccess.CanEdit(level))
        {
            throw Forbidden(workflow, level, doing, "its owner, its editors and admins");
        }
    }

    /// <summary><c>workflow.forbidden</c> unless the caller may start runs of the workflow (owner, editor, runner, admin).</summary>
    public async Task EnsureCanRunAsync(Guid workflowId, WorkflowCaller caller, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await db.Set<WorkflowEntity>().AsNoTracking().SingleOrDefaultAsync(w => w.Id == workflowId, cancellationToken)
            ?? throw WorkflowService.NotFound(workflowId);
        var level = await LevelAsync(db, workflow, caller, cancellationToken);
        if (!WorkflowAccess.CanRun(level))
        {
            throw Forbidden(workflow, level, "start runs of", "its owner, its editors and runners, and admins");
        }
    }

    public async Task<WorkflowSharesResponse> GetAsync(Guid workflowId, WorkflowCaller caller, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await db.Set<WorkflowEntity>().AsNoTracking().SingleOrDefaultAsync(w => w.Id == workflowId, cancellationToken)
            ?? throw WorkflowService.NotFound(workflowId);
        return await ResponseAsync(db, workflow, caller, cancellationToken);
    }

    /// <summary>Replaces the workflow's shares with <paramref name="request"/>'s; audited <c>workflow.shares_changed</c> with what was added and removed.</summary>
    public async Task<WorkflowSharesResponse> PutAsync(Guid workflowId, WorkflowCaller caller, PutWorkflowSharesRequest request, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await db.Set<WorkflowEntity>().SingleOrDefaultAsync(w => w.Id == workflowId, cancellationToken)
            ?? throw WorkflowService.NotFound(workflowId);
        await EnsureCanEditAsync(db, workflow, caller, "share", cancellationToken);
        var wanted = await CheckAsync(db, workflow, request.Shares ?? [], cancellationToken);
        var current = await db.Set<WorkflowShareEntity>().Where(s => s.WorkflowId == workflowId).ToListAsync(cancellationToken);
        var removed = current.Where(s => !wanted.Contains((s.GranteeUserId, s.GranteeRole, s.Access))).ToList();
        var kept = current.Except(removed).Select(s => (s.GranteeUserId, s.GranteeRole, s.Access)).ToHashSet();
        var now = time.GetUtcNow().UtcDateTime;
        var added = wanted.Where(w => !kept.Contains(w)).Select(w => new WorkflowShareEntity
        {
            Id = Guid.NewGuid(),
            WorkflowId = workflowId,
            GranteeUserId = w.UserId,
            GranteeRole = w.Role,
            Access = w.Access,
            CreatedAt = now,
            CreatedBy = caller.Actor,
        }).ToList();
        db.RemoveRange(removed);
        db.AddRange(added);
        workflow.UpdatedAt = now;
        try
        {
            await audit.CommitAsync(db, new AuditEvent(caller.Actor, "workflow.shares_changed", WorkflowService.Target(workflowId),
                request.Reason ?? "the workflow's shares were changed",
                new JsonObject { ["added"] = Describe(added), ["removed"] = Describe(removed) }), cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A concurrent change removed a share this one removes too: nothing was saved.
            throw new ControlTowerException(ErrorKind.Conflict, WorkflowErrorCodes.SharesConflict,
                "The workflow's shares changed while this change was being saved; load them and try again.");
        }

        return await ResponseAsync(db, workflow, caller, cancellationToken);
    }

    private static async Task<HashSet<(Guid? UserId, string? Role, string Access)>> CheckAsync(
        ControlTowerDbContext db, WorkflowEntity workflow, IReadOnlyList<WorkflowShareGrant> grants, CancellationToken cancellationToken)
    {
        if (grants.Count > MaxShares)
        {
            throw ShareInvalid($"A workflow has at most {MaxShares} shares.");
        }

        var wanted = new HashSet<(Guid?, string?, string)>();
        foreach (var grant in grants)
        {
            if ((grant.UserId is null) == (grant.Role is null))
            {
                throw ShareInvalid("Each share names exactly one of userId or role.");
            }

            if (!WorkflowAccess.IsGrantable(grant.Access))
            {
                throw ShareInvalid($"Access '{grant.Access}' is unknown: use '{WorkflowAccess.Editor}' or '{WorkflowAccess.Runner}'.");
            }

            if (grant.Role is { } role && !Roles.IsValid(role))
            {
                throw ShareInvalid($"Unknown role '{role}': use one of {string.Join(", ", Roles.All)}.");
            }

            if (grant.UserId == workflow.OwnerId)
            {
                throw ShareInvalid("The owner has every right already.");
            }

            wanted.Add((grant.UserId, grant.Role, grant.Access));
        }

        var users = wanted.Select(w => w.Item1).OfType<Guid>().Distinct().ToList();
        var known = await db.Users.Where(u => users.Contains(u.Id)).CountAsync(cancellationToken);
        return known == users.Count ? wanted : throw ShareInvalid("A share names a user that does not exist.");
    }

    private static async Task<WorkflowSharesResponse> ResponseAsync(ControlTowerDbContext db, WorkflowEntity workflow, WorkflowCaller caller, CancellationToken cancellationToken)
    {
        var shares = await db.Set<WorkflowShareEntity>().AsNoTracking().Where(s => s.WorkflowId == workflow.Id).ToListAsync(cancellationToken);
        var views = shares.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id)
            .Select(s => new WorkflowShareView(s.Id, s.GranteeUserId, s.GranteeRole, s.Access, new DateTimeOffset(s.CreatedAt, TimeSpan.Zero), s.CreatedBy))
            .ToList();
        return new WorkflowSharesResponse(workflow.Id, workflow.OwnerId, WorkflowAccess.LevelOf(workflow.OwnerId, shares, caller), views);
    }

    private static JsonArray Describe(IEnumerable<WorkflowShareEntity> shares) =>
        [.. shares.Select(s => (JsonNode)new JsonObject { ["userId"] = s.GranteeUserId?.ToString(), ["role"] = s.GranteeRole, ["access"] = s.Access })];

    private static ControlTowerException Forbidden(WorkflowEntity workflow, string level, string doing, string who) =>
        new(ErrorKind.Forbidden, WorkflowErrorCodes.Forbidden,
            $"Only {who} may {doing} workflow '{workflow.Name}'; your access is '{level}'.")
        {
            Details = new Dictionary<string, object?> { ["access"] = level },
        };

    private static ControlTowerException ShareInvalid(string message) => new(ErrorKind.Validation, WorkflowErrorCodes.ShareInvalid, message);
}
