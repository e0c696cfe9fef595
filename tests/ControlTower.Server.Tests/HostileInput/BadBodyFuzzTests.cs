using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ControlTower.Core.Errors;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Platform;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.HostileInput;

/// <summary>
/// Every POST/PUT/PATCH route the app maps (read from its endpoint metadata, so a new route is fuzzed without
/// being listed here) gets every body of <see cref="BadBodyCorpus"/> as the admin, with route parameters naming
/// existing resources and unknown ones. No answer is a 5xx, and every error is a ProblemDetails whose code is in
/// the error catalog (the MCP endpoint speaks JSON-RPC, so only the first holds there).
/// </summary>
public sealed partial class BadBodyFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long BodyLimit = 256 * 1024;
    private static readonly string[] WriteMethods = [HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch];

    private readonly ControlTowerFactory _factory = new(new Dictionary<string, string?>
    {
        ["MAX_REQUEST_BODY_BYTES"] = BodyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CREDENTIAL_KEYS"] = CredentialApi.NewKey(),
        ["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "1000000",
        ["ENGINE_POLL_MILLISECONDS"] = "50",
        ["SCHEDULE_TRIGGERS"] = "false",
    });

    private Dictionary<string, string> _existing = [];

    public async Task InitializeAsync()
    {
        using var admin = _factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph([Node("hook", "trigger.webhook", new JsonObject { ["respondMode"] = "immediately" })], []), "fuzz target");
        var run = await StartAsync(admin, workflow);
        var credential = await CredentialApi.CreateAsync(admin, "fuzz secret", "api_key", new { key = "k-0123456789" });
        (await admin.PostAsJsonAsync("/api/rule-sets", new
        {
            id = "fuzz-rules",
            definition = JsonNode.Parse("""{ "rules": [ { "id": "r", "condition": "true", "action": { "type": "deny" } } ] }""")
        })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/mcp/servers", new { id = "fuzz-server", name = "fuzz", transport = "streamable_http", url = "http://127.0.0.1:9/mcp" })).EnsureSuccessStatusCode();
        _existing = new Dictionary<string, string>
        {
            ["/api/workflows/{"] = workflow.ToString(),
            ["/hooks/{"] = workflow.ToString(),
            ["/api/runs/{"] = run.ToString(),
            ["/api/credentials/{"] = credential.ToString(),
            ["/api/rule-sets/{"] = "fuzz-rules",
            ["/api/mcp/servers/{"] = "fuzz-server",
        };
    }

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task WriteRoutes_WhenGivenEveryBadBody_NeverAnswer5xxAndEveryErrorIsACataloguedProblem()
    {
        var routes = WriteRoutes();
        var corpus = BadBodyCorpus.All(BodyLimit);
        var catalog = CatalogCodes();
        var failures = new List<string>();
        var requests = 0;
        var statuses = new SortedDictionary<int, int>();
        using var admin = _factory.CreateAdminClient();

        foreach (var (method, pattern) in routes)
        {
            foreach (var path in Paths(pattern))
            {
                foreach (var body in corpus)
                {
                    using var response = await admin.SendAsync(Request(method, path, body));
                    requests++;
                    statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                    if (await ProblemWithAsync(response, path, catalog) is { } problem)
                    {
                        failures.Add($"{method} {path} [{body.Kind}]: {problem}");
                    }
                }
            }
        }

        var fiveHundreds = statuses.Where(s => s.Key >= 500).Sum(s => s.Value);
        output.WriteLine($"{routes.Count} write routes x {corpus.Count} bad bodies: {requests} requests, " +
            $"5xx = {fiveHundreds}, statuses {string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))}");
        Assert.True(corpus.Count >= 40, $"the corpus has {corpus.Count} kinds");
        Assert.True(routes.Count >= 30, $"only {routes.Count} write routes were found");
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} answers broke the contract:\n{string.Join('\n', failures.Take(40))}");
    }

    /// <summary>Every mapped route that takes a body, as (method, pattern).</summary>
    private List<(string Method, string Pattern)> WriteRoutes() =>
    [
        .. from endpoint in _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
           let methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []
           from method in methods.Intersect(WriteMethods)
           let pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/')
           orderby pattern, method
           select (method, pattern),
    ];

    /// <summary>The route with its parameters naming an existing resource, and once with unknown ones.</summary>
    private IEnumerable<string> Paths(string pattern)
    {
        var existing = _existing.Where(e => pattern.StartsWith(e.Key, StringComparison.Ordinal)).Select(e => e.Value).FirstOrDefault();
        var first = true;
        var known = RouteParameter().Replace(pattern, match =>
        {
            var value = first && existing is not null ? existing : Fill(match, known: true);
            first = false;
            return value;
        });
        var unknown = RouteParameter().Replace(pattern, match => Fill(match, known: false));
        return known == unknown ? [known] : [known, unknown];
    }

    private static string Fill(Match parameter, bool known) => (parameter.Groups["name"].Value, parameter.Groups["constraint"].Value) switch
    {
        (_, "guid") => Guid.NewGuid().ToString(),
        (_, "int") => known ? "1" : "987654",
        ("type", _) => known ? "transform" : "no.such.type",
        ("triggerNodeId", _) => known ? "hook" : "no-such-trigger",
        ("nodeId", _) => known ? "hook" : "no-such-node",
        _ => known ? "fuzz" : "no-such-id-" + Guid.NewGuid().ToString("N")[..8],
    };

    private static HttpRequestMessage Request(string method, string path, BadBody body)
    {
        var content = new ByteArrayContent(body.Bytes);
        if (body.ContentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
        }

        return new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
    }

    private static async Task<string?> ProblemWithAsync(HttpResponseMessage response, string path, HashSet<string> catalog)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            return $"{status}: {Shorten(text)}";
        }

        if (status < 400 || path.StartsWith("/mcp", StringComparison.Ordinal))
        {
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"{status} as {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {Shorten(text)}";
        }

        var code = JsonDocument.Parse(text).RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        return code is not null && catalog.Contains(code) ? null : $"{status} with code '{code}' not in the catalog";
    }

    /// <summary>Every code of the <c>*ErrorCodes</c> classes, as docs/error-codes.md lists them.</summary>
    private static HashSet<string> CatalogCodes() =>
    [
        .. from assembly in new[] { typeof(ControlTowerException).Assembly, typeof(Program).Assembly }
           from type in assembly.GetTypes()
           where type is { IsAbstract: true, IsSealed: true } && ErrorCatalog.IsCatalogClass(type.Name)
           from field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
           where field.IsLiteral && field.FieldType == typeof(string)
           select (string)field.GetRawConstantValue()!,
    ];

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [GeneratedRegex(@"\{(?<name>\w+)(:(?<constraint>\w+))?\??\}")]
    private static partial Regex RouteParameter();
}
