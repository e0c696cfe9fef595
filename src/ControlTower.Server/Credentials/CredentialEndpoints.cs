using System.Security.Claims;
using ControlTower.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlTower.Server.Credentials;

/// <summary>
/// <c>/api/credentials</c>: every route answers metadata only; plaintext is accepted on POST and PUT
/// and never returned. Another user's credential id is 404 like an unknown one.
/// </summary>
internal static class CredentialEndpoints
{
    public static IEndpointRouteBuilder MapCredentialEndpoints(this IEndpointRouteBuilder routes)
    {
        var credentials = routes.MapGroup("/api/credentials").WithTags("Credentials").RequireAuthorization(Policies.Anyone);

        credentials.MapPost("/", async Task<Created<CredentialResponse>> (CreateCredentialRequest request, ClaimsPrincipal user, CredentialVault vault, CancellationToken ct) =>
        {
            var created = await vault.CreateAsync(CredentialCaller.From(user), request, ct);
            return TypedResults.Created($"/api/credentials/{created.Id}", created);
        });

        credentials.MapGet("/", async (ClaimsPrincipal user, CredentialVault vault, CancellationToken ct) =>
            TypedResults.Ok(await vault.ListAsync(CredentialCaller.From(user), ct)));

        credentials.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, CredentialVault vault, CancellationToken ct) =>
            TypedResults.Ok(await vault.GetAsync(CredentialCaller.From(user), id, ct)));

        credentials.MapGet("/{id:guid}/usage", async (Guid id, ClaimsPrincipal user, CredentialUsage usage, CancellationToken ct) =>
            TypedResults.Ok(await usage.GetAsync(user, id, ct)));

        credentials.MapPost("/{id:guid}/test", async (Guid id, ClaimsPrincipal user, CredentialConnectionTest test, CancellationToken ct) =>
            TypedResults.Ok(await test.RunAsync(user, id, ct)));

        credentials.MapPut("/{id:guid}", async (Guid id, UpdateCredentialRequest request, ClaimsPrincipal user, CredentialVault vault, CancellationToken ct) =>
            TypedResults.Ok(await vault.UpdateAsync(CredentialCaller.From(user), id, request, ct)));

        credentials.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, CredentialVault vault, CancellationToken ct) =>
        {
            await vault.DeleteAsync(CredentialCaller.From(user), id, ct);
            return TypedResults.NoContent();
        });

        credentials.MapPost("/{id:guid}/shares", async Task<Created<CredentialShareResponse>> (Guid id, ShareCredentialRequest request,
            ClaimsPrincipal user, CredentialVault vault, CancellationToken ct) =>
        {
            var share = await vault.ShareAsync(CredentialCaller.From(user), id, request, ct);
            return TypedResults.Created($"/api/credentials/{id}/shares/{share.Id}", share);
        });

        credentials.MapDelete("/{id:guid}/shares/{shareId:guid}", async (Guid id, Guid shareId, ClaimsPrincipal user, CredentialVault vault, CancellationToken ct) =>
        {
            await vault.UnshareAsync(CredentialCaller.From(user), id, shareId, ct);
            return TypedResults.NoContent();
        });

        // Runs to completion in the request; an interrupted rotation is finished by calling it again.
        credentials.MapPost("/rotate", async (ClaimsPrincipal user, CredentialRotation rotation, CancellationToken ct) =>
                TypedResults.Ok(await rotation.RotateAsync(user.Actor(), progress: null, ct)))
            .RequireAuthorization(Policies.AdminOnly);

        return routes;
    }
}
