using ControlTower.Server.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ControlTower.Server.ApiDocs;

/// <summary>
/// The ProblemDetails every endpoint can answer by how it is mapped, so no endpoint has to repeat them: 401 (and 403
/// unless any signed-in caller passes) where a policy guards it, with the security requirement; 400 where it reads a
/// body or parameters. Codes an endpoint answers for its own reasons (404, 409, ...) are declared where it is mapped.
/// </summary>
internal sealed class ProblemResponsesTransformer : IOpenApiOperationTransformer
{
    private const string ProblemSchemaId = "ProblemDetails";
    private const string ProblemMediaType = "application/problem+json";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var policy = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
        var guarded = policy is not null && !metadata.OfType<IAllowAnonymous>().Any();
        var readsInput = operation.RequestBody is not null || operation.Parameters is { Count: > 0 };
        if (!guarded && !readsInput)
        {
            return;
        }

        var problem = await ProblemSchemaAsync(context, cancellationToken);
        operation.Responses ??= [];
        if (readsInput)
        {
            AddProblem(operation, problem, StatusCodes.Status400BadRequest, "The request is invalid (malformed JSON, a failed check); `code` says which.");
        }

        if (guarded)
        {
            AddProblem(operation, problem, StatusCodes.Status401Unauthorized, "No valid API key or token (`auth.required`, `auth.invalid_credentials`).");
            if (policy != Policies.Anyone)
            {
                AddProblem(operation, problem, StatusCodes.Status403Forbidden, $"The caller's role does not pass the `{policy}` policy (`auth.forbidden`).");
            }

            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DocumentInfoTransformer.ApiKeyScheme, context.Document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DocumentInfoTransformer.BearerScheme, context.Document)] = [] },
            ];
        }
    }

    private static async Task<IOpenApiSchema> ProblemSchemaAsync(OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(ProblemSchemaId) != true)
        {
            document.AddComponent(ProblemSchemaId, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken));
        }

        return new OpenApiSchemaReference(ProblemSchemaId, document);
    }

    private static void AddProblem(OpenApiOperation operation, IOpenApiSchema problem, int status, string description) =>
        operation.Responses!.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { [ProblemMediaType] = new() { Schema = problem } },
        });
}
