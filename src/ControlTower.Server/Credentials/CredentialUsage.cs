using System.Security.Claims;
using System.Text.Json.Nodes;
using ControlTower.Core.Json;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Credentials;

/// <summary>Where a credential is used: the workflows whose latest version names it, and its recent uses.</summary>
internal sealed record CredentialUsageResponse(
    Guid CredentialId, int Uses, DateTimeOffset? LastUsedAt, IReadOnlyList<CredentialWorkflowUse> Workflows, IReadOnlyList<CredentialRecentUse> Recent);

/// <summary>A workflow whose latest version names the credential in <c>config.credentialId</c> of these nodes.</summary>
internal sealed record CredentialWorkflowUse(Guid WorkflowId, string Name, int Version, IReadOnlyList<string> NodeIds);

/// <summary>One audited use (<c>credential.used</c>): who, when, why, and the run and node it served.</summary>
internal sealed record CredentialRecentUse(DateTimeOffset At, string Actor, string Reason, string? RunId, string? NodeId);

/// <summary>
/// <c>GET /api/credentials/{id}/usage</c>, for whoever may see the credential: the workflows they may read whose latest
/// version names it (a workflow they may not read is left out, name included), the number of audited uses and the last 10.
/// </summary>
internal sealed class CredentialUsage(CredentialVault vault, IDbContextFactory<ControlTowerDbContext> contexts)
{
    private const int RecentUses = 10;

    public async Task<CredentialUsageResponse> GetAsync(ClaimsPrincipal user, Guid id, CancellationToken cancellationToken)
    {
        await vault.GetAsync(CredentialCaller.From(user), id, cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var target = $"credential:{id}";
        var uses = db.Set<AuditEntryEntity>().AsNoTracking().Where(e => e.Action == CredentialVault.UsedAction && e.Target == target);
        var count = await uses.CountAsync(cancellationToken);
        var recent = await uses.OrderByDescending(e => e.Sequence).Take(RecentUses).ToListAsync(cancellationToken);
        var workflows = await WorkflowsNamingAsync(db, id, WorkflowCaller.Of(user), cancellationToken);
        return new CredentialUsageResponse(id, count, recent.Count == 0 ? null : Utc(recent[0].Timestamp), workflows, [.. recent.Select(Use)]);
    }

    private static async Task<List<CredentialWorkflowUse>> WorkflowsNamingAsync(
        ControlTowerDbContext db, Guid id, WorkflowCaller caller, CancellationToken cancellationToken)
    {
        var needle = id.ToString();
        var latest = await db.Set<WorkflowEntity>().AsNoTracking()
            .Join(db.Set<WorkflowVersionEntity>().AsNoTracking(), w => new { w.Id, V = w.LatestVersion }, v => new { Id = v.WorkflowId, V = v.Version }, (w, v) => new { Workflow = w, v.Graph })
            .Where(x => x.Graph.Contains(needle))
            .ToListAsync(cancellationToken);
        var found = new List<CredentialWorkflowUse>();
        foreach (var candidate in latest)
        {
            var nodes = NodesNaming(candidate.Graph, needle);
            if (nodes.Count > 0 && await WorkflowSharing.LevelAsync(db, candidate.Workflow, caller, cancellationToken) != WorkflowAccess.None)
            {
                found.Add(new CredentialWorkflowUse(candidate.Workflow.Id, candidate.Workflow.Name, candidate.Workflow.LatestVersion, nodes));
            }
        }

        return [.. found.OrderBy(w => w.Name, StringComparer.OrdinalIgnoreCase)];
    }

    private static List<string> NodesNaming(string graph, string credentialId) =>
        JsonNode.Parse(graph)?["nodes"] is JsonArray nodes
            ? [.. nodes.OfType<JsonObject>()
                .Where(n => string.Equals(JsonValues.Text(n["config"]?["credentialId"]), credentialId, StringComparison.OrdinalIgnoreCase))
                .Select(n => JsonValues.Text(n["id"]) ?? "?")]
            : [];

    private static CredentialRecentUse Use(AuditEntryEntity entry)
    {
        var data = entry.Data is null ? null : JsonNode.Parse(entry.Data);
        return new CredentialRecentUse(Utc(entry.Timestamp), entry.Actor, entry.Reason, JsonValues.Text(data?["runId"]), JsonValues.Text(data?["nodeId"]));
    }

    private static DateTimeOffset Utc(DateTime timestamp) => new(DateTime.SpecifyKind(timestamp, DateTimeKind.Utc));
}
