using System.Data.Common;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Audit;
using ControlTower.Server.Caching;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Mcp;

/// <summary>Who changes the registry: their id, role and audit actor name.</summary>
internal sealed record McpCaller(Guid UserId, string Role, string Actor);

/// <summary>
/// The registry's durable side: every change is written to <c>mcp_servers</c> with its audit entry in one
/// transaction, then applied to the in-memory <see cref="McpServerRegistry"/> (a cache loaded at start).
/// A stdio server runs a command on this host, so only admins register, change, enable or remove one;
/// HTTP servers may be managed by admins and operators. Every change is published as the cache key
/// <see cref="CacheKey"/>; each process that receives it reloads its registry from the table (<see cref="ReloadAsync"/>).
/// </summary>
internal sealed partial class McpServerStore(
    IDbContextFactory<ControlTowerDbContext> contexts,
    McpServerRegistry registry,
    Credentials.SecretRegistry secrets,
    AuditLog audit,
    SharedCache cache,
    TimeProvider time,
    ILogger<McpServerStore> logger)
{
    public const string CacheKey = "mcp-servers";

    private readonly SemaphoreSlim _reloading = new(1, 1);

    /// <summary>Fills the registry from the table (at start). Rows that no longer validate are skipped and logged.</summary>
    public async Task<int> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<McpServerEntity>().AsNoTracking().ToListAsync(cancellationToken);
        var loaded = 0;
        foreach (var row in rows)
        {
            try
            {
                Apply(McpStoredDefinition.ToDefinition(row));
                loaded++;
            }
            catch (ControlTowerException ex)
            {
                Log.StoredDefinitionInvalid(logger, row.Id, ex.Code);
            }
        }

        return loaded;
    }

    /// <summary>
    /// Brings the registry in line with the table after a change in another process: adds and removes servers, and
    /// replaces only definitions that differ (a replaced definition drops that server's connections and catalog).
    /// </summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken);
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var rows = await db.Set<McpServerEntity>().AsNoTracking().ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                ReloadRow(row);
            }

            var stored = rows.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in registry.List().Where(s => !stored.Contains(s.Id)))
            {
                registry.Remove(gone.Id);
            }
        }
        finally
        {
            _reloading.Release();
        }
    }

    private void ReloadRow(McpServerEntity row)
    {
        try
        {
            var definition = McpStoredDefinition.ToDefinition(row);
            if (registry.Get(row.Id) is not { } current || Fingerprint(current) != Fingerprint(definition))
            {
                Apply(definition);
            }
        }
        catch (ControlTowerException ex)
        {
            Log.StoredDefinitionInvalid(logger, row.Id, ex.Code);
        }
    }

    /// <summary>Other processes reload the registry and drop the server's shared catalog (fetched for the old definition).</summary>
    private async Task PublishChangeAsync(string serverId, CancellationToken cancellationToken)
    {
        await cache.InvalidateAsync(McpCatalogLoader.CacheKey(serverId), cancellationToken);
        await cache.InvalidateAsync(CacheKey, cancellationToken);
    }

    private static string Fingerprint(McpServerDefinition d) =>
        $"{d.Name}|{McpTransportNames.ToName(d.Transport)}|{d.Enabled}|{McpStoredDefinition.Serialize(d)}";

    public async Task<IReadOnlyList<McpServerView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<McpServerEntity>().AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancellationToken);
        return [.. rows.Select(ToView)];
    }

    public async Task<McpServerView> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return ToView(await FindAsync(db, id, cancellationToken));
    }

    public async Task<McpServerView> CreateAsync(McpCaller caller, McpServerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var definition = ToDefinition(request.Id ?? "", request, previous: null);
        definition.EnsureValid();
        Authorize(caller, definition.Transport);
        if (registry.Get(definition.Id) is not null)
        {
            throw Exists(definition.Id);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var row = new McpServerEntity
        {
            Id = definition.Id,
            Name = definition.Name,
            Transport = McpTransportNames.ToName(definition.Transport),
            Definition = McpStoredDefinition.Serialize(definition),
            Enabled = definition.Enabled,
            OwnerId = caller.UserId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(row);
        try
        {
            await audit.CommitAsync(db, new AuditEvent(caller.Actor, "mcp.server_registered", Target(row.Id), $"registered {row.Transport} MCP server", Describe(definition)), cancellationToken);
        }
        catch (DbUpdateException ex)
        {
            throw new ControlTowerException(ErrorKind.Conflict, McpErrorCodes.ServerExists, $"MCP server '{definition.Id}' is already registered.", ex);
        }

        Apply(definition);
        await PublishChangeAsync(row.Id, cancellationToken);
        Log.Changed(logger, row.Id, "registered", caller.Actor);
        return ToView(row);
    }

    public async Task<McpServerView> UpdateAsync(McpCaller caller, string id, McpServerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Id is { } bodyId && !string.Equals(bodyId, id, StringComparison.Ordinal))
        {
            throw new ControlTowerException(ErrorKind.Validation, McpErrorCodes.DefinitionInvalid, $"The body's id '{bodyId}' is not the server '{id}' being updated; ids cannot change.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await FindAsync(db, id, cancellationToken);
        var previous = McpStoredDefinition.ToDefinition(row);
        var definition = ToDefinition(id, request, previous);
        definition.EnsureValid();
        Authorize(caller, previous.Transport);
        Authorize(caller, definition.Transport);

        row.Name = definition.Name;
        row.Transport = McpTransportNames.ToName(definition.Transport);
        row.Definition = McpStoredDefinition.Serialize(definition);
        row.Enabled = definition.Enabled;
        row.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await audit.CommitAsync(db, new AuditEvent(caller.Actor, "mcp.server_updated", Target(id), $"replaced the definition of MCP server '{id}'", Describe(definition)), cancellationToken);
        Apply(definition);
        await PublishChangeAsync(id, cancellationToken);
        Log.Changed(logger, id, "updated", caller.Actor);
        return ToView(row);
    }

    public async Task<McpServerView> SetEnabledAsync(McpCaller caller, string id, bool enabled, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await FindAsync(db, id, cancellationToken);
        var definition = McpStoredDefinition.ToDefinition(row) with { Enabled = enabled };
        Authorize(caller, definition.Transport);
        row.Enabled = enabled;
        row.UpdatedAt = time.GetUtcNow().UtcDateTime;
        var action = enabled ? "mcp.server_enabled" : "mcp.server_disabled";
        await audit.CommitAsync(db, new AuditEvent(caller.Actor, action, Target(id), reason ?? (enabled ? "enabled" : "disabled")), cancellationToken);
        Apply(definition);
        await PublishChangeAsync(id, cancellationToken);
        Log.Changed(logger, id, enabled ? "enabled" : "disabled", caller.Actor);
        return ToView(row);
    }

    public async Task DeleteAsync(McpCaller caller, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await FindAsync(db, id, cancellationToken);
        Authorize(caller, McpTransportNames.Parse(row.Transport));
        db.Remove(row);
        await audit.CommitAsync(db, new AuditEvent(caller.Actor, "mcp.server_removed", Target(id), $"removed MCP server '{id}'"), cancellationToken);
        registry.Remove(id);
        await PublishChangeAsync(id, cancellationToken);
        Log.Changed(logger, id, "removed", caller.Actor);
    }

    public static McpServerView ToView(McpServerEntity row)
    {
        var d = McpStoredDefinition.ToDefinition(row);
        return new McpServerView(
            d.Id,
            d.Name,
            row.Transport,
            d.Command,
            d.Arguments,
            d.WorkingDirectory,
            [.. d.Environment.Keys.Order(StringComparer.Ordinal)],
            d.Url,
            [.. d.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase)],
            new McpServerLimitsView((long)d.Limits.CallTimeout.TotalMilliseconds, d.Limits.MaxConcurrentCalls, d.Limits.RetryIdempotentTools),
            d.CredentialType,
            row.Enabled,
            row.OwnerId,
            new DateTimeOffset(row.CreatedAt, TimeSpan.Zero),
            new DateTimeOffset(row.UpdatedAt, TimeSpan.Zero));
    }

    /// <summary>Puts the definition in the cache; its env and header values join the redactor (they may be secrets).</summary>
    private void Apply(McpServerDefinition definition)
    {
        secrets.Register(definition.Environment.Values.Concat(definition.Headers.Values));
        if (registry.Get(definition.Id) is null)
        {
            registry.Add(definition);
        }
        else
        {
            registry.Update(definition);
        }
    }

    private static void Authorize(McpCaller caller, McpTransportKind transport)
    {
        if (caller.Role == Roles.Admin)
        {
            return;
        }

        if (transport is McpTransportKind.Stdio)
        {
            throw new ControlTowerException(ErrorKind.Forbidden, McpErrorCodes.StdioAdminOnly, "Only an admin may manage a stdio MCP server: it runs a command on the Control Tower host.");
        }

        if (caller.Role != Roles.Operator)
        {
            throw new ControlTowerException(ErrorKind.Forbidden, McpErrorCodes.ManageForbidden, "Only admins and operators may manage MCP servers.");
        }
    }

    private static McpServerDefinition ToDefinition(string id, McpServerRequest request, McpServerDefinition? previous)
    {
        var transport = McpTransportNames.Parse(request.Transport);
        var defaults = McpServerLimits.Default;
        return new McpServerDefinition
        {
            Id = id,
            Name = request.Name ?? "",
            Transport = transport,
            Command = request.Command,
            Arguments = request.Args ?? [],
            WorkingDirectory = request.WorkingDirectory,
            Environment = Merge("env", request.Env, previous?.Environment, StringComparer.Ordinal),
            Url = request.Url,
            Headers = Merge("headers", request.Headers, previous?.Headers, StringComparer.OrdinalIgnoreCase),
            Limits = new McpServerLimits(
                request.CallTimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : defaults.CallTimeout,
                request.MaxConcurrentCalls ?? defaults.MaxConcurrentCalls,
                request.RetryIdempotentTools),
            CredentialType = request.CredentialType,
            Enabled = request.Enabled,
        };
    }

    /// <summary>A null value keeps the stored value of that name (the API never shows values to send back).</summary>
    private static Dictionary<string, string> Merge(string field, IReadOnlyDictionary<string, string?>? requested, IReadOnlyDictionary<string, string>? stored, StringComparer comparer)
    {
        var merged = new Dictionary<string, string>(comparer);
        foreach (var (name, value) in requested ?? new Dictionary<string, string?>())
        {
            merged[name] = value ?? (stored is not null && stored.TryGetValue(name, out var kept)
                ? kept
                : throw new ControlTowerException(ErrorKind.Validation, McpErrorCodes.DefinitionInvalid, $"{field}.{name} is null but no value is stored under that name to keep."));
        }

        return merged;
    }

    /// <summary>The audit data of a definition: names of env vars and headers, never values.</summary>
    private static JsonObject Describe(McpServerDefinition d) => new()
    {
        ["transport"] = McpTransportNames.ToName(d.Transport),
        ["name"] = d.Name,
        ["command"] = d.Command,
        ["url"] = d.Url?.ToString(),
        ["envNames"] = new JsonArray([.. d.Environment.Keys.Order(StringComparer.Ordinal).Select(k => (JsonNode?)k)]),
        ["headerNames"] = new JsonArray([.. d.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase).Select(k => (JsonNode?)k)]),
        ["credentialType"] = d.CredentialType,
        ["enabled"] = d.Enabled,
    };

    private static async Task<McpServerEntity> FindAsync(ControlTowerDbContext db, string id, CancellationToken cancellationToken) =>
        await db.Set<McpServerEntity>().SingleOrDefaultAsync(s => s.Id == id, cancellationToken)
        ?? throw new ControlTowerException(ErrorKind.NotFound, McpErrorCodes.ServerNotFound, $"MCP server '{id}' is not registered.");

    private static ControlTowerException Exists(string id) =>
        new(ErrorKind.Conflict, McpErrorCodes.ServerExists, $"MCP server '{id}' is already registered.");

    private static string Target(string id) => $"mcp_server:{id}";
}

/// <summary>
/// Loads the registry from the database after the platform initializer has migrated it, then reloads it whenever
/// another process publishes a change (<see cref="McpServerStore.CacheKey"/>). A catalog whose content changed here is
/// invalidated everywhere; a catalog adopted from another process is dropped when that process invalidates it.
/// </summary>
internal sealed partial class McpServerStartup(
    McpServerStore store,
    CacheInvalidation invalidation,
    McpCatalog catalog,
    SharedCache cache,
    IHostApplicationLifetime lifetime,
    ILogger<McpServerStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.LoadAsync(cancellationToken);
        invalidation.Received += OnReceived;
        catalog.ContentChanged += OnCatalogChanged;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        invalidation.Received -= OnReceived;
        catalog.ContentChanged -= OnCatalogChanged;
        return Task.CompletedTask;
    }

    private void OnReceived(string key)
    {
        if (key == McpServerStore.CacheKey)
        {
            _ = ReloadAsync();
        }
        else if (key.StartsWith(McpCatalogLoader.CacheKeyPrefix, StringComparison.Ordinal))
        {
            catalog.DropAdopted(key[McpCatalogLoader.CacheKeyPrefix.Length..]);
        }
    }

    private void OnCatalogChanged(string serverId) => _ = InvalidateCatalogAsync(serverId);

    private async Task InvalidateCatalogAsync(string serverId)
    {
        try
        {
            await cache.InvalidateAsync(McpCatalogLoader.CacheKey(serverId), lifetime.ApplicationStopping);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    private async Task ReloadAsync()
    {
        try
        {
            await store.ReloadAsync(lifetime.ApplicationStopping);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The host is stopping: the registry goes with it.
        }
        catch (DbException failure)
        {
            Log.ReloadFailed(logger, failure);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5152, Level = LogLevel.Warning, Message = "Reloading the MCP server registry after another process changed it failed; it is reloaded at the next change or restart")]
        public static partial void ReloadFailed(ILogger logger, Exception exception);
    }
}
