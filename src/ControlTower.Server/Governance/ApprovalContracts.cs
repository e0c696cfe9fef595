using System.Text.Json.Nodes;

namespace ControlTower.Server.Governance;

/// <summary>What an executor asks for when it parks a node on a person's decision.</summary>
internal sealed record ApprovalRequest(
    Guid RunId,
    Guid WorkflowId,
    string NodeId,
    string NodeType,
    int Attempt,
    Guid InitiatorId,
    string Title,
    string? Instructions,
    JsonNode? Evidence,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Users,
    int RequiredApprovals,
    int RequiredRejections,
    bool AllowSelfApproval,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? EscalateAt,
    string? EscalationRole,
    string CommentRequired);

internal sealed record DecisionBody(string Decision, string? Comment);

internal sealed record CommentBody(string? Text);

internal sealed record CommentView(Guid Id, string Author, Guid AuthorId, string Text, DateTimeOffset CreatedAt);

internal sealed record DecisionView(Guid Id, string DecidedBy, Guid DecidedById, string Decision, string? Comment, DateTimeOffset DecidedAt);

internal sealed record ApprovalView(
    Guid Id,
    Guid RunId,
    Guid WorkflowId,
    string NodeId,
    string NodeType,
    string Title,
    string? Instructions,
    JsonNode? Evidence,
    string Status,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Users,
    int RequiredApprovals,
    int RequiredRejections,
    bool AllowSelfApproval,
    Guid InitiatorId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? EscalateAt,
    string? EscalationRole,
    DateTimeOffset? EscalatedAt,
    DateTimeOffset? ResolvedAt,
    JsonNode? Output,
    IReadOnlyList<DecisionView> Decisions,
    string CommentRequired)
{
    public IReadOnlyList<CommentView> Comments { get; init; } = [];
}

/// <summary>The answer to a decision: the approval after it, the decision, and whether this was a repeat of an earlier request.</summary>
internal sealed record DecisionResult(ApprovalView Approval, DecisionView Decision, bool Repeated);

/// <summary>Who an approval can name as deciders: the roles, and the people (name and role) not disabled.</summary>
internal sealed record ApprovalDeciders(IReadOnlyList<string> Roles, IReadOnlyList<ApprovalDecider> Users);

internal sealed record ApprovalDecider(string Name, string Role);

internal sealed record ApprovalPage(IReadOnlyList<ApprovalView> Items, int Total, int? NextOffset);

/// <summary>Inbox filters: <c>status</c> pending|closed|approved|rejected|expired, <c>mine</c> (what the caller may decide), <c>role</c>, <c>workflowId</c>, <c>runId</c>.</summary>
internal sealed record ApprovalQuery(string? Status, bool Mine, string? Role, Guid? WorkflowId, Guid? RunId, int Offset, int Limit);
