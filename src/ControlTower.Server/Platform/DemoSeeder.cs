using ControlTower.Server.Audit;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Platform;

/// <summary>
/// The retail-pharmacy demo's people, seeded once on first start in demo mode: a pharmacist who
/// approves, a technician who operates, an auditor who reads, and the refill bot's service account.
/// </summary>
internal sealed class DemoSeeder(IDbContextFactory<ControlTowerDbContext> contexts, AuditLog audit, TimeProvider time)
{
    public static readonly IReadOnlyList<(string Name, string Role, string Email)> People =
    [
        ("pat.pharmacist", Roles.Approver, "pat@pharmacy.example"),
        ("tess.technician", Roles.Operator, "tess@pharmacy.example"),
        ("alex.auditor", Roles.Viewer, "alex@pharmacy.example"),
        ("refill-bot", Roles.Service, "refill-bot@pharmacy.example"),
    ];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Users.Select(u => u.Name).ToListAsync(cancellationToken);
        var missing = People.Where(p => !existing.Contains(p.Name)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var events = new List<AuditEvent>();
        foreach (var (name, role, email) in missing)
        {
            db.Users.Add(new UserEntity { Id = Guid.NewGuid(), Name = name, Role = role, Email = email, CreatedAt = now });
            events.Add(new AuditEvent("system", "user.created", $"user:{name}", "demo data seeded on first start", new() { ["role"] = role }));
        }

        await audit.CommitAsync(db, events, cancellationToken);
    }
}
