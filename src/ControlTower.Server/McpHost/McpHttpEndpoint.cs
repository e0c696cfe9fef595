using System.Text.Json;
using ControlTower.Server.Identity;
using ControlTower.Server.Mcp;
using ControlTower.Server.Platform.Configuration;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ControlTower.Server.McpHost;

/// <summary>
/// Streamable HTTP at <c>/mcp</c>, stateless: every POST gets its own transport and server, so any instance
/// can answer any request and no session is kept (server-to-client requests such as sampling are therefore
/// not available). The caller is the API key in <c>Authorization: Bearer</c>; without a valid one the answer
/// is a 401 ProblemDetails (<c>auth.required</c>) with
/// <c>WWW-Authenticate: Bearer resource_metadata=".../.well-known/oauth-protected-resource/mcp"</c> (RFC 9728).
/// In demo mode every request is the demo admin, as everywhere else in the API. Control Tower issues API keys itself, so that metadata names no authorization server.
/// A request from a browser Origin that is neither loopback nor in CORS_ORIGINS is refused with 403 first.
/// </summary>
internal static class McpHttpEndpoint
{
    public const string Path = "/mcp";
    public const string MetadataPath = "/.well-known/oauth-protected-resource/mcp";

    public static IEndpointRouteBuilder MapControlTowerMcp(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(Path, HandlePostAsync).WithTags("MCP server").ExcludeFromDescription();
        routes.MapMethods(Path, [HttpMethods.Get, HttpMethods.Delete], (HttpContext context) =>
        {
            // Stateless: no standalone SSE stream and no session to delete.
            context.Response.Headers.Allow = HttpMethods.Post;
            return Results.StatusCode(StatusCodes.Status405MethodNotAllowed);
        }).ExcludeFromDescription();
        routes.MapGet(MetadataPath, (HttpContext context) => Results.Json(new
        {
            resource = BaseUrl(context) + Path,
            bearer_methods_supported = new[] { "header" },
            resource_name = "Control Tower",
            resource_documentation = BaseUrl(context) + "/docs/mcp",
        })).ExcludeFromDescription();
        return routes;
    }

    private static async Task HandlePostAsync(
        HttpContext context, ControlTowerMcpServer controlTower, IOptions<SecurityOptions> security, IProblemDetailsService problems, ILoggerFactory loggers)
    {
        var cancellationToken = context.RequestAborted;
        if (!IsAllowedOrigin(context.Request.Headers.Origin.ToString(), security.Value))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(JsonRpcErrorBody(-32000, "Forbidden: this Origin may not use the MCP endpoint."), cancellationToken);
            return;
        }

        if (context.User.Identity?.IsAuthenticated != true)
        {
            // Outside demo mode (where every request is the demo admin) the endpoint needs a key, like the rest of the API.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = $"Bearer resource_metadata=\"{BaseUrl(context)}{MetadataPath}\"";
            var problem = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Authentication required",
                Detail = "The MCP endpoint needs an API key: send it as 'Authorization: Bearer <key>'.",
            };
            problem.Extensions["code"] = Platform.Errors.ErrorCodes.AuthenticationRequired;
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
            return;
        }

        JsonRpcMessage? message;
        try
        {
            message = await JsonSerializer.DeserializeAsync(context.Request.Body, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)), cancellationToken) as JsonRpcMessage;
        }
        catch (JsonException)
        {
            message = null;
        }

        if (message is null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(JsonRpcErrorBody((int)McpErrorCode.ParseError, "Parse error: the body is not one JSON-RPC message."), cancellationToken);
            return;
        }

        var caller = new McpCaller(context.User.UserId(), context.User.Role(), context.User.Actor());
        await using var transport = new StreamableHttpServerTransport(loggers) { Stateless = true };
        await using var server = McpServer.Create(transport, controlTower.OptionsFor(caller), loggers, context.RequestServices);
        var running = server.RunAsync(cancellationToken);

        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        context.Response.Headers.ContentEncoding = "identity";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        var wroteResponse = await transport.HandlePostRequestAsync(message, context.Response.Body, cancellationToken);
        if (!wroteResponse)
        {
            context.Response.Headers.ContentType = (string?)null;
            context.Response.Headers.ContentEncoding = (string?)null;
            context.Response.StatusCode = StatusCodes.Status202Accepted;
        }

        await transport.DisposeAsync();
        await running;
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

    private static object JsonRpcErrorBody(int code, string message) =>
        new { jsonrpc = "2.0", id = (string?)null, error = new { code, message } };

    private static string BaseUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";
}
