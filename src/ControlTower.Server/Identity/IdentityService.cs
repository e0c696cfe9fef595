using System.Text.RegularExpressions;
using ControlTower.Core.Errors;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Identity;

/// <summary>Users and their API keys. Every change is audited in the same transaction.</summary>
internal sealed partial class IdentityService(
    IDbContextFactory<ControlTowerDbContext> contexts,
    AuditLog audit,
    Microsoft.Extensions.Options.IOptions<Platform.Configuration.SecurityOptions> security,
    TimeProvider time)
{
    public async Task<UserResponse> CreateUserAsync(string actor, CreateUserRequest request, CancellationToken cancellationToken)
    {
        ValidateUser(request);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Users.AnyAsync(u => u.Name == request.Name, cancellationToken))
        {
            throw new ControlTowerException(ErrorKind.Conflict, ErrorCodes.UserExists, $"A user named '{request.Name}' exists already.");
        }

        var user = new UserEntity
        {
            Id = Guid.NewGuid(),
            Name = request.Name,
            Email = request.Email,
            Role = request.Role,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Users.Add(user);
        await audit.CommitAsync(db, new AuditEvent(actor, "user.created", $"user:{user.Name}", "a user was added", new() { ["role"] = user.Role, ["id"] = user.Id.ToString() }), cancellationToken);
        return UserResponse.From(user);
    }

    public async Task<IReadOnlyList<UserResponse>> ListUsersAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Name).ToListAsync(cancellationToken);
        return users.ConvertAll(UserResponse.From);
    }

    public async Task<UserResponse> GetUserAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken)
            ?? throw UserNotFound(id.ToString());
        return UserResponse.From(user);
    }

    public async Task<UserEntity> FindUserByNameAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Name == name, cancellationToken)
            ?? throw UserNotFound(name);
    }

    public async Task<CreatedApiKeyResponse> CreateApiKeyAsync(string actor, Guid userId, string name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw new ControlTowerException(ErrorKind.Validation, ErrorCodes.InvalidRequest, "A key needs a name of 1 to 100 characters.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken)
            ?? throw UserNotFound(userId.ToString());
        var limit = security.Value.MaxApiKeysPerUser;
        if (await db.ApiKeys.CountAsync(k => k.UserId == user.Id && k.RevokedAt == null, cancellationToken) >= limit)
        {
            throw new ControlTowerException(ErrorKind.Conflict, ErrorCodes.ApiKeyLimitReached,
                $"User '{user.Name}' already holds {limit} active API keys (API_KEYS_MAX_PER_USER); revoke one first.");
        }

        var generated = ApiKeys.Generate();
        var key = new ApiKeyEntity
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            Name = name,
            Prefix = generated.Prefix,
            Hash = generated.Hash,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.ApiKeys.Add(key);
        await audit.CommitAsync(db, new AuditEvent(actor, "api_key.created", $"user:{user.Name}", "an API key was issued",
            new() { ["keyId"] = key.Id.ToString(), ["prefix"] = key.Prefix, ["name"] = key.Name }), cancellationToken);
        return new CreatedApiKeyResponse(ApiKeyResponse.From(key), generated.Key);
    }

    public async Task<IReadOnlyList<ApiKeyResponse>> ListApiKeysAsync(Guid? userId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.ApiKeys.AsNoTracking();
        query = userId is { } id ? query.Where(k => k.UserId == id) : query;
        var keys = await query.OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);
        return keys.ConvertAll(ApiKeyResponse.From);
    }

    /// <summary>Revokes a key. <paramref name="ownerId"/> limits it to that user's keys: others' keys are "not found".</summary>
    public async Task<ApiKeyResponse> RevokeApiKeyAsync(string actor, Guid keyId, Guid? ownerId, string reason, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId && (ownerId == null || k.UserId == ownerId), cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.NotFound, ErrorCodes.ApiKeyNotFound, $"No API key {keyId}.");
        if (key.RevokedAt is not null)
        {
            throw new ControlTowerException(ErrorKind.Conflict, ErrorCodes.ApiKeyRevoked, "The key is revoked already.");
        }

        key.RevokedAt = time.GetUtcNow().UtcDateTime;
        await audit.CommitAsync(db, new AuditEvent(actor, "api_key.revoked", $"api_key:{key.Id}", reason, new() { ["prefix"] = key.Prefix, ["userId"] = key.UserId.ToString() }), cancellationToken);
        return ApiKeyResponse.From(key);
    }

    private static void ValidateUser(CreateUserRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || !UserNamePattern().IsMatch(request.Name))
        {
            throw new ControlTowerException(ErrorKind.Validation, ErrorCodes.InvalidRequest,
                "A user name is 1 to 100 characters of lower-case letters, digits, '.', '_' or '-'.");
        }

        if (!Roles.IsValid(request.Role))
        {
            throw new ControlTowerException(ErrorKind.Validation, ErrorCodes.RoleInvalid,
                $"Unknown role '{request.Role}': use one of {string.Join(", ", Roles.All)}.");
        }
    }

    private static ControlTowerException UserNotFound(string who) =>
        new(ErrorKind.NotFound, ErrorCodes.UserNotFound, $"No user '{who}'.");

    [GeneratedRegex("^[a-z0-9._-]{1,100}$")]
    private static partial Regex UserNamePattern();
}
