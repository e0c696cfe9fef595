using System.Security.Claims;

namespace ControlTower.Server.Identity;

/// <summary>How a request proved who it is.</summary>
internal enum AuthenticatedBy
{
    ApiKey,
    AdminKey,
    DemoBypass,
    Oidc,
}

/// <summary>Reading the authenticated identity off a request's principal.</summary>
internal static class CurrentIdentity
{
    public const string AuthenticatedByClaim = "ct:authenticated_by";
    public const string ApiKeyIdClaim = "ct:api_key_id";

    public static ClaimsPrincipal CreatePrincipal(UserEntity user, AuthenticatedBy by, Guid? apiKeyId, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.Name),
            new(ClaimTypes.Role, user.Role),
            new(AuthenticatedByClaim, by.ToString()),
        };
        if (apiKeyId is { } keyId)
        {
            claims.Add(new Claim(ApiKeyIdClaim, keyId.ToString()));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    public static Guid UserId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("The request is not authenticated."));

    public static string UserName(this ClaimsPrincipal principal) => principal.FindFirstValue(ClaimTypes.Name) ?? "anonymous";

    public static string Role(this ClaimsPrincipal principal) => principal.FindFirstValue(ClaimTypes.Role) ?? "";

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.IsInRole(Roles.Admin);

    /// <summary>How the actor is named in the audit log.</summary>
    public static string Actor(this ClaimsPrincipal principal) => $"user:{principal.UserName()}";

    /// <summary>The key a request is rate limited by: its user (all of the user's keys and tokens together); anonymous requests go by address.</summary>
    public static string? RateLimitKey(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId ? "user:" + userId : null;
}
