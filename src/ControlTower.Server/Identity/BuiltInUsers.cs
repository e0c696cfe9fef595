using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Identity;

/// <summary>The built-in admin every mode has: the bootstrap key and demo mode act as it.</summary>
internal sealed class BuiltInUsers(IDbContextFactory<ControlTowerDbContext> contexts, AuditLog audit, TimeProvider time)
{
    public static readonly Guid AdminId = new("00000000-0000-0000-0000-00000000a0a0");
    public const string AdminName = "admin";

    public async Task<UserEntity> EnsureAdminAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Users.FindAsync([AdminId], cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        var admin = new UserEntity
        {
            Id = AdminId,
            Name = AdminName,
            Role = Roles.Admin,
            BuiltIn = true,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Users.Add(admin);
        await audit.CommitAsync(
            db,
            new AuditEvent("system", "user.created", $"user:{admin.Name}", "the built-in admin is created on first start", new() { ["role"] = admin.Role }),
            cancellationToken);
        return admin;
    }
}
