using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Identity;

/// <summary>The user a validated token acts as, or why it acts as nobody.</summary>
internal sealed record OidcUser(UserEntity? User, string? Failure);

/// <summary>
/// Maps a validated OIDC token to a Control Tower user: found by (issuer, subject), created on first sight and
/// audited; its role comes from the token's role claim on every sign-in (a change is audited), else the default role.
/// A disabled user's tokens are refused.
/// </summary>
internal sealed partial class OidcUsers(
    IDbContextFactory<ControlTowerDbContext> contexts,
    AuditLog audit,
    IOptions<OidcOptions> options,
    TimeProvider time)
{
    private const int MaxExternalIdLength = 512;

    public async Task<OidcUser> ResolveAsync(ClaimsPrincipal token, CancellationToken cancellationToken)
    {
        var issuer = token.FindFirstValue("iss");
        var subject = token.FindFirstValue("sub");
        if (string.IsNullOrEmpty(issuer) || string.IsNullOrEmpty(subject))
        {
            return new OidcUser(null, "The token has no issuer or subject.");
        }

        if (RoleOf(token) is not { } role)
        {
            return new OidcUser(null, $"The token's '{options.Value.RoleClaim}' claim names no known role and no default role is set.");
        }

        var externalId = ExternalId(issuer, subject);
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var user = await db.Users.SingleOrDefaultAsync(u => u.ExternalSubject == externalId, cancellationToken);
            try
            {
                return user is null
                    ? new OidcUser(await CreateAsync(db, token, issuer, externalId, role, cancellationToken), null)
                    : await SignInAsync(db, user, issuer, role, cancellationToken);
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // Two first requests of the same person raced (unique external id): the other one created the user.
            }
        }
    }

    /// <summary>The first role in precedence order that the claim names (directly or through the role map), else the default.</summary>
    public string? RoleOf(ClaimsPrincipal token)
    {
        var mapping = options.Value.RoleMapping;
        var named = token.FindAll(options.Value.RoleClaim)
            .Select(claim => mapping.TryGetValue(claim.Value, out var mapped) ? mapped : claim.Value)
            .Where(Roles.IsValid)
            .ToHashSet(StringComparer.Ordinal);
        return Roles.All.FirstOrDefault(named.Contains) ?? (string.IsNullOrEmpty(options.Value.DefaultRole) ? null : options.Value.DefaultRole);
    }

    private async Task<OidcUser> SignInAsync(ControlTowerDbContext db, UserEntity user, string issuer, string role, CancellationToken cancellationToken)
    {
        if (user.Disabled)
        {
            return new OidcUser(null, "The user is disabled.");
        }

        if (user.Role != role)
        {
            var previous = user.Role;
            user.Role = role;
            await audit.CommitAsync(db, new AuditEvent($"oidc:{issuer}", "user.role_changed", $"user:{user.Name}", "the identity provider's role claim changed",
                new JsonObject { ["from"] = previous, ["to"] = role, ["id"] = user.Id.ToString() }), cancellationToken);
        }

        return new OidcUser(user, null);
    }

    private async Task<UserEntity> CreateAsync(ControlTowerDbContext db, ClaimsPrincipal token, string issuer, string externalId, string role, CancellationToken cancellationToken)
    {
        var name = Sanitize(token.FindFirstValue(options.Value.NameClaim) ?? token.FindFirstValue("email") ?? token.FindFirstValue("sub")!);
        if (await db.Users.AnyAsync(u => u.Name == name, cancellationToken))
        {
            // A local user (or another issuer's) has the name: keep both apart with a suffix derived from the external id.
            name = $"{name[..Math.Min(name.Length, 90)]}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(externalId)))[..8]}";
        }

        var user = new UserEntity
        {
            Id = Guid.NewGuid(),
            Name = name,
            Email = token.FindFirstValue("email") is { Length: <= 320 } email ? email : null,
            Role = role,
            ExternalSubject = externalId,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Users.Add(user);
        await audit.CommitAsync(db, new AuditEvent($"oidc:{issuer}", "user.created", $"user:{user.Name}", "first sign-in with an OIDC token",
            new JsonObject { ["role"] = role, ["id"] = user.Id.ToString(), ["issuer"] = issuer }), cancellationToken);
        return user;
    }

    /// <summary><c>issuer|subject</c>; hashed when too long for the column.</summary>
    private static string ExternalId(string issuer, string subject)
    {
        var id = $"{issuer}|{subject}";
        return id.Length <= MaxExternalIdLength ? id : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
    }

    /// <summary>A user name within the local pattern (lower-case letters, digits, '.', '_', '-', at most 100).</summary>
    private static string Sanitize(string value)
    {
        var name = InvalidNameCharacters().Replace(value.ToLowerInvariant(), "-").Trim('-');
        name = name.Length > 100 ? name[..100] : name;
        return name.Length == 0 ? "oidc-user" : name;
    }

    [GeneratedRegex("[^a-z0-9._-]+")]
    private static partial Regex InvalidNameCharacters();
}
