using System.Text.Json;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.McpHost;

internal sealed record WaitingNode(string NodeId, string WaitReason);

internal sealed record WaitingRun(Guid RunId, Guid WorkflowId, IReadOnlyList<WaitingNode> Nodes);

/// <summary>
/// Runs with a node waiting for a person (wait reason <c>approval</c> or <c>outcome_unknown</c>; timers and
/// retry backoffs wait for the clock and are not listed). Served as MCP resources <c>controltower://runs/{id}</c>.
/// </summary>
internal sealed class WaitingRuns(IDbContextFactory<ControlTowerDbContext> contexts, RunService runs)
{
    public const string UriPrefix = "controltower://runs/";
    private const int Limit = 100;
    private static readonly string[] PersonReasons = ["approval", "outcome_unknown"];

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static string UriOf(Guid runId) => UriPrefix + runId.ToString("D");

    public static Guid? RunIdOf(string? uri) =>
        uri is not null && uri.StartsWith(UriPrefix, StringComparison.Ordinal) && Guid.TryParse(uri[UriPrefix.Length..], out var id) ? id : null;

    public async Task<IReadOnlyList<WaitingRun>> ListAsync(CancellationToken cancellationToken)
    {
        List<Guid> ids;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            ids = await db.Set<RunEntity>().AsNoTracking()
                .Where(r => r.Status == "waiting")
                .OrderBy(r => r.CreatedAt)
                .Select(r => r.Id)
                .Take(Limit)
                .ToListAsync(cancellationToken);
        }

        var result = new List<WaitingRun>();
        foreach (var id in ids)
        {
            var view = await runs.GetAsync(id, cancellationToken);
            var nodes = (view.Nodes ?? []).Where(n => n.WaitReason is { } reason && PersonReasons.Contains(reason))
                .Select(n => new WaitingNode(n.NodeId, n.WaitReason!)).ToArray();
            if (nodes.Length > 0)
            {
                result.Add(new WaitingRun(view.Id, view.WorkflowId, nodes));
            }
        }

        return result;
    }
}
