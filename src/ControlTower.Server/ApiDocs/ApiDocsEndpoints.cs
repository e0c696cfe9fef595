using Scalar.AspNetCore;

namespace ControlTower.Server.ApiDocs;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> and the API reference (Scalar) at <c>/api/docs</c>.
/// Both are public: the document describes routes, shapes and the role each route needs (what the source already
/// says) and holds no data or secret; the platform authenticates by header only (API key or OIDC bearer), which a
/// browser navigating to <c>/api/docs</c> cannot send, so a protected page could not be opened at all. Every call
/// the reference's "try it" makes still needs a key.
/// </summary>
internal static class ApiDocsEndpoints
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api/docs";

    public static IServiceCollection AddApiDocs(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer<DocumentInfoTransformer>();
            options.AddDocumentTransformer<HealthPathsTransformer>();
            options.AddOperationTransformer<ProblemResponsesTransformer>();
            options.AddSchemaTransformer<ProblemDetailsSchemaTransformer>();
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        routes.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("Control Tower API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .AddDocument(DocumentName)
                .AddPreferredSecuritySchemes(DocumentInfoTransformer.ApiKeyScheme)
                .DisableAgent()
                .DisableTelemetry())
            .AllowAnonymous();
        return routes;
    }
}
