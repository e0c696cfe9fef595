using ControlTower.Core.Errors;

namespace ControlTower.Server.Mcp;

/// <summary>
/// Makes sure every enabled server has a catalog before the merged views are read: a server nobody
/// has called yet is connected once (without a credential). A server that needs a credential to
/// connect, or that is down, is reported as a problem instead of failing the whole listing.
/// </summary>
internal sealed class McpCatalogLoader(McpServerRegistry registry, McpCatalog catalog, McpConnectionPool pool)
{
    private static readonly TimeSpan ConnectBudget = TimeSpan.FromSeconds(15);

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
        try
        {
            await pool.GetAsync(server.Id, credential: null, budget.Token).ConfigureAwait(false);
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
