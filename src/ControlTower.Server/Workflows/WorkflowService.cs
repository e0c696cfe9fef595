using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Workflows;

/// <summary>
/// Workflows and their immutable versions: every save is a new version with an author and a message. The creator owns
/// a workflow; saving and switching it need its owner, an editor or an admin (<see cref="WorkflowSharing"/>); every
/// credential a version names must be usable by its author (<see cref="WorkflowCredentialCheck"/>).
/// </summary>
internal sealed class WorkflowService(
    IDbContextFactory<ControlTowerDbContext> contexts,
    WorkflowGraphValidation validation,
    WorkflowCredentialCheck credentials,
    SubworkflowReferences subworkflows,
    AuditLog audit,
    Releases.WorkflowRoutes routes,
    TimeProvider time)
{
    public async Task<WorkflowDetail> CreateAsync(string actor, Guid ownerId, CreateWorkflowRequest request, CancellationToken cancellationToken)
    {
        ValidateName(request.Name);
        var graph = await ValidateForAsync(request.Graph, null, ownerId, cancellationToken);
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
        var version = NewVersion(workflow.Id, 1, graph, actor, ownerId, request.Message ?? "created", now);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Add(workflow);
        db.Add(version);
        await audit.CommitAsync(db, new AuditEvent(actor, "workflow.created", Target(workflow.Id), request.Message ?? "a workflow was created",
            new JsonObject { ["name"] = workflow.Name, ["version"] = 1, ["nodes"] = graph.Nodes.Count }), cancellationToken);
        return Detail(workflow, version);
    }

    public async Task<WorkflowDetail> SaveVersionAsync(WorkflowCaller caller, Guid workflowId, SaveVersionRequest request, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await FindAsync(db, workflowId, cancellationToken);
        await WorkflowSharing.EnsureCanEditAsync(db, workflow, caller, "save versions of", cancellationToken);
        var graph = await ValidateForAsync(request.Graph, workflowId, caller.UserId, cancellationToken);
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
        var version = NewVersion(workflow.Id, workflow.LatestVersion, graph, caller.Actor, caller.UserId, request.Message, now);
        db.Add(version);
        await audit.CommitAsync(db, new AuditEvent(caller.Actor, "workflow.version_saved", Target(workflow.Id), request.Message ?? "a new version was saved",
            new JsonObject { ["version"] = version.Version, ["nodes"] = graph.Nodes.Count }), cancellationToken);
        await routes.InvalidateAsync(workflow.Id);
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

    public async Task<WorkflowSummary> SetEnabledAsync(WorkflowCaller caller, Guid workflowId, bool enabled, string? reason, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var workflow = await FindAsync(db, workflowId, cancellationToken);
        await WorkflowSharing.EnsureCanEditAsync(db, workflow, caller, enabled ? "enable" : "disable", cancellationToken);
        workflow.Enabled = enabled;
        workflow.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await audit.CommitAsync(db, new AuditEvent(caller.Actor, enabled ? "workflow.enabled" : "workflow.disabled", Target(workflowId),
            reason ?? (enabled ? "the workflow was switched on" : "the kill switch was pulled")), cancellationToken);
        await routes.InvalidateAsync(workflowId);
        return WorkflowSummary.From(workflow);
    }

    public static ControlTowerException NotFound(Guid workflowId) =>
        new(ErrorKind.NotFound, WorkflowErrorCodes.NotFound, $"No workflow {workflowId}.");

    public static string Target(Guid workflowId) => $"workflow:{workflowId}";

    private static async Task<WorkflowEntity> FindAsync(ControlTowerDbContext db, Guid workflowId, CancellationToken cancellationToken) =>
        await db.Set<WorkflowEntity>().SingleOrDefaultAsync(w => w.Id == workflowId, cancellationToken) ?? throw NotFound(workflowId);

    /// <summary>
    /// The graph's problems as the save would see them for <paramref name="authorId"/>: the graph rules, then (for a graph
    /// that parses) the MCP tools, the credentials its nodes name that the author may not use and the subworkflows it starts.
    /// </summary>
    public async Task<(IReadOnlyList<GraphProblem> Problems, IReadOnlyList<GraphProblem> Warnings)> ProblemsAsync(
        JsonNode? document, Guid authorId, CancellationToken cancellationToken)
    {
        var (graph, problems, warnings) = validation.ValidateWithTools(document);
        return graph is null
            ? (problems, warnings)
            : ([.. problems, .. await credentials.ProblemsAsync(graph, authorId, cancellationToken), .. await subworkflows.ProblemsAsync(null, graph, cancellationToken)], warnings);
    }

    /// <summary>The graph rules first; then what needs the database: credentials the author may use and the subworkflows it starts.</summary>
    private async Task<WorkflowGraph> ValidateForAsync(JsonNode? document, Guid? workflowId, Guid authorId, CancellationToken cancellationToken)
    {
        var graph = validation.ValidateOrThrow(document);
        List<GraphProblem> problems =
        [
            .. await credentials.ProblemsAsync(graph, authorId, cancellationToken),
            .. await subworkflows.ProblemsAsync(workflowId, graph, cancellationToken),
        ];
        return problems.Count == 0 ? graph : throw WorkflowGraphValidation.Invalid(problems);
    }

    private static WorkflowVersionEntity NewVersion(Guid workflowId, int number, WorkflowGraph graph, string author, Guid authorId, string? message, DateTime now) => new()
    {
        WorkflowId = workflowId,
        Version = number,
        Graph = graph.ToJson().ToJsonString(),
        Author = author,
        AuthorId = authorId,
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
