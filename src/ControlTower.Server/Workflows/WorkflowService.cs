using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Workflows;

/// <summary>Workflows and their immutable versions: every save is a new version with an author and a message.</summary>
internal sealed class WorkflowService(
    IDbContextFactory<ControlTowerDbContext> contexts,
    WorkflowGraphValidation validation,
    SubworkflowReferences subworkflows,
    AuditLog audit,
    TimeProvider time)
{
    public async Task<WorkflowDetail> CreateAsync(string actor, Guid ownerId, CreateWorkflowRequest request, CancellationToken cancellationToken)
    {
        ValidateName(request.Name);
        var graph = validation.ValidateOrThrow(request.Graph);
        await subworkflows.ValidateOrThrowAsync(null, graph, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var workflow = new WorkflowEntity
        {
            Id = Guid.NewGuid(),
            Name = request.Name.Trim(),
            Description = request.Description,
            OwnerId = ownerId,
            LatestVersion = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var version = NewVersion(workflow.Id, 1, graph, actor, request.Message ?? "created", now);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Add(workflow);
        db.Add(version);
        await audit.CommitAsync(db, new AuditEvent(actor, "workflow.created", Target(workflow.Id), request.Message ?? "a workflow was created",
            new JsonObject { ["name"] = workflow.Name, ["version"] = 1, ["nodes"] = graph.Nodes.Count }), cancellationToken);
        return Detail(workflow, version);
    }

    public async Task<WorkflowDetail> SaveVersionAsync(string actor, Guid workflowId, SaveVersionRequest request, CancellationToken cancellationToken)
    {
        var graph = validation.ValidateOrThrow(request.Graph);
        await subworkflows.ValidateOrThrowAsync(workflowId, graph, cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await FindAsync(db, workflowId, cancellationToken);
        if (request.BaseVersion is { } baseVersion && baseVersion != workflow.LatestVersion)
        {
            throw new ControlTowerException(ErrorKind.Conflict, WorkflowErrorCodes.VersionConflict,
                $"Version {baseVersion} is not the latest ({workflow.LatestVersion}): someone saved in between. Reload and save again.");
        }

        if (request.Name is not null)
        {
            ValidateName(request.Name);
            workflow.Name = request.Name.Trim();
        }

        workflow.Description = request.Description ?? workflow.Description;
        var now = time.GetUtcNow().UtcDateTime;
        workflow.LatestVersion++;
        workflow.UpdatedAt = now;
        var version = NewVersion(workflow.Id, workflow.LatestVersion, graph, actor, request.Message, now);
        db.Add(version);
        await audit.CommitAsync(db, new AuditEvent(actor, "workflow.version_saved", Target(workflow.Id), request.Message ?? "a new version was saved",
            new JsonObject { ["version"] = version.Version, ["nodes"] = graph.Nodes.Count }), cancellationToken);
        return Detail(workflow, version);
    }

    public async Task<IReadOnlyList<WorkflowSummary>> ListAsync(string? search, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Set<WorkflowEntity>().AsNoTracking();
        query = string.IsNullOrWhiteSpace(search) ? query : query.Where(w => w.Name.Contains(search));
        var rows = await query.OrderBy(w => w.Name).ToListAsync(cancellationToken);
        return rows.ConvertAll(WorkflowSummary.From);
    }

    public async Task<WorkflowDetail> GetAsync(Guid workflowId, int? version, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await FindAsync(db, workflowId, cancellationToken);
        var number = version ?? workflow.LatestVersion;
        var row = await db.Set<WorkflowVersionEntity>().AsNoTracking()
            .SingleOrDefaultAsync(v => v.WorkflowId == workflowId && v.Version == number, cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.NotFound, WorkflowErrorCodes.VersionNotFound, $"Workflow {workflowId} has no version {number}.");
        return Detail(workflow, row);
    }

    public async Task<IReadOnlyList<WorkflowVersionInfo>> ListVersionsAsync(Guid workflowId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await FindAsync(db, workflowId, cancellationToken);
        var rows = await db.Set<WorkflowVersionEntity>().AsNoTracking()
            .Where(v => v.WorkflowId == workflowId).OrderByDescending(v => v.Version).ToListAsync(cancellationToken);
        return rows.ConvertAll(WorkflowVersionInfo.From);
    }

    public async Task<DiffResponse> DiffAsync(Guid workflowId, int from, int to, CancellationToken cancellationToken)
    {
        var before = await GetAsync(workflowId, from, cancellationToken);
        var after = await GetAsync(workflowId, to, cancellationToken);
        return new DiffResponse(from, to, GraphDiff.Compute(WorkflowGraph.FromJson(before.Graph), WorkflowGraph.FromJson(after.Graph)));
    }

    public async Task<WorkflowExport> ExportAsync(Guid workflowId, int? version, CancellationToken cancellationToken)
    {
        var detail = await GetAsync(workflowId, version, cancellationToken);
        return new WorkflowExport(WorkflowExport.CurrentFormat, detail.Workflow.Name, detail.Workflow.Description, detail.Graph, detail.Version.Version);
    }

    public Task<WorkflowDetail> ImportAsync(string actor, Guid ownerId, WorkflowExport document, CancellationToken cancellationToken)
    {
        if (document.Format != WorkflowExport.CurrentFormat)
        {
            throw new ControlTowerException(ErrorKind.Validation, WorkflowErrorCodes.ImportInvalid,
                $"Unknown export format '{document.Format}': expected '{WorkflowExport.CurrentFormat}'.");
        }

        return CreateAsync(actor, ownerId, new CreateWorkflowRequest(document.Name, document.Graph, document.Description, "imported"), cancellationToken);
    }

    public async Task<WorkflowSummary> SetEnabledAsync(string actor, Guid workflowId, bool enabled, string? reason, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await FindAsync(db, workflowId, cancellationToken);
        workflow.Enabled = enabled;
        workflow.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await audit.CommitAsync(db, new AuditEvent(actor, enabled ? "workflow.enabled" : "workflow.disabled", Target(workflowId),
            reason ?? (enabled ? "the workflow was switched on" : "the kill switch was pulled")), cancellationToken);
        return WorkflowSummary.From(workflow);
    }

    public static ControlTowerException NotFound(Guid workflowId) =>
        new(ErrorKind.NotFound, WorkflowErrorCodes.NotFound, $"No workflow {workflowId}.");

    public static string Target(Guid workflowId) => $"workflow:{workflowId}";

    private static async Task<WorkflowEntity> FindAsync(ControlTowerDbContext db, Guid workflowId, CancellationToken cancellationToken) =>
        await db.Set<WorkflowEntity>().SingleOrDefaultAsync(w => w.Id == workflowId, cancellationToken) ?? throw NotFound(workflowId);

    private static WorkflowVersionEntity NewVersion(Guid workflowId, int number, WorkflowGraph graph, string author, string? message, DateTime now) => new()
    {
        WorkflowId = workflowId,
        Version = number,
        Graph = graph.ToJson().ToJsonString(),
        Author = author,
        Message = message,
        CreatedAt = now,
    };

    private static WorkflowDetail Detail(WorkflowEntity workflow, WorkflowVersionEntity version) =>
        new(WorkflowSummary.From(workflow), WorkflowVersionInfo.From(version), JsonNode.Parse(version.Graph)!.AsObject());

    private static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200)
        {
            throw new ControlTowerException(ErrorKind.Validation, Platform.Errors.ErrorCodes.InvalidRequest, "A workflow needs a name of 1 to 200 characters.");
        }
    }
}
