using System.Security.Cryptography;
using System.Text;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Identity;

internal sealed record VerifiedKey(UserEntity User, AuthenticatedBy By, Guid? ApiKeyId);

/// <summary>Checks a presented key: the configured bootstrap admin key, or a stored (hashed) API key.</summary>
internal sealed class ApiKeyVerifier(
    IDbContextFactory<ControlTowerDbContext> contexts,
    IOptions<SecurityOptions> security,
    TimeProvider time)
{
    // Last-used times are written at most this often per key, not on every request.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<VerifiedKey?> VerifyAsync(string presentedKey, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (IsAdminKey(presentedKey))
        {
            var admin = await db.Users.AsNoTracking().SingleAsync(u => u.Id == BuiltInUsers.AdminId, cancellationToken);
            return new VerifiedKey(admin, AuthenticatedBy.AdminKey, null);
        }

        if (ApiKeys.PrefixOf(presentedKey) is not { } prefix)
        {
            return null;
        }

        var match = await db.ApiKeys.AsNoTracking()
            .Where(k => k.Prefix == prefix && k.RevokedAt == null)
            .Join(db.Users.Where(u => !u.Disabled), k => k.UserId, u => u.Id, (k, u) => new { Key = k, User = u })
            .SingleOrDefaultAsync(cancellationToken);
        if (match is null || !ApiKeys.Matches(presentedKey, match.Key.Hash))
        {
            return null;
        }

        await TouchAsync(db, match.Key, cancellationToken);
        return new VerifiedKey(match.User, AuthenticatedBy.ApiKey, match.Key.Id);
    }

    private bool IsAdminKey(string presentedKey)
    {
        var configured = security.Value.AdminApiKey;
        return !string.IsNullOrEmpty(configured)
            && CryptographicOperations.FixedTimeEquals(
                SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey)),
                SHA256.HashData(Encoding.UTF8.GetBytes(configured)));
    }

    private async Task TouchAsync(ControlTowerDbContext db, ApiKeyEntity key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (key.LastUsedAt is { } last && now - last < LastUsedResolution)
        {
            return;
        }

        await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), cancellationToken);
    }
}
