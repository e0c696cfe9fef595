using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Platform;

/// <summary>Bad input gets a ProblemDetails with a stable code and a trace id, and nothing is half-written.</summary>
public sealed class BadInputTests : IClassFixture<BadInputTests.App>
{
    private readonly ControlTowerFactory _factory;

    public BadInputTests(App app) => _factory = app.Factory;

    public sealed class App : IDisposable
    {
        internal ControlTowerFactory Factory { get; } = new(new Dictionary<string, string?> { ["MAX_REQUEST_BODY_BYTES"] = "2048" });

        public void Dispose() => Factory.Dispose();
    }

    [Theory]
    [InlineData("{\"name\": \"x\", \"role\": ", "request.malformed_json")]
    [InlineData("{\"name\": \"x\", \"role\": \"viewer\", \"isAdmin\": true}", "request.malformed_json")]
    [InlineData("{\"name\": 12, \"role\": \"viewer\"}", "request.malformed_json")]
    [InlineData("{\"name\": \"Not Valid!\", \"role\": \"viewer\"}", "request.invalid")]
    [InlineData("{\"name\": \"valid\", \"role\": \"superuser\"}", "identity.role_invalid")]
    public async Task CreateUser_WhenBodyIsBad_Is400WithCodeAndWritesNothing(string body, string code)
    {
        using var admin = _factory.CreateAdminClient();
        var before = await CountUsersAsync(admin);

        var response = await admin.PostAsync("/api/users", new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal(before, await CountUsersAsync(admin));
    }

    [Fact]
    public async Task CreateUser_WhenBodyExceedsLimit_Is413WithCode()
    {
        using var admin = _factory.CreateAdminClient();

        var response = await admin.PostAsJsonAsync("/api/users", new { name = new string('a', 5000), role = "viewer" });

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "request.body_too_large");
    }

    [Fact]
    public async Task CreateUser_WhenNameTaken_Is409WithCode()
    {
        using var admin = _factory.CreateAdminClient();
        (await admin.PostAsJsonAsync("/api/users", new { name = "twice", role = "viewer" })).EnsureSuccessStatusCode();

        var response = await admin.PostAsJsonAsync("/api/users", new { name = "twice", role = "viewer" });

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "identity.user_exists");
    }

    [Fact]
    public async Task Request_WhenNoKeyOutsideDemo_Is401WithCode()
    {
        using var anonymous = _factory.CreateClient();

        await AssertProblemAsync(await anonymous.GetAsync("/api/users"), HttpStatusCode.Unauthorized, "auth.required");
    }

    [Fact]
    public async Task Request_WhenRouteUnknown_Is404WithCode()
    {
        using var admin = _factory.CreateAdminClient();

        await AssertProblemAsync(await admin.GetAsync("/api/nothing-here"), HttpStatusCode.NotFound, "request.route_not_found");
    }

    [Fact]
    public async Task GetUser_WhenIdUnknown_Is404WithCode()
    {
        using var admin = _factory.CreateAdminClient();

        await AssertProblemAsync(await admin.GetAsync($"/api/users/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "identity.user_not_found");
    }

    private static async Task<int> CountUsersAsync(HttpClient admin) =>
        (await admin.GetFromJsonAsync<List<UserDto>>("/api/users"))!.Count;

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("traceId").GetString()));
    }
}
