namespace ControlTower.Server.Platform.Http;

/// <summary>
/// The dashboard's single-page fallback: any GET that no endpoint or static file answered gets
/// <c>index.html</c> so deep links work, except under the API, health, webhook and MCP prefixes,
/// where an unknown path must stay a 404 (clients probe routes that may not be deployed).
/// </summary>
internal static class DashboardEndpoints
{
    private static readonly string[] ReservedPrefixes = ["/api", "/health", "/hooks", "/mcp"];

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        routes.MapFallback((HttpContext context, IWebHostEnvironment environment) =>
            {
                if (IsReserved(context.Request.Path))
                {
                    return Results.NotFound();
                }

                var index = environment.WebRootFileProvider.GetFileInfo("index.html");
                if (!index.Exists || index.PhysicalPath is null)
                {
                    return Results.NotFound();
                }

                // The shell must not be cached: it names the current hashed bundles.
                context.Response.Headers.CacheControl = "no-cache";
                return Results.File(index.PhysicalPath, "text/html; charset=utf-8");
            })
            // GET and HEAD only, so a wrong method on an API route still answers 405.
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return routes;
    }

    private static bool IsReserved(PathString path) =>
        ReservedPrefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));
}
