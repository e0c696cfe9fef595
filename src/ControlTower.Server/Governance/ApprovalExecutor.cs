using System.Text.Json.Nodes;
using ControlTower.Server.Identity;
using ControlTower.Server.Nodes;

namespace ControlTower.Server.Governance;

/// <summary>
/// <c>approval</c>: opens a durable approval and parks the node (<see cref="NodeResult.Waiting"/>, reason
/// <c>approval</c>) until it closes with outcome <c>approved</c>, <c>rejected</c> or <c>expired</c>; the output is
/// the decision (<c>{ approvalId, outcome, decidedBy, decidedAt, comment, decisions }</c>). Evidence is
/// <c>config.evidence</c> (CEL over the node input) or else the run input. Without <c>config.approvers</c>
/// the roles admin and approver decide.
/// </summary>
internal sealed class ApprovalExecutor(ApprovalService approvals, NodeExpressions expressions) : INodeExecutor
{
    public const string WaitReason = "approval";

    public IReadOnlyCollection<string> NodeTypes { get; } = ["approval"];

    public Task<NodeResult> ExecuteAsync(NodeExecutionContext context, CancellationToken cancellationToken) =>
        NodeFailures.GuardAsync(() => ExecuteCoreAsync(context, cancellationToken));

    private async Task<NodeResult> ExecuteCoreAsync(NodeExecutionContext context, CancellationToken cancellationToken)
    {
        var config = context.Config;
        var title = NodeExpressions.RenderText("title", config.RequiredString("title"), context.Activation);
        var instructions = config.OptionalString("instructions") is { } text ? NodeExpressions.RenderText("instructions", text, context.Activation) : null;
        var evidence = config.OptionalString("evidence") is { } expression
            ? expressions.Evaluate("evidence", expression, context.Activation)
            : context.Activation["input"]?.DeepClone();
        var approval = await approvals.OpenAsync(Request(context, config, title, instructions, evidence), cancellationToken);
        return Park(approval);
    }

    /// <summary>Waiting on a pending approval; an approval already closed (a re-delivered attempt) completes at once.</summary>
    public static NodeResult Park(ApprovalEntity approval) => approval.Status == ApprovalService.Pending
        ? new NodeResult.Waiting(WaitReason, null, new JsonObject { ["approvalId"] = approval.Id.ToString() })
        : new NodeResult.Completed(approval.Status, approval.Output is null ? null : JsonNode.Parse(approval.Output));

    /// <summary>The approval an <c>approval</c>-shaped config asks for (also the <c>approval</c> block of <c>governed.action</c>).</summary>
    public static ApprovalRequest Request(NodeExecutionContext context, JsonObject config, string title, string? instructions, JsonNode? evidence)
    {
        var approvers = config.OptionalObject("approvers");
        var roles = Strings(approvers?.OptionalArray("roles"));
        var users = Strings(approvers?.OptionalArray("users"));
        if (roles.Count == 0 && users.Count == 0)
        {
            roles = [Roles.Admin, Roles.Approver];
        }

        var expires = config.OptionalInt("expiresAfterSeconds") is { } seconds ? context.Now.AddSeconds(seconds) : (DateTimeOffset?)null;
        var escalation = config.OptionalObject("escalation");
        var escalateAt = escalation?.OptionalInt("afterSeconds") is { } after ? context.Now.AddSeconds(after) : (DateTimeOffset?)null;
        return new ApprovalRequest(
            context.RunId,
            context.WorkflowId,
            context.NodeId,
            context.NodeType,
            context.Attempt,
            context.ActingUserId,
            title,
            instructions,
            evidence,
            roles,
            users,
            config.OptionalInt("requiredApprovals") ?? 1,
            config.OptionalInt("requiredRejections") ?? 1,
            config["allowSelfApproval"] is JsonValue v && v.TryGetValue<bool>(out var self) && self,
            expires,
            escalateAt,
            escalation?.OptionalString("role"),
            ApprovalComments.Parse(config.OptionalString("commentRequired")));
    }

    private static List<string> Strings(JsonArray? array) =>
        array is null ? [] : [.. array.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>()];
}
