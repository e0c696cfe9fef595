using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Mcp;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ControlTower.Server.Tests.ApiDocs;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> describes every mapped route: each operation has a typed 2xx
/// response (no anonymous types, no untyped <c>JsonObject</c> unless the shape is free by nature), a typed request body
/// where the endpoint reads one, and the ProblemDetails its policy can answer. The committed copy the dashboard
/// generates its types from (src/ControlTower.Web/openapi.json) must equal the served one: regenerate with
/// <c>UPDATE_OPENAPI=1</c> or <c>controltower openapi --out src/ControlTower.Web/openapi.json</c>.
/// </summary>
public sealed partial class OpenApiDocumentTests(OpenApiDocumentTests.Host host, ITestOutputHelper output) : IClassFixture<OpenApiDocumentTests.Host>
{
    private const string UpdateVariable = "UPDATE_OPENAPI";

    /// <summary>Routes the document leaves out on purpose, and why.</summary>
    private static readonly Dictionary<string, string> NotDescribed = new(StringComparer.Ordinal)
    {
        ["GET /openapi/{documentName}.json"] = "the document itself",
        ["POST /mcp"] = "JSON-RPC, described by the MCP specification, not by OpenAPI",
        ["GET /mcp"] = "MCP transport (JSON-RPC)",
        ["DELETE /mcp"] = "MCP transport (JSON-RPC)",
        ["GET {*path:nonfile}"] = "the dashboard's single-page fallback",
        ["HEAD {*path:nonfile}"] = "the dashboard's single-page fallback",
    };

    /// <summary>The API reference page (HTML) and its scripts.</summary>
    private const string ReferencePrefix = "GET /api/docs";

    /// <summary>Operations whose success body has no fixed shape, and why.</summary>
    private static readonly Dictionary<string, string> FreeFormResponse = new(StringComparer.Ordinal)
    {
        ["GET /hooks/{workflowId}/{triggerNodeId}"] = "a webhook answers what the workflow's respond node says",
        ["POST /hooks/{workflowId}/{triggerNodeId}"] = "a webhook answers what the workflow's respond node says",
        ["PUT /hooks/{workflowId}/{triggerNodeId}"] = "a webhook answers what the workflow's respond node says",
        ["GET /api/node-types"] = "a JSON document of node-type JSON Schemas (config schemas, MCP tools' own input schemas)",
        ["GET /api/runs/{id}/blobs/{sha256}"] = "a payload stored by reference: whatever JSON the run input or node output was",
    };

    public sealed class Host : IDisposable
    {
        internal ControlTowerFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    [Fact]
    public async Task Document_DescribesEveryRouteWithTypedResponsesBodiesAndProblems()
    {
        var document = await ServedDocumentAsync();
        var paths = document["paths"]!.AsObject();
        var problems = new List<string>();
        var described = 0;
        foreach (var route in Routes())
        {
            if (NotDescribed.ContainsKey(route.Key) || route.Key.StartsWith(ReferencePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var operation = paths[route.Path]?[route.Method == "ANY" ? "get" : route.Method.ToLowerInvariant()];
            if (operation is null)
            {
                problems.Add($"{route.Key}: not in the document as {route.Path}");
                continue;
            }

            described++;
            problems.AddRange(CheckOperation(route, operation).Select(p => $"{route.Key}: {p}"));
        }

        var stale = NotDescribed.Keys.Concat(FreeFormResponse.Keys).Except(Routes().Select(r => r.Key)).ToList();
        problems.AddRange(stale.Select(k => $"{k}: listed here but not mapped"));
        output.WriteLine($"{paths.Count} paths, {described} operations described");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(paths.Count >= 90, $"only {paths.Count} paths");
    }

    private static IEnumerable<string> CheckOperation(DocumentedRoute route, JsonNode operation)
    {
        var responses = operation["responses"]?.AsObject() ?? [];
        var success = responses.Where(r => r.Key.StartsWith('2')).ToList();
        if (success.Count == 0)
        {
            yield return "no 2xx response";
        }

        foreach (var (status, response) in success)
        {
            if (status == "204")
            {
                continue;
            }

            var schemas = response?["content"]?.AsObject().Select(c => c.Value?["schema"]).ToList() ?? [];
            if (schemas.Count == 0 || schemas.Any(s => s is null))
            {
                yield return $"{status} has no content type and schema";
            }
            else if (!FreeFormResponse.ContainsKey(route.Key) && schemas.Any(IsUntyped))
            {
                yield return $"{status} is untyped ({schemas.First(IsUntyped)!.ToJsonString()})";
            }
        }

        if (route.ReadsBody && operation["requestBody"]?["content"]?.AsObject().Any(c => c.Value?["schema"] is not null) != true)
        {
            yield return "reads a body the document does not describe";
        }

        if (route.Guarded && responses["401"]?["content"]?["application/problem+json"] is null)
        {
            yield return "guarded by a policy but has no 401 ProblemDetails response";
        }
    }

    /// <summary>A schema of no fixed shape: a bare JSON node, or an anonymous type (unstable, unreadable name).</summary>
    private static bool IsUntyped(JsonNode? schema)
    {
        var target = schema?["items"] ?? schema;
        var reference = target?["$ref"]?.GetValue<string>() ?? "";
        return reference.EndsWith("/JsonObject", StringComparison.Ordinal)
            || reference.EndsWith("/JsonNode", StringComparison.Ordinal)
            || reference.EndsWith("/JsonArray", StringComparison.Ordinal)
            || reference.Contains("AnonymousType", StringComparison.Ordinal)
            || (target is JsonObject shape && shape.Count == 0);
    }

    [Fact]
    public async Task Document_EveryTypedComponentHasAShape()
    {
        var document = await ServedDocumentAsync();
        var anonymous = document["components"]!["schemas"]!.AsObject()
            .Where(s => s.Key.Contains("AnonymousType", StringComparison.Ordinal))
            .Select(s => s.Key)
            .ToList();

        Assert.Empty(anonymous);
        Assert.NotNull(document["components"]!["schemas"]!["ProblemDetails"]!["properties"]!["code"]);
        Assert.NotNull(document["components"]!["securitySchemes"]!["ApiKey"]);
    }

    [Fact]
    public async Task CommittedCopy_EqualsTheServedDocument()
    {
        var served = await ServedTextAsync();
        var file = Path.Combine(McpTestServers.RepoRoot(), "src", "ControlTower.Web", "openapi.json");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(file, JsonNode.Parse(served)!.ToJsonString(new() { WriteIndented = true }) + "\n");
        }

        Assert.True(File.Exists(file), $"{file} is missing: run the tests with {UpdateVariable}=1");
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(served), JsonNode.Parse(await File.ReadAllTextAsync(file))),
            $"{file} is out of date: run `controltower openapi --out src/ControlTower.Web/openapi.json` or the tests with {UpdateVariable}=1");
    }

    [Fact]
    public async Task OpenApiCommand_WritesTheServedDocument_WithoutADatabase()
    {
        var data = Directory.CreateTempSubdirectory("controltower-openapi-");
        try
        {
            var file = Path.Combine(data.FullName, "openapi.json");
            var result = await ControlTowerProcess.RunAsync(["openapi", "--out", file], new() { ["DATA_DIR"] = data.FullName });

            Assert.True(result.ExitCode == 0, result.StandardError);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await ServedTextAsync()), JsonNode.Parse(await File.ReadAllTextAsync(file))));
            Assert.Equal(["openapi.json"], data.EnumerateFileSystemInfos().Select(f => f.Name));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task DocumentAndReference_AreServedWithoutAKey()
    {
        using var anonymous = host.Factory.CreateClient(apiKey: null);

        using var reference = await anonymous.GetAsync("/api/docs");
        var html = await reference.Content.ReadAsStringAsync();
        using var document = await anonymous.GetAsync("/openapi/v1.json");
        using var guarded = await anonymous.GetAsync("/api/workflows");

        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Contains("scalar", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, guarded.StatusCode);
    }

    private async Task<string> ServedTextAsync()
    {
        using var anonymous = host.Factory.CreateClient(apiKey: null);
        return await anonymous.GetStringAsync("/openapi/v1.json");
    }

    private async Task<JsonNode> ServedDocumentAsync() => JsonNode.Parse(await ServedTextAsync())!;

    private sealed record DocumentedRoute(string Key, string Method, string Path, bool ReadsBody, bool Guarded);

    private List<DocumentedRoute> Routes()
    {
        var source = host.Factory.Services.GetRequiredService<EndpointDataSource>();
        return [.. source.Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(method => new DocumentedRoute(
                $"{method} {DocumentPath(e.RoutePattern.RawText ?? "")}",
                method,
                DocumentPath(e.RoutePattern.RawText ?? ""),
                e.Metadata.GetMetadata<IAcceptsMetadata>() is { RequestType: not null },
                e.Metadata.GetMetadata<IAuthorizeData>() is not null && e.Metadata.GetMetadata<IAllowAnonymous>() is null)))
            .DistinctBy(r => r.Key)];
    }

    /// <summary>The route as the document writes it: no constraints, no trailing slash.</summary>
    private static string DocumentPath(string pattern)
    {
        if (pattern.StartsWith("{*", StringComparison.Ordinal)
            || pattern.StartsWith("/api/docs", StringComparison.Ordinal)
            || pattern.StartsWith("/openapi", StringComparison.Ordinal))
        {
            return pattern;
        }

        var path = ParameterConstraint().Replace(pattern, "{$1}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)(:[^}]*)?\}")]
    private static partial Regex ParameterConstraint();
}
