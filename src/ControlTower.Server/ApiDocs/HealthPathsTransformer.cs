using ControlTower.Server.Operations;
using ControlTower.Server.Platform.Observability;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ControlTower.Server.ApiDocs;

/// <summary>
/// The health and metrics routes are middleware (health checks, the Prometheus exporter), which the API explorer does
/// not see: this adds them with the shapes their writers use (<see cref="ProbeReport"/>, <see cref="ComponentHealthReport"/>).
/// </summary>
internal sealed class HealthPathsTransformer : IOpenApiDocumentTransformer
{
    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var probe = await ComponentAsync(document, context, typeof(ProbeReport), cancellationToken);
        var components = await ComponentAsync(document, context, typeof(ComponentHealthReport), cancellationToken);
        document.Paths ??= [];
        document.Paths["/health/live"] = Get("Liveness: the process answers. No key, no check.", Json(probe), guarded: false, document);
        document.Paths["/health/ready"] = Get(
            "Readiness: the database answers and has every migration (503 when not). No key.", Json(probe), guarded: false, document);
        document.Paths["/health"] = Get("Each component's health (readers).", Json(components), guarded: true, document);
        document.Paths["/metrics"] = Get(
            "Prometheus metrics in the text exposition format (readers, or the scrape key when METRICS_SCRAPE_KEY is set).",
            new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
            guarded: true,
            document,
            "text/plain");
    }

    private static async Task<IOpenApiSchema> ComponentAsync(
        OpenApiDocument document, OpenApiDocumentTransformerContext context, Type type, CancellationToken cancellationToken)
    {
        document.AddComponent(type.Name, await context.GetOrCreateSchemaAsync(type, null, cancellationToken));
        return new OpenApiSchemaReference(type.Name, document);
    }

    private static OpenApiResponse Problem(string description, OpenApiDocument document) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
        {
            ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
        },
    };

    private static OpenApiMediaType Json(IOpenApiSchema schema) => new() { Schema = schema };

    private static OpenApiPathItem Get(string summary, OpenApiMediaType body, bool guarded, OpenApiDocument document, string mediaType = "application/json")
    {
        var operation = new OpenApiOperation
        {
            Summary = summary,
            Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse
                {
                    Description = "OK",
                    Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { [mediaType] = body },
                },
            },
        };
        if (guarded)
        {
            operation.Responses["401"] = Problem("No valid API key or token.", document);
            operation.Responses["403"] = Problem("The caller's role is not a reader's.", document);
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DocumentInfoTransformer.ApiKeyScheme, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DocumentInfoTransformer.BearerScheme, document)] = [] },
            ];
        }

        return new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation } };
    }
}
