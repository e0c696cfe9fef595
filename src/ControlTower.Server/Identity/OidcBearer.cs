using System.Security.Claims;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Platform.Observability;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ControlTower.Server.Identity;

/// <summary>
/// Authentication: one default scheme that sends a request to the API-key handler, or, when OIDC is configured
/// and <c>Authorization: Bearer</c> carries a JWT (three base64url parts, the first a JSON header), to the
/// JwtBearer handler. API keys (<c>ct_…</c>) never have that shape, so the two cannot be mistaken.
/// </summary>
internal static partial class OidcBearer
{
    public const string DefaultScheme = "ControlTower";
    public const string SchemeName = "Oidc";

    public static IServiceCollection AddControlTowerAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OidcOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<OidcOptions>, OidcOptionsValidation>();
        services.AddSingleton<OidcUsers>();
        var oidc = configuration.Get<OidcOptions>() ?? new OidcOptions();
        var authentication = services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "API key or OIDC bearer token", policy => policy.ForwardDefaultSelector = context =>
                oidc.Enabled && IsJwt(context.Request) ? SchemeName : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        if (oidc.Enabled)
        {
            authentication.AddJwtBearer(SchemeName, jwt => Configure(jwt, oidc));
        }

        return services;
    }

    /// <summary>A JWT's shape: <c>header.payload.signature</c> in base64url, the header a JSON object (<c>eyJ</c>).</summary>
    public static bool IsJwt(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var parts = authorization["Bearer ".Length..].Trim().Split('.');
        return parts.Length == 3 && parts[0].StartsWith("eyJ", StringComparison.Ordinal)
            && parts.All(part => part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }

    private static void Configure(JwtBearerOptions jwt, OidcOptions oidc)
    {
        jwt.Authority = string.IsNullOrWhiteSpace(oidc.Authority) ? null : oidc.Authority;
        if (!string.IsNullOrWhiteSpace(oidc.MetadataAddress))
        {
            jwt.MetadataAddress = oidc.MetadataAddress;
        }

        jwt.Audience = oidc.Audience;
        jwt.RequireHttpsMetadata = !oidc.AllowHttp;
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters.ValidAudience = oidc.Audience;
        jwt.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(oidc.ClockSkewSeconds);
        jwt.TokenValidationParameters.NameClaimType = oidc.NameClaim;
        jwt.Events = new JwtBearerEvents
        {
            OnTokenValidated = SignInAsync,
            OnAuthenticationFailed = context =>
            {
                context.HttpContext.RequestServices.GetRequiredService<PlatformMetrics>().RecordAuthenticationFailure();
                Log.TokenRejected(Logger(context.HttpContext), context.Exception.GetType().Name, FailedAuthenticationThrottle.ClientOf(context.HttpContext));
                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"controltower\", error=\"invalid_token\"";
                var detail = context.AuthenticateFailure is SecurityTokenExpiredException
                    ? "The bearer token has expired."
                    : context.AuthenticateFailure?.Message.StartsWith("IDX", StringComparison.Ordinal) == false
                        ? context.AuthenticateFailure.Message
                        : "The bearer token is not valid: check its signature, issuer, audience and lifetime.";
                await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, ErrorCodes.InvalidCredentials, detail);
            },
            OnForbidden = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "Your role does not allow this."),
        };
    }

    /// <summary>Replaces the token's principal with the Control Tower user it maps to (created on first sight).</summary>
    private static async Task SignInAsync(TokenValidatedContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<OidcUsers>();
        var resolved = await users.ResolveAsync(context.Principal!, context.HttpContext.RequestAborted);
        if (resolved.User is not { } user)
        {
            context.Fail(resolved.Failure ?? "The token maps to no user.");
            return;
        }

        context.Principal = CurrentIdentity.CreatePrincipal(user, AuthenticatedBy.Oidc, null, SchemeName);
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcBearer).FullName!);

    private static async Task WriteProblemAsync(HttpContext context, int status, string code, string detail)
    {
        context.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Detail = detail, Title = status == 401 ? "Authentication required" : "Forbidden" };
        problem.Extensions["code"] = code;
        context.RequestServices.GetRequiredService<PlatformMetrics>().RecordError(code);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
