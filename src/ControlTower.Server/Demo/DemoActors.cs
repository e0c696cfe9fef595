using System.Security.Claims;
using ControlTower.Server.Audit;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Demo;

/// <summary>
/// The demo's synthetic deciders: users of their own (role approver), so every decision they make goes through the
/// approval service a person uses and is audited under their name (<c>user:sim.pharmacist</c>, <c>user:sim.prescriber</c>,
/// <c>user:demo.auto-step</c>). Created on first use, audited <c>user.created</c>.
/// </summary>
internal sealed class DemoActors(IDbContextFactory<ControlTowerDbContext> contexts, AuditLog audit, TimeProvider time)
{
    public const string Pharmacist = "sim.pharmacist";
    public const string Prescriber = "sim.prescriber";
    public const string AutoStep = "demo.auto-step";

    /// <summary>The service account refill requests are submitted as (nobody decides a run they started).</summary>
    public const string Submitter = "refill-bot";

    public async Task<ClaimsPrincipal> PrincipalAsync(string name, CancellationToken cancellationToken) =>
        CurrentIdentity.CreatePrincipal(await EnsureAsync(name, Roles.Approver, cancellationToken), AuthenticatedBy.DemoBypass, null, "demo");

    /// <summary>The user, created (audited) when missing.</summary>
    public async Task<UserEntity> EnsureAsync(string name, string role, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Name == name, cancellationToken) is { } existing)
        {
            return existing;
        }

        var user = new UserEntity { Id = Guid.NewGuid(), Name = name, Role = role, Email = $"{name}@pharmacy.example", CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Users.Add(user);
        try
        {
            await audit.CommitAsync(db, new AuditEvent("system:demo", "user.created", $"user:{name}", "synthetic decider of the demo simulation", new() { ["role"] = role }), cancellationToken);
            return user;
        }
        catch (DbUpdateException)
        {
            // Created concurrently by another request: theirs stands.
            await using var fresh = await contexts.CreateDbContextAsync(cancellationToken);
            return await fresh.Users.AsNoTracking().SingleAsync(u => u.Name == name, cancellationToken);
        }
    }
}
