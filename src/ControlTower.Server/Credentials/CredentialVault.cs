using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ControlTower.Core.Crypto;
using ControlTower.Core.Errors;
using ControlTower.Server.Audit;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Credentials;

/// <summary>
/// Per-user encrypted credentials (DESIGN.md §3). Plaintext comes in once, on create or update, and
/// goes out only to the connection layer through <see cref="ResolveForUseAsync"/>, which audits every
/// decrypt. A credential is visible to its owner and to the users and roles it is shared with; to
/// everyone else it does not exist (404, never 403), admins included. Sharing is use-only: grantees
/// see metadata and may have runs use it, but never read, change or share it.
/// </summary>
internal sealed partial class CredentialVault(
    IDbContextFactory<ControlTowerDbContext> contexts,
    CredentialKeyRing keyRing,
    SecretRegistry secrets,
    OAuthTokenCache oauth,
    AuditLog audit,
    TimeProvider time,
    IOptions<PlatformOptions> platform,
    ILogger<CredentialVault> logger)
{
    public const string UsedAction = "credential.used";
    public const string UseFailedAction = "credential.use_failed";

    // A use racing a key rotation on the same row retries on the rotated token.
    private const int UseAttempts = 3;

    public async Task<CredentialResponse> CreateAsync(CredentialCaller caller, CreateCredentialRequest request, CancellationToken cancellationToken)
    {
        var type = CredentialTypes.Parse(request.CredentialType);
        var name = CheckName(request.Name);
        var serverId = CheckServerId(request.McpServerId);
        var data = CredentialData.Parse(type, request.Data);
        secrets.Register(data);
        CheckAllowedIn(platform.Value.Mode, data);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await EnsureNameFreeAsync(db, caller.UserId, name, null, cancellationToken);
        var now = time.GetUtcNow();
        var row = new CredentialEntity
        {
            Id = Guid.NewGuid(),
            UserId = caller.UserId,
            CredentialType = type.ToWireName(),
            Name = name,
            McpServerId = serverId,
            EncryptedData = "",
            KeyFingerprint = "",
            CreatedAt = now.UtcDateTime,
        };
        Seal(row, data, now);
        db.Add(row);
        await audit.CommitAsync(db, Event(caller.Actor, "credential.created", row, "a credential was stored"), cancellationToken);
        Log.Changed(logger, row.Id, row.CredentialType, "created", caller.Actor);
        return CredentialResponse.From(row, caller.UserId, []);
    }

    /// <summary>The caller's own credentials and those shared with them or their role, by name.</summary>
    public async Task<IReadOnlyList<CredentialResponse>> ListAsync(CredentialCaller caller, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await VisibleTo(db, caller.UserId, caller.Role).AsNoTracking()
            .OrderBy(c => c.Name).ThenBy(c => c.Id)
            .ToListAsync(cancellationToken);
        var owned = rows.Where(r => r.UserId == caller.UserId).Select(r => r.Id).ToList();
        var shares = (await db.Set<CredentialShareEntity>().AsNoTracking()
                .Where(s => owned.Contains(s.CredentialId))
                .ToListAsync(cancellationToken))
            .OrderBy(s => s.CreatedAt).ThenBy(s => s.Id)
            .ToLookup(s => s.CredentialId);
        return rows.ConvertAll(r => CredentialResponse.From(r, caller.UserId, [.. shares[r.Id]]));
    }

    public async Task<CredentialResponse> GetAsync(CredentialCaller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await VisibleTo(db, caller.UserId, caller.Role).AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken)
            ?? throw CredentialErrorCodes.CredentialNotFound(id);
        return CredentialResponse.From(row, caller.UserId, await SharesOfAsync(db, row, caller.UserId, cancellationToken));
    }

    /// <summary>Replaces the secret (same type); only the owner may.</summary>
    public async Task<CredentialResponse> UpdateAsync(CredentialCaller caller, Guid id, UpdateCredentialRequest request, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await OwnedAsync(db, caller, id, cancellationToken);
        var data = CredentialData.Parse(CredentialTypes.Parse(row.CredentialType), request.Data);
        secrets.Register(data);
        CheckAllowedIn(platform.Value.Mode, data);
        if (request.Name is not null)
        {
            var name = CheckName(request.Name);
            await EnsureNameFreeAsync(db, caller.UserId, name, row.Id, cancellationToken);
            row.Name = name;
        }

        row.McpServerId = request.McpServerId is null ? row.McpServerId : CheckServerId(request.McpServerId);
        var now = time.GetUtcNow();
        Seal(row, data, now);
        row.RotatedAt = now.UtcDateTime;
        await CommitChangeAsync(db, Event(caller.Actor, "credential.updated", row, "the secret was replaced"), cancellationToken);
        oauth.Invalidate(row.Id);
        Log.Changed(logger, row.Id, row.CredentialType, "replaced", caller.Actor);
        return CredentialResponse.From(row, caller.UserId, await SharesOfAsync(db, row, caller.UserId, cancellationToken));
    }

    public async Task DeleteAsync(CredentialCaller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await OwnedAsync(db, caller, id, cancellationToken);
        db.RemoveRange(await db.Set<CredentialShareEntity>().Where(s => s.CredentialId == id).ToListAsync(cancellationToken));
        db.Remove(row);
        await CommitChangeAsync(db, Event(caller.Actor, "credential.deleted", row, "the credential was deleted"), cancellationToken);
        oauth.Invalidate(row.Id);
        Log.Changed(logger, row.Id, row.CredentialType, "deleted", caller.Actor);
    }

    /// <summary>Grants use of the credential to one user or to a role; only the owner may.</summary>
    public async Task<CredentialShareResponse> ShareAsync(CredentialCaller caller, Guid id, ShareCredentialRequest request, CancellationToken cancellationToken)
    {
        if ((request.UserId is null) == (request.Role is null))
        {
            throw CredentialErrorCodes.Error(CredentialErrorCodes.ShareInvalid, "Share with exactly one of userId or role.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await OwnedAsync(db, caller, id, cancellationToken);
        await CheckGranteeAsync(db, row, request, cancellationToken);
        var share = new CredentialShareEntity
        {
            Id = Guid.NewGuid(),
            CredentialId = row.Id,
            GranteeUserId = request.UserId,
            GranteeRole = request.Role,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            CreatedBy = caller.Actor,
        };
        db.Add(share);
        var data = new JsonObject { ["shareId"] = share.Id.ToString(), ["userId"] = share.GranteeUserId?.ToString(), ["role"] = share.GranteeRole };
        await audit.CommitAsync(db, new AuditEvent(caller.Actor, "credential.shared", Target(row.Id), "use of the credential was granted (use-only, never readable)", data), cancellationToken);
        Log.Changed(logger, row.Id, row.CredentialType, "shared", caller.Actor);
        return CredentialShareResponse.From(share);
    }

    public async Task UnshareAsync(CredentialCaller caller, Guid id, Guid shareId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await OwnedAsync(db, caller, id, cancellationToken);
        var share = await db.Set<CredentialShareEntity>().SingleOrDefaultAsync(s => s.Id == shareId && s.CredentialId == row.Id, cancellationToken)
            ?? throw CredentialErrorCodes.Error(CredentialErrorCodes.ShareNotFound, $"The credential has no share {shareId}.");
        db.Remove(share);
        var data = new JsonObject { ["shareId"] = share.Id.ToString(), ["userId"] = share.GranteeUserId?.ToString(), ["role"] = share.GranteeRole };
        await audit.CommitAsync(db, new AuditEvent(caller.Actor, "credential.unshared", Target(row.Id), "use of the credential was withdrawn", data), cancellationToken);
        Log.Changed(logger, row.Id, row.CredentialType, "unshared", caller.Actor);
    }

    /// <summary>
    /// Decrypts a credential for the connection layer, acting as <paramref name="actingUserId"/> (a run's
    /// acting user): their own, or one shared with them or their role. Each call writes a
    /// <c>credential.used</c> audit entry (who, which credential, which run and node, why) in the same
    /// transaction that stamps <c>last_used_at</c>; a failed decrypt writes <c>credential.use_failed</c>.
    /// </summary>
    /// <exception cref="ControlTowerException">
    /// <c>credential.not_found</c> (not theirs, or no such id), <c>credential.binding_mismatch</c> (a token
    /// copied from another row), <c>credential.undecryptable</c> (under no configured key).
    /// </exception>
    public async Task<CredentialData> ResolveForUseAsync(Guid actingUserId, Guid credentialId, CredentialUsePurpose purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryResolveAsync(actingUserId, credentialId, purpose, cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < UseAttempts)
            {
                // The row was re-encrypted (or replaced) between the read and the audit commit: read it again.
            }
        }
    }

    /// <summary>
    /// <see cref="ResolveForUseAsync"/> and then what the MCP connection carries: env vars and headers,
    /// with an OAuth access token obtained (or reused) for <c>oauth2_client_credentials</c>.
    /// </summary>
    public async Task<ConnectionSecrets> ResolveConnectionSecretsAsync(Guid actingUserId, Guid credentialId, CredentialUsePurpose purpose, CancellationToken cancellationToken)
    {
        var data = await ResolveForUseAsync(actingUserId, credentialId, purpose, cancellationToken);
        var accessToken = data is OAuth2ClientCredentialsData client
            ? await oauth.GetAccessTokenAsync(credentialId, client, cancellationToken)
            : null;
        var connection = CredentialInjection.ToConnectionSecrets(data, accessToken);
        secrets.Register(CredentialInjection.DerivedSecrets(connection));
        return connection;
    }

    /// <summary>
    /// The credential an MCP server bound to a credential type uses for <paramref name="actingUserId"/>: their own
    /// of that type for the server (<c>mcp_server_id</c>), else one shared with them; null when there is none.
    /// Reads metadata only (no decrypt, so no audit entry: <see cref="ResolveConnectionSecretsAsync"/> writes it).
    /// </summary>
    public async Task<Guid?> FindForServerAsync(Guid actingUserId, string serverId, string credentialType, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == actingUserId && !u.Disabled, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var candidates = await VisibleTo(db, user.Id, user.Role)
            .Where(c => c.McpServerId == serverId && c.CredentialType == credentialType)
            .Select(c => new { c.Id, c.UserId, c.CreatedAt })
            .ToListAsync(cancellationToken);
        return candidates.OrderBy(c => c.UserId == user.Id ? 0 : 1).ThenBy(c => c.CreatedAt).Select(c => (Guid?)c.Id).FirstOrDefault();
    }

    /// <summary>
    /// The metadata (never the secret) of a credential <paramref name="actingUserId"/> may use: their own, or one
    /// shared with them or their role. No decrypt, so no audit entry: what a node checks (type, name) before using it.
    /// </summary>
    /// <exception cref="ControlTowerException"><c>credential.not_found</c>: not theirs to use, or no such id.</exception>
    public async Task<CredentialResponse> DescribeForUseAsync(Guid actingUserId, Guid credentialId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == actingUserId && !u.Disabled, cancellationToken)
            ?? throw CredentialErrorCodes.CredentialNotFound(credentialId);
        var row = await VisibleTo(db, user.Id, user.Role).AsNoTracking().SingleOrDefaultAsync(c => c.Id == credentialId, cancellationToken)
            ?? throw CredentialErrorCodes.CredentialNotFound(credentialId);
        return CredentialResponse.From(row, user.Id, []);
    }

    /// <summary>
    /// Which of <paramref name="credentialIds"/> <paramref name="userId"/> may use (own, or shared with them or their role):
    /// what saving a workflow version checks for its author. Metadata only: no decrypt, no audit entry.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> UsableByAsync(Guid userId, IReadOnlyCollection<Guid> credentialIds, CancellationToken cancellationToken)
    {
        if (credentialIds.Count == 0)
        {
            return new HashSet<Guid>();
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId && !u.Disabled, cancellationToken);
        if (user is null)
        {
            return new HashSet<Guid>();
        }

        var usable = await VisibleTo(db, user.Id, user.Role).Where(c => credentialIds.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken);
        return usable.ToHashSet();
    }

    private async Task<CredentialData> TryResolveAsync(Guid actingUserId, Guid credentialId, CredentialUsePurpose purpose, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == actingUserId && !u.Disabled, cancellationToken)
            ?? throw CredentialErrorCodes.CredentialNotFound(credentialId);
        var row = await VisibleTo(db, user.Id, user.Role).SingleOrDefaultAsync(c => c.Id == credentialId, cancellationToken)
            ?? throw CredentialErrorCodes.CredentialNotFound(credentialId);
        var actor = $"user:{user.Name}";
        CredentialData data;
        try
        {
            data = CredentialSealer.Unseal(keyRing.Keys, row.EncryptedData, row.UserId.ToString("D"), row.Id, CredentialTypes.Parse(row.CredentialType), time.GetUtcNow());
        }
        catch (FernetException ex)
        {
            await AuditFailedUseAsync(actor, user.Id, row, purpose, ex.Code, cancellationToken);
            throw CredentialErrorCodes.Error(CredentialErrorCodes.Undecryptable,
                $"Credential {row.Id} cannot be decrypted with the configured CREDENTIAL_KEYS ({ex.Code}); was its key retired before rotation finished?");
        }
        catch (CredentialException ex)
        {
            await AuditFailedUseAsync(actor, user.Id, row, purpose, ex.Code, cancellationToken);
            throw;
        }

        secrets.Register(data);
        row.LastUsedAt = time.GetUtcNow().UtcDateTime;
        var used = new JsonObject
        {
            ["runId"] = purpose.RunId,
            ["nodeId"] = purpose.NodeId,
            ["ownerUserId"] = row.UserId.ToString(),
            ["access"] = row.UserId == user.Id ? CredentialResponse.OwnerAccess : CredentialResponse.SharedAccess,
            ["credentialType"] = row.CredentialType,
        };
        await audit.CommitAsync(db, new AuditEvent(actor, UsedAction, Target(row.Id), secrets.Redact(purpose.Reason), used), cancellationToken);
        Log.Used(logger, row.Id, user.Id, purpose.RunId, purpose.NodeId);
        return data;
    }

    private async Task AuditFailedUseAsync(string actor, Guid userId, CredentialEntity row, CredentialUsePurpose purpose, string code, CancellationToken cancellationToken)
    {
        Log.UseFailed(logger, row.Id, userId, code);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var failed = new JsonObject { ["code"] = code, ["runId"] = purpose.RunId, ["nodeId"] = purpose.NodeId, ["ownerUserId"] = row.UserId.ToString() };
        await audit.CommitAsync(db, new AuditEvent(actor, UseFailedAction, Target(row.Id), secrets.Redact(purpose.Reason), failed), cancellationToken);
    }

    /// <summary>What the caller may see: own rows, and rows shared with them or their role.</summary>
    private static IQueryable<CredentialEntity> VisibleTo(ControlTowerDbContext db, Guid userId, string role) =>
        db.Set<CredentialEntity>().Where(c => c.UserId == userId
            || db.Set<CredentialShareEntity>().Any(s => s.CredentialId == c.Id && (s.GranteeUserId == userId || s.GranteeRole == role)));

    /// <summary>A row the caller may change: invisible ones are not found, shared-with-them ones are use-only.</summary>
    private static async Task<CredentialEntity> OwnedAsync(ControlTowerDbContext db, CredentialCaller caller, Guid id, CancellationToken cancellationToken)
    {
        var row = await VisibleTo(db, caller.UserId, caller.Role).SingleOrDefaultAsync(c => c.Id == id, cancellationToken)
            ?? throw CredentialErrorCodes.CredentialNotFound(id);
        return row.UserId == caller.UserId
            ? row
            : throw CredentialErrorCodes.Error(CredentialErrorCodes.UseOnly, "The credential is shared with you for use only: only its owner may change, delete or share it.");
    }

    private static async Task<IReadOnlyList<CredentialShareEntity>> SharesOfAsync(ControlTowerDbContext db, CredentialEntity row, Guid callerId, CancellationToken cancellationToken) =>
        row.UserId != callerId
            ? []
            : await db.Set<CredentialShareEntity>().AsNoTracking()
                .Where(s => s.CredentialId == row.Id)
                .OrderBy(s => s.CreatedAt).ThenBy(s => s.Id)
                .ToListAsync(cancellationToken);

    private static async Task CheckGranteeAsync(ControlTowerDbContext db, CredentialEntity row, ShareCredentialRequest request, CancellationToken cancellationToken)
    {
        if (request.Role is { } role && !Roles.IsValid(role))
        {
            throw CredentialErrorCodes.Error(CredentialErrorCodes.ShareInvalid, $"Unknown role: use one of {string.Join(", ", Roles.All)}.");
        }

        if (request.UserId is { } userId)
        {
            if (userId == row.UserId)
            {
                throw CredentialErrorCodes.Error(CredentialErrorCodes.ShareInvalid, "The owner has the credential already.");
            }

            if (!await db.Users.AnyAsync(u => u.Id == userId, cancellationToken))
            {
                throw CredentialErrorCodes.Error(CredentialErrorCodes.ShareInvalid, $"No user {userId}.");
            }
        }

        var exists = await db.Set<CredentialShareEntity>().AnyAsync(
            s => s.CredentialId == row.Id && s.GranteeUserId == request.UserId && s.GranteeRole == request.Role, cancellationToken);
        if (exists)
        {
            throw CredentialErrorCodes.Error(CredentialErrorCodes.ShareExists, "The credential is shared with this grantee already.");
        }
    }

    private static async Task EnsureNameFreeAsync(ControlTowerDbContext db, Guid ownerId, string name, Guid? except, CancellationToken cancellationToken)
    {
        if (await db.Set<CredentialEntity>().AnyAsync(c => c.UserId == ownerId && c.Name == name && c.Id != except, cancellationToken))
        {
            throw CredentialErrorCodes.Error(CredentialErrorCodes.NameTaken, "You have a credential with this name already.");
        }
    }

    private async Task CommitChangeAsync(ControlTowerDbContext db, AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        try
        {
            await audit.CommitAsync(db, auditEvent, cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw CredentialErrorCodes.Error(CredentialErrorCodes.ConcurrentChange, "The credential changed while this request ran (a key rotation or another update); try again.");
        }
    }

    private void Seal(CredentialEntity row, CredentialData data, DateTimeOffset now)
    {
        Span<byte> iv = stackalloc byte[Fernet.IvSizeInBytes];
        RandomNumberGenerator.Fill(iv);
        var keys = keyRing.Keys;
        row.EncryptedData = CredentialSealer.Seal(keys, new CredentialEnvelope(row.UserId.ToString("D"), row.Id, data), now, iv);
        row.KeyFingerprint = keys.Newest.Fingerprint;
    }

    private AuditEvent Event(string actor, string action, CredentialEntity row, string reason) =>
        new(actor, action, Target(row.Id), reason, new JsonObject
        {
            ["name"] = secrets.Redact(row.Name),
            ["credentialType"] = row.CredentialType,
            ["mcpServerId"] = row.McpServerId,
            ["ownerUserId"] = row.UserId.ToString(),
        });

    private static string Target(Guid id) => $"credential:{id}";

    /// <summary>
    /// Production sends client secrets only over TLS: an OAuth token URL must be https there, except on
    /// loopback (a token proxy on the same host). Demo and development allow http for local endpoints.
    /// </summary>
    public static void CheckAllowedIn(RunMode mode, CredentialData data)
    {
        if (mode == RunMode.Production
            && data is OAuth2ClientCredentialsData { TokenUrl: var url }
            && url.Scheme != Uri.UriSchemeHttps
            && !url.IsLoopback)
        {
            throw new CredentialException(ErrorKind.Validation, Core.Crypto.CredentialErrorCodes.DataInvalid, "data.token_url: must be an https URL in production")
            {
                Details = new Dictionary<string, object?> { ["field"] = "data.token_url" },
            };
        }
    }

    private static string CheckName(string? name) =>
        name is { Length: > 0 and <= CredentialLimits.MaxNameLength } && !string.IsNullOrWhiteSpace(name) && !name.Any(char.IsControl)
            ? name
            : throw CredentialErrorCodes.Error(CredentialErrorCodes.RequestInvalid, $"A credential needs a name of 1 to {CredentialLimits.MaxNameLength} characters without control characters.");

    private static string? CheckServerId(string? serverId) =>
        serverId is null || (serverId.Length is > 0 and <= CredentialLimits.MaxServerIdLength && !serverId.Any(char.IsControl))
            ? serverId
            : throw CredentialErrorCodes.Error(CredentialErrorCodes.RequestInvalid, $"mcpServerId must be 1 to {CredentialLimits.MaxServerIdLength} characters.");
}
