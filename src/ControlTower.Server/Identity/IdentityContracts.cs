using System.Text.Json.Serialization;

namespace ControlTower.Server.Identity;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateUserRequest(string Name, string Role, string? Email = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateApiKeyRequest(string Name, Guid? UserId = null);

internal sealed record UserResponse(Guid Id, string Name, string? Email, string Role, bool BuiltIn, bool Disabled, DateTimeOffset CreatedAt)
{
    public static UserResponse From(UserEntity user) =>
        new(user.Id, user.Name, user.Email, user.Role, user.BuiltIn, user.Disabled, new DateTimeOffset(user.CreatedAt, TimeSpan.Zero));
}

internal sealed record MeResponse(Guid Id, string Name, string Role, string AuthenticatedBy, string Mode);

/// <summary>A key's metadata; the key itself appears only in <see cref="CreatedApiKeyResponse"/>, once.</summary>
internal sealed record ApiKeyResponse(Guid Id, Guid UserId, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static ApiKeyResponse From(ApiKeyEntity key) => new(
        key.Id,
        key.UserId,
        key.Name,
        key.Prefix,
        new DateTimeOffset(key.CreatedAt, TimeSpan.Zero),
        key.LastUsedAt is { } used ? new DateTimeOffset(used, TimeSpan.Zero) : null,
        key.RevokedAt is { } revoked ? new DateTimeOffset(revoked, TimeSpan.Zero) : null);
}

internal sealed record CreatedApiKeyResponse(ApiKeyResponse ApiKey, string Key);
