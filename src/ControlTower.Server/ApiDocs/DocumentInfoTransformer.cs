using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ControlTower.Server.ApiDocs;

/// <summary>
/// Names the API, declares how callers authenticate, and drops the server list: the document is served from the
/// platform's own origin, and one without a host is the same wherever it is generated (request, CLI, test), so the
/// committed copy stays comparable.
/// </summary>
internal sealed class DocumentInfoTransformer : IOpenApiDocumentTransformer
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Control Tower API",
            Version = ApiDocsEndpoints.DocumentName,
            Description = "Governed workflow automation. Errors are RFC 9457 ProblemDetails with a stable `code` "
                + "(the catalog is docs/error-codes.md) and a `traceId`.",
        };
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
        {
            [ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "X-Api-Key",
                Description = "An API key (`controltower apikeys create`, or POST /api/api-keys/).",
            },
            [BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key as a bearer token, or an OIDC access token when OIDC is configured.",
            },
        };
        return Task.CompletedTask;
    }
}
