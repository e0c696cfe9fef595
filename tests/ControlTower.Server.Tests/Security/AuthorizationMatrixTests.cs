using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Server.Identity;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Security;

/// <summary>
/// The authorization matrix, generated from the app's own endpoint metadata: every mapped route (from the
/// <see cref="EndpointDataSource"/>) × every role and no key. Each route must have an entry in
/// <see cref="Expected"/> that agrees with the policy it is mapped with, so a new endpoint without an entry, or
/// with a policy other than the one written down here, fails. Then every cell is requested over HTTP with a real
/// key of that role: refused cells must answer 401 (no key) or 403 (role) as ProblemDetails, allowed cells must
/// get past authorization. The ownership cases (another user's workflow, credential, API key and approval) follow.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.Identities identities, ITestOutputHelper output)
    : IClassFixture<AuthorizationMatrixTests.Identities>
{
    /// <summary>Who passes: the policies of <see cref="Policies"/>, plus routes open to anyone.</summary>
    public enum Access
    {
        Public,
        Anyone,
        Readers,
        Operators,
        Approvers,
        Admin,
    }

    private const string None = "none";

    private static readonly string[] RolesInOrder = [Roles.Admin, Roles.Approver, Roles.Operator, Roles.Viewer, Roles.Service];

    // Routes that check the caller in their handler, not by policy (none today): what they answer is still tested below.
    private static readonly Dictionary<string, Access> CheckedInHandler = new(StringComparer.Ordinal);

    /// <summary>Every route, as "METHOD pattern", and who may call it.</summary>
    private static readonly Dictionary<string, Access> Expected = new(StringComparer.Ordinal)
    {
        ["GET /api/api-keys/"] = Access.Anyone,
        ["POST /api/api-keys/"] = Access.Anyone,
        ["DELETE /api/api-keys/{id:guid}"] = Access.Anyone,
        ["GET /api/demo/scenarios/"] = Access.Readers,
        ["POST /api/demo/scenarios/{id}/start"] = Access.Operators,
        ["GET /api/approvals/"] = Access.Anyone,
        ["GET /api/approvals/deciders"] = Access.Operators,
        ["GET /api/approvals/{id:guid}"] = Access.Anyone,
        ["POST /api/approvals/{id:guid}/comments"] = Access.Readers,
        ["POST /api/approvals/{id:guid}/decisions"] = Access.Anyone,
        ["GET /api/audit/"] = Access.Readers,
        ["GET /api/audit/archives"] = Access.Readers,
        ["GET /api/audit/archives/{id:guid}"] = Access.Readers,
        ["GET /api/audit/export"] = Access.Readers,
        ["GET /api/audit/verify"] = Access.Readers,
        ["GET /api/credentials/"] = Access.Anyone,
        ["POST /api/credentials/"] = Access.Anyone,
        ["POST /api/credentials/rotate"] = Access.Admin,
        ["DELETE /api/credentials/{id:guid}"] = Access.Anyone,
        ["GET /api/credentials/{id:guid}"] = Access.Anyone,
        ["GET /api/credentials/{id:guid}/usage"] = Access.Anyone,
        ["POST /api/credentials/{id:guid}/test"] = Access.Anyone,
        ["PUT /api/credentials/{id:guid}"] = Access.Anyone,
        ["POST /api/credentials/{id:guid}/shares"] = Access.Anyone,
        ["DELETE /api/credentials/{id:guid}/shares/{shareId:guid}"] = Access.Anyone,
        ["GET /api/executions"] = Access.Readers,
        ["GET /api/executions/{id:guid}"] = Access.Readers,
        ["POST /api/executions/{id:guid}/rollback"] = Access.Operators,
        ["POST /api/expressions/validate"] = Access.Anyone,
        ["GET /api/gates"] = Access.Readers,
        ["POST /api/planner/drafts"] = Access.Operators,
        ["POST /api/trust/events"] = Access.Operators,
        ["GET /api/trust/models"] = Access.Readers,
        ["POST /api/trust/models/retrain"] = Access.Admin,
        ["GET /api/trust/models/retrain-check"] = Access.Readers,
        ["POST /api/trust/resolve-mode"] = Access.Operators,
        ["GET /api/trust/scopes"] = Access.Readers,
        ["GET /api/trust/scopes/{key}"] = Access.Readers,
        ["PUT /api/trust/scopes/{key}/pin"] = Access.Admin,
        ["POST /api/demo/simulations"] = Access.Operators,
        ["GET /api/demo/simulations"] = Access.Readers,
        ["GET /api/demo/simulations/{id:guid}"] = Access.Readers,
        ["GET /api/demo/simulations/{id:guid}/events"] = Access.Readers,
        ["POST /api/demo/simulations/{id:guid}/cancel"] = Access.Operators,
        ["POST /api/demo/cases/{runId:guid}/auto-step"] = Access.Approvers,
        ["POST /api/demo/reset"] = Access.Admin,
        ["PUT /api/gates"] = Access.Admin,
        ["GET /api/gates/history"] = Access.Readers,
        ["GET /api/gates/resolve"] = Access.Readers,
        ["POST /api/governance/dry-run"] = Access.Operators,
        ["GET /api/governance/kill-switch"] = Access.Readers,
        ["PUT /api/governance/kill-switch"] = Access.Admin,
        ["GET /api/mcp/prompts"] = Access.Readers,
        ["GET /api/mcp/resources"] = Access.Readers,
        ["GET /api/mcp/servers"] = Access.Readers,
        ["POST /api/mcp/servers/"] = Access.Operators,
        ["DELETE /api/mcp/servers/{id}"] = Access.Operators,
        ["GET /api/mcp/servers/{id}"] = Access.Readers,
        ["PUT /api/mcp/servers/{id}"] = Access.Operators,
        ["POST /api/mcp/servers/{id}/disable"] = Access.Operators,
        ["POST /api/mcp/servers/{id}/enable"] = Access.Operators,
        ["POST /api/mcp/servers/{id}/test"] = Access.Operators,
        ["POST /api/mcp/servers/{id}/tools/{tool}/try"] = Access.Operators,
        ["GET /api/mcp/servers/{id}/health"] = Access.Readers,
        ["GET /api/mcp/tools"] = Access.Readers,
        ["GET /api/me"] = Access.Anyone,
        ["GET /api/node-types"] = Access.Anyone,
        ["GET /api/node-types/switches"] = Access.Readers,
        ["PUT /api/node-types/{type}/switch"] = Access.Admin,
        ["GET /api/rule-sets/"] = Access.Readers,
        ["POST /api/rule-sets/"] = Access.Operators,
        ["GET /api/rule-sets/{id}"] = Access.Readers,
        ["PUT /api/rule-sets/{id}"] = Access.Operators,
        ["POST /api/rule-sets/{id}/test"] = Access.Operators,
        ["GET /api/rule-sets/{id}/versions"] = Access.Readers,
        ["GET /api/runs/"] = Access.Readers,
        ["GET /api/runs/{id:guid}"] = Access.Readers,
        ["POST /api/runs/{id:guid}/cancel"] = Access.Operators,
        ["GET /api/runs/{id:guid}/blobs/{sha256}"] = Access.Readers,
        ["GET /api/runs/{id:guid}/hold"] = Access.Readers,
        ["PUT /api/runs/{id:guid}/hold"] = Access.Operators,
        ["DELETE /api/runs/{id:guid}/hold"] = Access.Operators,
        ["GET /api/runs/{id:guid}/events"] = Access.Readers,
        ["POST /api/runs/{id:guid}/evaluate"] = Access.Readers,
        ["GET /api/runs/{id:guid}/nodes"] = Access.Readers,
        ["POST /api/runs/{id:guid}/nodes/{nodeId}/resolve"] = Access.Operators,
        ["GET /api/runs/{id:guid}/replay"] = Access.Readers,
        ["POST /api/runs/{id:guid}/replay"] = Access.Operators,
        ["POST /api/runs/{id:guid}/retry"] = Access.Operators,
        ["GET /api/users/"] = Access.Admin,
        ["POST /api/users/"] = Access.Admin,
        ["GET /api/users/{id:guid}"] = Access.Admin,
        ["GET /api/workflows/"] = Access.Readers,
        ["POST /api/workflows/"] = Access.Operators,
        ["POST /api/workflows/import"] = Access.Operators,
        ["POST /api/workflows/validate"] = Access.Operators,
        ["GET /api/workflows/{id:guid}"] = Access.Readers,
        ["GET /api/workflows/{id:guid}/diff"] = Access.Readers,
        ["POST /api/workflows/{id:guid}/disable"] = Access.Operators,
        ["POST /api/workflows/{id:guid}/enable"] = Access.Operators,
        ["GET /api/workflows/{id:guid}/export"] = Access.Readers,
        ["GET /api/workflows/{id:guid}/release/"] = Access.Readers,
        ["PUT /api/workflows/{id:guid}/release/"] = Access.Operators,
        ["POST /api/workflows/{id:guid}/release/rollback"] = Access.Operators,
        ["GET /api/workflows/{id:guid}/release/shadow-report"] = Access.Readers,
        ["GET /api/workflows/{id:guid}/shares"] = Access.Readers,
        ["PUT /api/workflows/{id:guid}/shares"] = Access.Operators,
        ["GET /api/workflows/{id:guid}/versions"] = Access.Readers,
        ["POST /api/workflows/{id:guid}/versions"] = Access.Operators,
        ["GET /api/workflows/{id:guid}/versions/{version:int}"] = Access.Readers,
        ["POST /api/workflows/{workflowId:guid}/runs"] = Access.Operators,
        ["ANY /health"] = Access.Readers,
        ["ANY /metrics"] = Access.Readers,
        ["GET /api/metrics/summary"] = Access.Readers,
        ["GET /api/settings"] = Access.Anyone,
        ["GET /api/slos"] = Access.Readers,
        ["GET /api/alerts"] = Access.Readers,
        ["ANY /health/live"] = Access.Public,
        ["ANY /health/ready"] = Access.Public,
        ["GET /hooks/{workflowId:guid}/{triggerNodeId}"] = Access.Public,
        ["POST /hooks/{workflowId:guid}/{triggerNodeId}"] = Access.Public,
        ["PUT /hooks/{workflowId:guid}/{triggerNodeId}"] = Access.Public,
        ["DELETE /mcp/"] = Access.Anyone,
        ["GET /mcp/"] = Access.Anyone,
        ["POST /mcp/"] = Access.Anyone,
        // The OpenAPI document and the API reference are public: they describe routes and roles, never data (ApiDocsEndpoints).
        ["GET /openapi/{documentName}.json"] = Access.Public,
        ["GET /api/docs/{documentName?}"] = Access.Public,
        ["GET /api/docs/scalar.js"] = Access.Public,
        ["GET /api/docs/scalar.aspnetcore.js"] = Access.Public,
        ["GET /api/docs/favicon.svg"] = Access.Public,
        ["GET {*path:nonfile}"] = Access.Public,
        ["HEAD {*path:nonfile}"] = Access.Public,
    };

    public sealed class Identities : IAsyncLifetime
    {
        internal ControlTowerFactory Factory { get; } = new(new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "1000000",
            ["WEBHOOK_RESPOND_TIMEOUT_SECONDS"] = "1",
        });

        internal Dictionary<string, HttpClient> Clients { get; } = [];

        internal Dictionary<string, Guid> UserIds { get; } = [];

        public async Task InitializeAsync()
        {
            foreach (var role in RolesInOrder)
            {
                var (client, _, id) = await Factory.CreateUserClientAsync($"matrix.{role}", role);
                Clients[role] = client;
                UserIds[role] = id;
            }

            Clients[None] = Factory.CreateClient(apiKey: null);
        }

        public Task DisposeAsync()
        {
            foreach (var client in Clients.Values)
            {
                client.Dispose();
            }

            Factory.Dispose();
            return Task.CompletedTask;
        }
    }

    private sealed record Route(string Key, string Method, string Pattern, string? Policy, bool Anonymous);

    private List<Route> Routes()
    {
        var source = identities.Factory.Services.GetRequiredService<EndpointDataSource>();
        return [.. source.Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(method => new Route(
                $"{method} {e.RoutePattern.RawText}",
                method,
                e.RoutePattern.RawText ?? "",
                e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null),
                e.Metadata.GetMetadata<IAllowAnonymous>() is not null)))
            .DistinctBy(r => r.Key)
            .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)];
    }

    private static string? PolicyOf(Access access) => access switch
    {
        Access.Public => null,
        Access.Anyone => Policies.Anyone,
        Access.Readers => Policies.Readers,
        Access.Operators => Policies.Operators,
        Access.Approvers => Policies.Approvers,
        Access.Admin => Policies.AdminOnly,
        _ => throw new ArgumentOutOfRangeException(nameof(access)),
    };

    private static bool Allows(Access access, string identity) => access switch
    {
        Access.Public => true,
        Access.Anyone => identity != None,
        Access.Readers => identity is Roles.Admin or Roles.Approver or Roles.Operator or Roles.Viewer,
        Access.Operators => identity is Roles.Admin or Roles.Operator or Roles.Service,
        Access.Approvers => identity is Roles.Admin or Roles.Approver,
        Access.Admin => identity == Roles.Admin,
        _ => false,
    };

    [Fact]
    public void EveryRoute_HasAnExpectedAccessThatMatchesItsPolicy()
    {
        var routes = Routes();
        var problems = new List<string>();
        foreach (var route in routes)
        {
            var handler = CheckedInHandler.TryGetValue(route.Key, out var checkedAccess);
            if (!Expected.TryGetValue(route.Key, out var access) && !handler)
            {
                problems.Add($"no entry: [\"{route.Key}\"] = Access.{Describe(route)},");
                continue;
            }

            var expectedPolicy = handler ? null : PolicyOf(access);
            if (route.Policy != expectedPolicy)
            {
                problems.Add($"{route.Key}: mapped with policy '{route.Policy ?? "(none)"}', the table expects '{expectedPolicy ?? "(none)"}'");
            }
        }

        problems.AddRange(Expected.Keys.Concat(CheckedInHandler.Keys).Except(routes.Select(r => r.Key)).Select(k => $"{k}: in the table but not mapped"));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static string Describe(Route route) => route.Policy switch
    {
        null => "Public",
        Policies.Anyone => "Anyone",
        Policies.Readers => "Readers",
        Policies.Operators => "Operators",
        Policies.Approvers => "Approvers",
        Policies.AdminOnly => "Admin",
        var other => $"?{other}",
    };

    [Fact]
    public async Task EveryRoute_ForEveryIdentity_AnswersAsTheTableSays()
    {
        var routes = Routes().Where(r => Expected.ContainsKey(r.Key) || CheckedInHandler.ContainsKey(r.Key)).ToList();
        var failures = new List<string>();
        var (cells, serverErrors) = (0, 0);
        foreach (var route in routes)
        {
            var access = Expected.TryGetValue(route.Key, out var a) ? a : CheckedInHandler[route.Key];
            foreach (var identity in RolesInOrder.Append(None))
            {
                cells++;
                using var response = await SendAsync(identities.Clients[identity], route);
                var status = (int)response.StatusCode;
                var allowed = Allows(access, identity);
                var expectedRefusal = identity == None ? 401 : 403;
                serverErrors += status >= 500 ? 1 : 0;
                if (allowed ? status is 401 or 403 : status != expectedRefusal)
                {
                    failures.Add($"{route.Key} as {identity}: got {status}, expected {(allowed ? "to pass authorization" : expectedRefusal.ToString())}");
                }
                else if (!allowed && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{route.Key} as {identity}: refused without ProblemDetails");
                }
            }
        }

        // 5xx on these probe bodies are the bad-input tests' concern; they are counted here, not judged.
        output.WriteLine($"authorization matrix: {routes.Count} routes x {RolesInOrder.Length + 1} identities = {cells} cells, {failures.Count} failures, {serverErrors} server errors");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private const int Success = 2;

    /// <summary>One ownership cell: a 2xx (<see cref="Success"/>) or this status with this problem code.</summary>
    private sealed record Outcome(int Status, string? Code = null);

    private sealed record OwnershipCase(string Name, HttpMethod Method, string Path, object? Body, Dictionary<string, Outcome> Expected);

    private static Dictionary<string, Outcome> Per(Outcome admin, Outcome approver, Outcome @operator, Outcome viewer, Outcome service) => new()
    {
        [Roles.Admin] = admin,
        [Roles.Approver] = approver,
        [Roles.Operator] = @operator,
        [Roles.Viewer] = viewer,
        [Roles.Service] = service,
        [None] = new(401, "auth.required"),
    };

    [Fact]
    public async Task OwnershipCases_ForEveryIdentity_OnlyTheOwnersSideAndAdminsPass()
    {
        var factory = identities.Factory;
        using var admin = factory.CreateAdminClient();
        var (victim, _, victimId) = await factory.CreateUserClientAsync($"victim.{Guid.NewGuid():N}", "operator");
        var workflow = await CreateWorkflowAsync(victim, Graph([Node("start", "trigger.manual"), Node("calc", "transform", new() { ["expression"] = "1" })], [Edge("start", "calc")]));
        var credential = await CredentialApi.CreateAsync(victim, "victim token", "bearer_token", new { token = $"victim-{Guid.NewGuid():N}" });
        var key = (await (await admin.PostAsJsonAsync("/api/api-keys", new { name = "victim's other key", userId = victimId })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<CreatedKeyDto>())!.ApiKey.Id;
        var gated = await CreateWorkflowAsync(victim, ApprovalGraph(new() { ["title"] = "victim's gate", ["approvers"] = new JsonObject { ["users"] = new JsonArray("victim.approver") } }));
        var approval = (await WaitForApprovalAsync(admin, await StartAsync(victim, gated))).Id();

        Outcome ok = new(Success), role = new(403, "auth.forbidden"), notOwner = new(403, "workflow.forbidden");
        Outcome noCredential = new(404, "credential.not_found"), noKey = new(404, "identity.api_key_not_found"), notDecider = new(403, "approval.not_a_decider");
        var saveBody = new { graph = Graph([Node("start", "trigger.manual")], []), message = "taken over" };
        OwnershipCase[] cases =
        [
            new("start another user's workflow", HttpMethod.Post, $"/api/workflows/{workflow}/runs", new { }, Per(ok, role, notOwner, role, notOwner)),
            new("share another user's workflow", HttpMethod.Put, $"/api/workflows/{workflow}/shares", new { shares = Array.Empty<object>() }, Per(ok, role, notOwner, role, notOwner)),
            new("save a version of another user's workflow", HttpMethod.Post, $"/api/workflows/{workflow}/versions", saveBody, Per(ok, role, notOwner, role, notOwner)),
            new("release a version of another user's workflow", HttpMethod.Put, $"/api/workflows/{workflow}/release", new { mode = "direct", version = 1 }, Per(ok, role, notOwner, role, notOwner)),
            new("roll back another user's workflow", HttpMethod.Post, $"/api/workflows/{workflow}/release/rollback", new { version = 1 }, Per(ok, role, notOwner, role, notOwner)),
            new("disable another user's workflow", HttpMethod.Post, $"/api/workflows/{workflow}/disable", new { }, Per(ok, role, notOwner, role, notOwner)),
            new("read another user's credential", HttpMethod.Get, $"/api/credentials/{credential}", null, Per(noCredential, noCredential, noCredential, noCredential, noCredential)),
            new("replace another user's credential", HttpMethod.Put, $"/api/credentials/{credential}", new { data = new { token = "stolen" } },
                Per(noCredential, noCredential, noCredential, noCredential, noCredential)),
            new("share another user's credential", HttpMethod.Post, $"/api/credentials/{credential}/shares", new { role = "operator" },
                Per(noCredential, noCredential, noCredential, noCredential, noCredential)),
            new("delete another user's credential", HttpMethod.Delete, $"/api/credentials/{credential}", null, Per(noCredential, noCredential, noCredential, noCredential, noCredential)),
            new("revoke another user's API key", HttpMethod.Delete, $"/api/api-keys/{key}", null, Per(ok, noKey, noKey, noKey, noKey)),
            new("decide another user's approval", HttpMethod.Post, $"/api/approvals/{approval}/decisions", new { decision = "approve" }, Per(ok, notDecider, notDecider, notDecider, notDecider)),
        ];

        // Admin last: its successes change the resource the others are tried on.
        var order = new[] { Roles.Approver, Roles.Operator, Roles.Viewer, Roles.Service, None, Roles.Admin };
        var failures = new List<string>();
        foreach (var test in cases)
        {
            foreach (var identity in order)
            {
                using var request = new HttpRequestMessage(test.Method, test.Path) { Content = test.Body is null ? null : JsonContent.Create(test.Body) };
                using var response = await identities.Clients[identity].SendAsync(request);
                var expected = test.Expected[identity];
                var status = (int)response.StatusCode;
                var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                    ? JsonNode.Parse(await response.Content.ReadAsStringAsync())?["code"]?.GetValue<string>()
                    : null;
                var passed = expected.Status == Success ? status / 100 == 2 : status == expected.Status && code == expected.Code;
                if (!passed)
                {
                    failures.Add($"{test.Name} as {identity}: got {status} {code}, expected {(expected.Status == Success ? "2xx" : $"{expected.Status} {expected.Code}")}");
                }
            }
        }

        output.WriteLine($"ownership cases: {cases.Length} cases x {order.Length} identities = {cases.Length * order.Length} cells, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, Route route)
    {
        var path = "/" + string.Join('/', route.Pattern.TrimStart('/').Split('/').Select(Fill));
        using var request = new HttpRequestMessage(new HttpMethod(route.Method == "ANY" ? "GET" : route.Method), path);
        if (route.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
    }

    /// <summary>A value for a route segment: a fresh id for ids, a number for ints, a word for the rest.</summary>
    private static string Fill(string segment)
    {
        if (!segment.StartsWith('{'))
        {
            return segment;
        }

        return segment.Contains(":guid", StringComparison.Ordinal) ? Guid.NewGuid().ToString()
            : segment.Contains(":int", StringComparison.Ordinal) || segment.Contains(":long", StringComparison.Ordinal) ? "1"
            : "matrix";
    }
}
