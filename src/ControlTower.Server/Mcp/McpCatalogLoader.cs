using ControlTower.Core.Errors;
using ControlTower.Server.Caching;

namespace ControlTower.Server.Mcp;

/// <summary>
/// Makes sure every enabled server has a catalog before the merged views are read: a catalog another process
/// fetched is taken from the <see cref="SharedCache"/>; otherwise a server nobody has called yet is connected once
/// (without a credential) and its catalog shared. A server that needs a credential to connect, or that is down, is
/// reported as a problem instead of failing the whole listing.
/// </summary>
internal sealed class McpCatalogLoader(McpServerRegistry registry, McpCatalog catalog, McpConnectionPool pool, SharedCache cache)
{
    public const string CacheName = "mcp-catalogs";

    private static readonly TimeSpan ConnectBudget = TimeSpan.FromSeconds(15);

    /// <summary>The shared-cache key of a server's catalog; invalidated when its definition changes or its tools do.</summary>
    public static string CacheKey(string serverId) => CacheKeyPrefix + serverId;

    public const string CacheKeyPrefix = "mcp-catalog:";

    public async Task<IReadOnlyList<McpCatalogProblem>> EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        var missing = registry.List().Where(s => s.Enabled && catalog.Get(s.Id) is null).ToArray();
        var problems = await Task.WhenAll(missing.Select(s => LoadAsync(s, cancellationToken))).ConfigureAwait(false);
        return [.. problems.OfType<McpCatalogProblem>()];
    }

    private async Task<McpCatalogProblem?> LoadAsync(McpServerDefinition server, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(ConnectBudget);
        var generation = catalog.Generation(server.Id);
        try
        {
            var shared = await cache.GetOrCreateAsync(CacheName, CacheKey(server.Id), async ct =>
            {
                await pool.GetAsync(server.Id, credential: null, ct).ConfigureAwait(false);
                return catalog.Get(server.Id) ?? throw new ControlTowerException(ErrorKind.Unavailable, McpErrorCodes.TransportFailed,
                    $"MCP server '{server.Id}' was changed while its catalog was fetched; list again.");
            }, budget.Token).ConfigureAwait(false);
            catalog.Adopt(shared, generation);
            return null;
        }
        catch (ControlTowerException ex)
        {
            return new McpCatalogProblem(server.Id, ex.Code, ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new McpCatalogProblem(server.Id, McpErrorCodes.Timeout, $"MCP server '{server.Id}' did not connect within {ConnectBudget.TotalSeconds:0} s.");
        }
    }
}
