using System.Security.Claims;
using ControlTower.Server.Governance;
using ControlTower.Server.Mcp;

namespace ControlTower.Server.McpHost;

/// <summary>
/// Pending approvals as MCP resources <c>controltower://approvals/{id}</c>, and the principal an MCP caller
/// decides them as (the approvals service applies its own decider, self-approval and race rules to it).
/// </summary>
internal static class PendingApprovals
{
    public const string UriPrefix = "controltower://approvals/";
    public const int Limit = ApprovalService.MaxPageSize;

    public static string UriOf(Guid approvalId) => UriPrefix + approvalId.ToString("D");

    public static Guid? ApprovalIdOf(string? uri) =>
        uri is not null && uri.StartsWith(UriPrefix, StringComparison.Ordinal) && Guid.TryParse(uri[UriPrefix.Length..], out var id) ? id : null;

    public static ApprovalQuery Query { get; } = new(ApprovalService.Pending, Mine: false, Role: null, WorkflowId: null, RunId: null, Offset: 0, Limit: Limit);

    /// <summary>The caller as the claims the approvals service reads; the actor is always <c>user:{name}</c> (see <c>CurrentIdentity.Actor</c>).</summary>
    public static ClaimsPrincipal PrincipalOf(McpCaller caller)
    {
        const string UserActorPrefix = "user:";
        var name = caller.Actor.StartsWith(UserActorPrefix, StringComparison.Ordinal) ? caller.Actor[UserActorPrefix.Length..] : caller.Actor;
        return new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, caller.UserId.ToString()), new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, caller.Role)],
            authenticationType: "mcp"));
    }
}
