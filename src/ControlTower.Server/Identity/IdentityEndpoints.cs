using System.Security.Claims;
using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Platform.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Identity;

internal static class IdentityEndpoints
{
    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").WithTags("Identity");

        api.MapGet("/me", (ClaimsPrincipal user, IOptions<PlatformOptions> platform) => TypedResults.Ok(new MeResponse(
                user.UserId(),
                user.UserName(),
                user.Role(),
                user.FindFirstValue(CurrentIdentity.AuthenticatedByClaim) ?? "",
                platform.Value.Mode.ToString().ToLowerInvariant())))
            .RequireAuthorization(Policies.Anyone);

        var users = api.MapGroup("/users").RequireAuthorization(Policies.AdminOnly);
        users.MapGet("/", async (IdentityService identity, CancellationToken ct) =>
            TypedResults.Ok(await identity.ListUsersAsync(ct)));
        users.MapGet("/{id:guid}", async (Guid id, IdentityService identity, CancellationToken ct) =>
            TypedResults.Ok(await identity.GetUserAsync(id, ct)));
        users.MapPost("/", async Task<Created<UserResponse>> (CreateUserRequest request, ClaimsPrincipal user, IdentityService identity, CancellationToken ct) =>
        {
            var created = await identity.CreateUserAsync(user.Actor(), request, ct);
            return TypedResults.Created($"/api/users/{created.Id}", created);
        });

        var keys = api.MapGroup("/api-keys").RequireAuthorization(Policies.Anyone);
        keys.MapGet("/", async (Guid? userId, ClaimsPrincipal user, IdentityService identity, CancellationToken ct) =>
            TypedResults.Ok(await identity.ListApiKeysAsync(user.IsAdmin() ? userId : user.UserId(), ct)));
        keys.MapPost("/", async Task<Created<CreatedApiKeyResponse>> (CreateApiKeyRequest request, ClaimsPrincipal user, IdentityService identity, CancellationToken ct) =>
        {
            var owner = request.UserId ?? user.UserId();
            if (owner != user.UserId() && !user.IsAdmin())
            {
                throw new ControlTowerException(ErrorKind.Forbidden, ErrorCodes.Forbidden, "Only an admin issues keys for another user.");
            }

            var created = await identity.CreateApiKeyAsync(user.Actor(), owner, request.Name, ct);
            return TypedResults.Created($"/api/api-keys/{created.ApiKey.Id}", created);
        });
        keys.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, IdentityService identity, CancellationToken ct) =>
            TypedResults.Ok(await identity.RevokeApiKeyAsync(user.Actor(), id, user.IsAdmin() ? null : user.UserId(), "revoked through the API", ct)));

        return routes;
    }
}
