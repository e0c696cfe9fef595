using System.Text.Encodings.Web;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Platform.Observability;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Identity;

/// <summary>
/// Authenticates <c>Authorization: Bearer ct_...</c> or <c>X-Api-Key</c>. With no key and the demo
/// bypass on, the request acts as the built-in admin. Failures count against the client's
/// failed-authentication budget and answer ProblemDetails.
/// </summary>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyVerifier verifier,
    BuiltInUsers builtInUsers,
    FailedAuthenticationThrottle throttle,
    PlatformMetrics metrics,
    IOptions<SecurityOptions> security,
    IOptions<PlatformOptions> platform)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string InvalidKeyItem = "ct:invalid_key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ReadKey(Request);
        if (presented is null)
        {
            return security.Value.AuthBypassFor(platform.Value.Mode)
                ? Success(new VerifiedKey(await builtInUsers.EnsureAdminAsync(Context.RequestAborted), AuthenticatedBy.DemoBypass, null))
                : AuthenticateResult.NoResult();
        }

        var verified = await verifier.VerifyAsync(presented, Context.RequestAborted);
        if (verified is null)
        {
            await throttle.RecordFailureAsync(FailedAuthenticationThrottle.PartitionOf(Context, presented));
            metrics.RecordAuthenticationFailure();
            Log.InvalidKey(Logger, FailedAuthenticationThrottle.ClientOf(Context));
            Context.Items[InvalidKeyItem] = true;
            return AuthenticateResult.Fail("The API key is not valid.");
        }

        return Success(verified);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer realm=\"controltower\"";
        return Context.Items.ContainsKey(InvalidKeyItem)
            ? WriteProblemAsync(StatusCodes.Status401Unauthorized, ErrorCodes.InvalidCredentials, "The API key is not valid, revoked, or its user is disabled.")
            : WriteProblemAsync(StatusCodes.Status401Unauthorized, ErrorCodes.AuthenticationRequired, "Send an API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "Your role does not allow this.");

    public static string? ReadKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        var header = request.Headers["X-Api-Key"].ToString();
        return header.Length > 0 ? header.Trim() : null;
    }

    private AuthenticateResult Success(VerifiedKey verified) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            CurrentIdentity.CreatePrincipal(verified.User, verified.By, verified.ApiKeyId, SchemeName),
            SchemeName));

    private async Task WriteProblemAsync(int status, string code, string detail)
    {
        Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Detail = detail, Title = status == 401 ? "Authentication required" : "Forbidden" };
        problem.Extensions["code"] = code;
        metrics.RecordError(code);
        await Context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
    }
}
