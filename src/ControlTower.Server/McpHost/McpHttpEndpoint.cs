using ControlTower.Server.Identity;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform.Configuration;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ControlTower.Server.McpHost;

/// <summary>
/// Streamable HTTP at <c>/mcp</c>, served by <c>ModelContextProtocol.AspNetCore</c> (<c>MapMcp</c>):
/// <list type="bullet">
/// <item>Sessions: a client that uses the initialize handshake (2025-11-25 and earlier) gets a session
/// (<c>Mcp-Session-Id</c>, the GET stream for notifications, DELETE to end it); 2026-07-28 clients are served
/// statelessly on the same endpoint. Sessions live in the process that created them: several instances behind one
/// address need affinity on <c>Mcp-Session-Id</c> (see the McpHost README).</item>
/// <item>Resumability: every SSE event is stored in the <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>
/// (in-memory unless another one, e.g. Redis, is registered), so a client that reconnects with <c>Last-Event-ID</c>
/// gets what it missed.</item>
/// <item>Auth: the caller is the API key (or OIDC token) of the rest of the API, per request; the session is bound to
/// the user who opened it. Without one the answer is a 401 ProblemDetails (<c>auth.required</c>) with
/// <c>WWW-Authenticate: Bearer resource_metadata=".../.well-known/oauth-protected-resource/mcp"</c> (RFC 9728), served by
/// the SDK's MCP authentication handler. Control Tower issues API keys itself, so that metadata names no authorization
/// server. In demo mode every request is the demo admin, as everywhere else in the API.</item>
/// <item>Origin: a request from a browser Origin that is neither loopback nor in CORS_ORIGINS is refused with 403.</item>
/// </list>
/// </summary>
internal static class McpHttpEndpoint
{
    public const string Path = "/mcp";
    public const string MetadataPath = "/.well-known/oauth-protected-resource/mcp";
    public const string AuthenticationScheme = McpAuthenticationDefaults.AuthenticationScheme;

    /// <summary>The SDK's server (handlers from <see cref="ControlTowerMcpServer"/>), its HTTP transport, the event store and the MCP auth scheme.</summary>
    public static IServiceCollection AddControlTowerMcpHttp(this IServiceCollection services)
    {
        services.AddDistributedMemoryCache();
        // MCP9006: the SDK marks sessions as back-compat for 2025-11-25 clients, which is what MCP hosts speak today;
        // 2026-07-28 clients are served statelessly by the same mode. MCPEXP002: RunSessionHandler is the one hook
        // that sees a session end, and a session's subscriptions stop with it.
#pragma warning disable MCP9006, MCPEXP002
        services.AddMcpServer()
            .WithHttpTransport(http =>
            {
                http.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
                http.RunSessionHandler = RunSessionAsync;
            })
            .WithDistributedCacheEventStreamStore();
#pragma warning restore MCP9006, MCPEXP002
        services.AddOptions<McpServerOptions>()
            .Configure<ControlTowerMcpServer>((options, controlTower) => controlTower.Configure(options, CallerOfRequest));
        services.AddAuthentication().AddMcp(AuthenticationScheme, "MCP (API key)", mcp =>
        {
            // Authentication itself is the API's (API key or OIDC); this scheme adds the challenge and the metadata document.
            mcp.ForwardAuthenticate = OidcBearer.DefaultScheme;
            mcp.ResourceMetadataUri = new Uri(MetadataPath, UriKind.Relative);
            mcp.Events.OnResourceMetadataRequest = context =>
            {
                var baseUrl = BaseUrl(context.HttpContext);
                context.ResourceMetadata = new ProtectedResourceMetadata
                {
                    Resource = baseUrl + Path,
                    BearerMethodsSupported = ["header"],
                    ResourceName = "Control Tower",
                    ResourceDocumentation = baseUrl + "/docs/mcp",
                };
                return Task.CompletedTask;
            };
        });
        return services;
    }

    public static IEndpointRouteBuilder MapControlTowerMcp(this IEndpointRouteBuilder routes)
    {
        var security = routes.ServiceProvider.GetRequiredService<IOptions<SecurityOptions>>().Value;
        routes.MapMcp(Path)
            .RequireAuthorization(new AuthorizeAttribute(Policies.Anyone) { AuthenticationSchemes = AuthenticationScheme })
            .WithTags("MCP server")
            .ExcludeFromDescription()
            .Add(endpoint => endpoint.RequestDelegate = RefuseForeignOrigins(endpoint.RequestDelegate!, security));
        return routes;
    }

    /// <summary>
    /// DNS-rebinding defence (the MCP transport spec's Origin check): a request that carries an Origin (every
    /// browser request does) must come from a loopback origin or one listed in CORS_ORIGINS. Clients that are
    /// not browsers send no Origin and are judged by their API key alone.
    /// </summary>
    internal static bool IsAllowedOrigin(string origin, SecurityOptions security)
    {
        if (origin.Length == 0)
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var parsed))
        {
            return false;
        }

        return parsed.IsLoopback && parsed.Host is "localhost" or "127.0.0.1" or "[::1]"
            || security.CorsOriginList.Any(allowed => string.Equals(allowed.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
    }

    private static RequestDelegate RefuseForeignOrigins(RequestDelegate next, SecurityOptions security) => async context =>
    {
        if (IsAllowedOrigin(context.Request.Headers.Origin.ToString(), security))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await context.Response.WriteAsJsonAsync(
            new { jsonrpc = "2.0", id = (string?)null, error = new { code = -32000, message = "Forbidden: this Origin may not use the MCP endpoint." } },
            context.RequestAborted);
    };

    /// <summary>The caller of one HTTP request: its authenticated user (the session is bound to that user by the SDK).</summary>
    private static ValueTask<McpCaller> CallerOfRequest(MessageContext request, CancellationToken cancellationToken) =>
        request.User is { Identity.IsAuthenticated: true } user
            ? ValueTask.FromResult(new McpCaller(user.UserId(), user.Role(), user.Actor()))
            : throw new McpProtocolException("The request carries no authenticated caller.", McpErrorCode.InvalidRequest);

    private static async Task RunSessionAsync(HttpContext context, McpServer server, CancellationToken cancellationToken)
    {
        // Taken now: the request that opened the session (and its services) is long gone when the session ends.
        var subscriptions = context.RequestServices.GetRequiredService<ResourceSubscriptions>();
        try
        {
            await server.RunAsync(cancellationToken);
        }
        finally
        {
            subscriptions.EndSession(server);
        }
    }

    private static string BaseUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";
}
