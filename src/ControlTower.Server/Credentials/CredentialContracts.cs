using System.Security.Claims;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ControlTower.Server.Identity;

namespace ControlTower.Server.Credentials;

/// <summary>
/// Creates a credential. <see cref="Data"/> is the plaintext, accepted this once and validated against
/// the type's shape (e.g. <c>{"token": "..."}</c> for <c>bearer_token</c>); it is never returned.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateCredentialRequest(string Name, string CredentialType, JsonObject? Data, string? McpServerId = null);

/// <summary>
/// Replaces a credential's secret (same type). <see cref="Name"/> and <see cref="McpServerId"/> change
/// only when given.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record UpdateCredentialRequest(JsonObject? Data, string? Name = null, string? McpServerId = null);

/// <summary>Shares a credential for use with one user or with a role: exactly one of the two.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ShareCredentialRequest(Guid? UserId = null, string? Role = null);

/// <summary>
/// A credential's metadata: never its token or plaintext. <see cref="Access"/> is <c>owner</c> or
/// <c>shared</c> (use-only); only the owner sees <see cref="Shares"/>.
/// </summary>
internal sealed record CredentialResponse(
    Guid Id,
    string Name,
    string CredentialType,
    string? McpServerId,
    Guid OwnerUserId,
    string Access,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RotatedAt,
    DateTimeOffset? LastUsedAt,
    IReadOnlyList<CredentialShareResponse>? Shares)
{
    public const string OwnerAccess = "owner";
    public const string SharedAccess = "shared";

    public static CredentialResponse From(CredentialEntity row, Guid callerId, IReadOnlyList<CredentialShareEntity> shares)
    {
        var owner = row.UserId == callerId;
        return new(
            row.Id,
            row.Name,
            row.CredentialType,
            row.McpServerId,
            row.UserId,
            owner ? OwnerAccess : SharedAccess,
            Utc(row.CreatedAt),
            row.RotatedAt is { } rotated ? Utc(rotated) : null,
            row.LastUsedAt is { } used ? Utc(used) : null,
            owner ? shares.Select(CredentialShareResponse.From).ToList() : null);
    }

    private static DateTimeOffset Utc(DateTime value) => new(value, TimeSpan.Zero);
}

internal sealed record CredentialShareResponse(Guid Id, Guid CredentialId, Guid? UserId, string? Role, DateTimeOffset CreatedAt, string CreatedBy)
{
    public static CredentialShareResponse From(CredentialShareEntity share) =>
        new(share.Id, share.CredentialId, share.GranteeUserId, share.GranteeRole, new DateTimeOffset(share.CreatedAt, TimeSpan.Zero), share.CreatedBy);
}

/// <summary>Who is asking, as the vault needs it: id for ownership, role for role shares, actor for the audit.</summary>
internal sealed record CredentialCaller(Guid UserId, string Role, string Actor)
{
    public static CredentialCaller From(ClaimsPrincipal principal) => new(principal.UserId(), principal.Role(), principal.Actor());
}

/// <summary>
/// Why a credential is decrypted, recorded in its <c>credential.used</c> audit entry: the run and node
/// that need it (null outside a run, e.g. a connection test) and the reason in words.
/// </summary>
internal sealed record CredentialUsePurpose(string? RunId, string? NodeId, string Reason);
