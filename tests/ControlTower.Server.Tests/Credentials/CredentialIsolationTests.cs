using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ControlTower.Core.Crypto;
using ControlTower.Core.Errors;
using ControlTower.Server.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using CredentialErrorCodes = ControlTower.Server.Credentials.CredentialErrorCodes;

namespace ControlTower.Server.Tests.Credentials;

public sealed class CredentialIsolationTests : IDisposable
{
    private const string Secret = "iso-secret-5d1f0c9a7b";
    private readonly ControlTowerFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Get_WhenAnotherUsersCredential_Is404ExactlyLikeAnUnknownId()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (bob, _, _) = await _factory.CreateUserClientAsync("bob", "operator");
        var id = await CredentialApi.CreateAsync(alice, "github", "bearer_token", new { token = Secret });
        var unknown = Guid.NewGuid();

        foreach (var (method, path, body) in OwnerRoutes())
        {
            using var theirs = await SendAsync(bob, method, string.Format(path, id), body);
            using var missing = await SendAsync(bob, method, string.Format(path, unknown), body);

            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
            Assert.Equal(missing.StatusCode, theirs.StatusCode);
            Assert.Equal(CredentialErrorCodes.NotFound, await CredentialApi.ProblemCodeAsync(theirs));
            Assert.Equal(CredentialErrorCodes.NotFound, await CredentialApi.ProblemCodeAsync(missing));
        }

        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/credentials/{id}")).StatusCode);
    }

    [Fact]
    public async Task List_WhenAnotherUserHasCredentials_ShowsOnlyOwnAndLeavesNamesFree()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (bob, _, _) = await _factory.CreateUserClientAsync("bob", "operator");
        var alices = await CredentialApi.CreateAsync(alice, "shared-name", "bearer_token", new { token = Secret });

        // The same name is free for bob: a conflict would tell him alice has one.
        var bobs = await CredentialApi.CreateAsync(bob, "shared-name", "bearer_token", new { token = "bob-token-123456" });
        var bobList = await bob.GetFromJsonAsync<JsonElement>("/api/credentials");
        using var admin = _factory.CreateAdminClient();
        var adminList = await admin.GetFromJsonAsync<JsonElement>("/api/credentials");

        Assert.Equal([bobs], bobList.EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
        Assert.DoesNotContain(adminList.EnumerateArray(), c => c.GetProperty("id").GetGuid() == alices);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/credentials/{alices}")).StatusCode);
    }

    [Fact]
    public async Task ResolveForUse_WhenNotOwnedNorShared_IsNotFoundEvenForAdmin()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (_, _, bobId) = await _factory.CreateUserClientAsync("bob", "operator");
        var id = await CredentialApi.CreateAsync(alice, "github", "bearer_token", new { token = Secret });

        var bobUse = await Assert.ThrowsAsync<ControlTowerException>(() => _factory.Vault().ResolveForUseAsync(bobId, id, CredentialApi.Purpose(), default));
        var adminUse = await Assert.ThrowsAsync<ControlTowerException>(() => _factory.Vault().ResolveForUseAsync(
            global::ControlTower.Server.Identity.BuiltInUsers.AdminId, id, CredentialApi.Purpose(), default));

        Assert.Equal(CredentialErrorCodes.NotFound, bobUse.Code);
        Assert.Equal(ErrorKind.NotFound, bobUse.Kind);
        Assert.Equal(CredentialErrorCodes.NotFound, adminUse.Code);
    }

    [Fact]
    public async Task Share_WhenSharedWithUser_GrantsUseButNeverReadChangeOrReshare()
    {
        var (alice, _, aliceId) = await _factory.CreateUserClientAsync("alice", "operator");
        var (bob, _, bobId) = await _factory.CreateUserClientAsync("bob", "operator");
        var (_, _, carolId) = await _factory.CreateUserClientAsync("carol", "operator");
        var id = await CredentialApi.CreateAsync(alice, "github", "bearer_token", new { token = Secret }, mcpServerId: "github");

        using var shared = await alice.PostAsJsonAsync($"/api/credentials/{id}/shares", new { userId = bobId });
        Assert.Equal(HttpStatusCode.Created, shared.StatusCode);
        var shareId = (await shared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var listed = Assert.Single((await bob.GetFromJsonAsync<JsonElement>("/api/credentials")).EnumerateArray());
        var listedText = listed.GetRawText();
        Assert.Equal("shared", listed.GetProperty("access").GetString());
        Assert.Equal(aliceId, listed.GetProperty("ownerUserId").GetGuid());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("shares").ValueKind);
        Assert.DoesNotContain(Secret, listedText, StringComparison.Ordinal);
        Assert.DoesNotContain("encrypted", listedText, StringComparison.OrdinalIgnoreCase);

        var data = Assert.IsType<BearerTokenData>(await _factory.Vault().ResolveForUseAsync(bobId, id, CredentialApi.Purpose(), default));
        Assert.Equal(Secret, data.Token);

        using var update = await bob.PutAsJsonAsync($"/api/credentials/{id}", new { data = new { token = "bob-replaces-it" } });
        using var delete = await bob.DeleteAsync($"/api/credentials/{id}");
        using var reshare = await bob.PostAsJsonAsync($"/api/credentials/{id}/shares", new { userId = carolId });
        Assert.All([update, delete, reshare], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(CredentialErrorCodes.UseOnly, await CredentialApi.ProblemCodeAsync(update));
        await Assert.ThrowsAsync<ControlTowerException>(() => _factory.Vault().ResolveForUseAsync(carolId, id, CredentialApi.Purpose(), default));

        using var unshare = await alice.DeleteAsync($"/api/credentials/{id}/shares/{shareId}");
        Assert.Equal(HttpStatusCode.NoContent, unshare.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/credentials/{id}")).StatusCode);
        var after = await Assert.ThrowsAsync<ControlTowerException>(() => _factory.Vault().ResolveForUseAsync(bobId, id, CredentialApi.Purpose(), default));
        Assert.Equal(CredentialErrorCodes.NotFound, after.Code);
    }

    [Fact]
    public async Task Share_WhenSharedWithRole_GrantsUseToThatRoleOnly()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (_, _, approverId) = await _factory.CreateUserClientAsync("pat", "approver");
        var (_, _, viewerId) = await _factory.CreateUserClientAsync("vic", "viewer");
        var id = await CredentialApi.CreateAsync(alice, "pharmacy-api", "api_key", new { key = Secret, header_name = "X-Pharmacy-Key" });

        using var shared = await alice.PostAsJsonAsync($"/api/credentials/{id}/shares", new { role = "approver" });
        Assert.Equal(HttpStatusCode.Created, shared.StatusCode);

        var secrets = await _factory.Vault().ResolveConnectionSecretsAsync(approverId, id, CredentialApi.Purpose(), default);
        Assert.Equal(Secret, secrets.Headers["X-Pharmacy-Key"]);
        var viewer = await Assert.ThrowsAsync<ControlTowerException>(() => _factory.Vault().ResolveForUseAsync(viewerId, id, CredentialApi.Purpose(), default));
        Assert.Equal(CredentialErrorCodes.NotFound, viewer.Code);
    }

    [Fact]
    public async Task ResolveForUse_WhenDecrypted_AuditsWhoWhichRunNodeAndWhyAndStampsLastUsed()
    {
        var (alice, _, aliceId) = await _factory.CreateUserClientAsync("alice", "operator");
        var id = await CredentialApi.CreateAsync(alice, "github", "bearer_token", new { token = Secret });

        await _factory.Vault().ResolveForUseAsync(aliceId, id, new CredentialUsePurpose("run-42", "fetch-issues", "node fetch-issues calls github/list_issues"), default);

        using var admin = _factory.CreateAdminClient();
        var used = Assert.Single(await CredentialApi.AuditAsync(admin, "credential.used"));
        Assert.Equal("user:alice", used.GetProperty("actor").GetString());
        Assert.Equal($"credential:{id}", used.GetProperty("target").GetString());
        Assert.Equal("node fetch-issues calls github/list_issues", used.GetProperty("reason").GetString());
        Assert.Equal("run-42", used.GetProperty("data").GetProperty("runId").GetString());
        Assert.Equal("fetch-issues", used.GetProperty("data").GetProperty("nodeId").GetString());
        var metadata = await alice.GetFromJsonAsync<JsonElement>($"/api/credentials/{id}");
        Assert.Equal(JsonValueKind.String, metadata.GetProperty("lastUsedAt").ValueKind);
    }

    [Fact]
    public async Task Create_WhenDataDoesNotFitTheType_Is400NamingTheFieldNotTheValue()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");

        using var response = await CredentialApi.PostAsync(alice, "bad", "basic_auth", new { username = Secret + ":x", password = Secret });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ControlTower.Core.Crypto.CredentialErrorCodes.DataInvalid, await CredentialApi.ProblemCodeAsync(response));
        Assert.Contains("data.username", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_WhenNotAdmin_Is403()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");

        using var response = await alice.PostAsync("/api/credentials/rotate", null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static IEnumerable<(HttpMethod Method, string Path, object? Body)> OwnerRoutes() =>
    [
        (HttpMethod.Get, "/api/credentials/{0}", null),
        (HttpMethod.Put, "/api/credentials/{0}", new { data = new { token = "replacement-token" } }),
        (HttpMethod.Delete, "/api/credentials/{0}", null),
        (HttpMethod.Post, "/api/credentials/{0}/shares", new { role = "operator" }),
        (HttpMethod.Delete, "/api/credentials/{0}/shares/" + Guid.NewGuid(), null),
    ];

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body) =>
        client.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) });
}
