using System.Security.Claims;
using ControlTower.Server.Identity;

namespace ControlTower.Server.NodeSwitches;

internal static class NodeSwitchEndpoints
{
    /// <summary>
    /// Kill switches per node type: <c>GET /api/node-types/switches</c> (every type with its switch; any human role)
    /// and <c>PUT /api/node-types/{type}/switch</c> <c>{ enabled, reason }</c> (admins; a reason is required to switch off).
    /// <c>GET /api/node-types</c> carries the same <c>enabled</c> flag per type. The history is the audit log
    /// (<c>GET /api/audit?action=node_type.disabled</c>, target <c>node_type:{type}</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapNodeSwitchEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/node-types/switches", async (NodeTypeSwitches switches, CancellationToken ct) => TypedResults.Ok(await switches.ListAsync(ct)))
            .WithTags("Node types")
            .RequireAuthorization(Policies.Readers);
        routes.MapPut("/api/node-types/{type}/switch", async (string type, NodeTypeSwitchBody body, ClaimsPrincipal user, NodeTypeSwitches switches, CancellationToken ct) =>
                TypedResults.Ok(await switches.SetAsync(type, body, user.Actor(), ct)))
            .WithTags("Node types")
            .RequireAuthorization(Policies.AdminOnly);
        return routes;
    }
}
