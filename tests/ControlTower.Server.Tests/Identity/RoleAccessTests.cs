using System.Net;
using System.Net.Http.Json;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Identity;

/// <summary>Each role's access to the identity and audit endpoints, over HTTP with real keys.</summary>
public sealed class RoleAccessTests : IClassFixture<RoleAccessTests.Users>
{
    private readonly Users _users;

    public RoleAccessTests(Users users) => _users = users;

    public sealed class Users : IAsyncLifetime
    {
        internal ControlTowerFactory Factory { get; } = new();

        internal Dictionary<string, HttpClient> Clients { get; } = [];

        public async Task InitializeAsync()
        {
            foreach (var role in new[] { "admin", "approver", "operator", "viewer", "service" })
            {
                Clients[role] = (await Factory.CreateUserClientAsync($"{role}.user", role)).Client;
            }

            Clients["anonymous"] = Factory.CreateClient();
        }

        public Task DisposeAsync()
        {
            Factory.Dispose();
            return Task.CompletedTask;
        }
    }

    // Expected status per role: admin, approver, operator, viewer, service, anonymous.
    [Theory]
    [InlineData("GET", "/api/me", 200, 200, 200, 200, 200, 401)]
    [InlineData("GET", "/api/users", 200, 403, 403, 403, 403, 401)]
    [InlineData("POST", "/api/users", 201, 403, 403, 403, 403, 401)]
    [InlineData("GET", "/api/api-keys", 200, 200, 200, 200, 200, 401)]
    [InlineData("POST", "/api/api-keys", 201, 201, 201, 201, 201, 401)]
    [InlineData("GET", "/api/audit", 200, 200, 200, 200, 403, 401)]
    [InlineData("GET", "/api/audit/verify", 200, 200, 200, 200, 403, 401)]
    [InlineData("GET", "/api/audit/export", 200, 200, 200, 200, 403, 401)]
    public async Task Endpoint_WhenCalledByEachRole_AnswersPerPolicy(string method, string path, int admin, int approver, int @operator, int viewer, int service, int anonymous)
    {
        var expected = new Dictionary<string, int>
        {
            ["admin"] = admin,
            ["approver"] = approver,
            ["operator"] = @operator,
            ["viewer"] = viewer,
            ["service"] = service,
            ["anonymous"] = anonymous,
        };

        foreach (var (role, status) in expected)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST")
            {
                request.Content = JsonContent.Create(path == "/api/users"
                    ? new { name = $"made-by-{role}-{Guid.NewGuid():N}", role = "viewer" }
                    : (object)new { name = $"key-of-{role}" });
            }

            var response = await _users.Clients[role].SendAsync(request);
            Assert.True((int)response.StatusCode == status, $"{role} {method} {path}: expected {status}, got {(int)response.StatusCode}");
            if (status >= 400)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Fact]
    public async Task RevokeKey_WhenKeyBelongsToSomeoneElse_IsNotFoundForNonAdmin()
    {
        using var admin = _users.Factory.CreateAdminClient();
        var created = await (await admin.PostAsJsonAsync("/api/api-keys", new { name = "admins-own" })).Content.ReadFromJsonAsync<CreatedKeyDto>();

        var response = await _users.Clients["operator"].DeleteAsync($"/api/api-keys/{created!.ApiKey.Id}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("identity.api_key_not_found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateKey_WhenNonAdminNamesAnotherUser_IsForbidden()
    {
        var response = await _users.Clients["approver"].PostAsJsonAsync("/api/api-keys", new { name = "x", userId = Guid.NewGuid() });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
