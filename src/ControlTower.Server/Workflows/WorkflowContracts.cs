using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ControlTower.Core.Graphs;

namespace ControlTower.Server.Workflows;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateWorkflowRequest(string Name, JsonObject Graph, string? Description = null, string? Message = null);

/// <summary>A new version. <see cref="BaseVersion"/>, when given, must be the latest (optimistic concurrency).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record SaveVersionRequest(JsonObject Graph, string? Message = null, int? BaseVersion = null, string? Name = null, string? Description = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ValidateGraphRequest(JsonObject Graph);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ValidateExpressionRequest(string Expression, bool Template = false);

/// <summary>What <c>POST /api/expressions/validate</c> found; empty when the expression compiles.</summary>
internal sealed record ExpressionValidationResponse(IReadOnlyList<ControlTower.Core.Expressions.CelDiagnostic> Diagnostics);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record SetEnabledRequest(string? Reason = null);

internal sealed record WorkflowSummary(Guid Id, string Name, string? Description, bool Enabled, int LatestVersion, Guid OwnerId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static WorkflowSummary From(WorkflowEntity w) => new(
        w.Id, w.Name, w.Description, w.Enabled, w.LatestVersion, w.OwnerId,
        new DateTimeOffset(w.CreatedAt, TimeSpan.Zero), new DateTimeOffset(w.UpdatedAt, TimeSpan.Zero));
}

internal sealed record WorkflowVersionInfo(int Version, string Author, string? Message, DateTimeOffset CreatedAt)
{
    public static WorkflowVersionInfo From(WorkflowVersionEntity v) => new(v.Version, v.Author, v.Message, new DateTimeOffset(v.CreatedAt, TimeSpan.Zero));
}

internal sealed record WorkflowDetail(WorkflowSummary Workflow, WorkflowVersionInfo Version, JsonObject Graph);

internal sealed record ValidationResponse(bool Valid, IReadOnlyList<GraphProblem> Problems)
{
    /// <summary>What does not block a save (an MCP server whose catalog is not loaded yet).</summary>
    public IReadOnlyList<GraphProblem> Warnings { get; init; } = [];
}

internal sealed record DiffResponse(int From, int To, IReadOnlyList<GraphChange> Changes);

/// <summary>The portable form of a workflow: what export writes and import reads.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record WorkflowExport(string Format, string Name, string? Description, JsonObject Graph, int? Version = null)
{
    public const string CurrentFormat = "controltower.workflow/1";
}
