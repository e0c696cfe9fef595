using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ControlTower.Core.Crypto;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Credentials;

public sealed class CredentialPostgresTests
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public async Task VaultFlow_WhenOnPostgreSql_CreatesSharesUsesRotatesAndRetiresTheOldKey(string provider)
    {
        await using var database = await ServerDatabase.CreateAsync(provider);
        var oldKey = CredentialApi.NewKey();
        var newKey = CredentialApi.NewKey();
        Guid id;
        Guid bobId;
        using (var before = database.Factory(new Dictionary<string, string?> { ["CREDENTIAL_KEYS"] = oldKey }))
        {
            var (alice, _, _) = await before.CreateUserClientAsync("alice", "operator");
            (var bob, _, bobId) = await before.CreateUserClientAsync("bob", "operator");
            id = await CredentialApi.CreateAsync(alice, "github", "env_vars", new { variables = new Dictionary<string, string> { ["GITHUB_TOKEN"] = "pg-token-0123456" } }, mcpServerId: "github");
            Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/credentials/{id}/shares", new { userId = bobId })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await before.CreateAdminClient().GetAsync($"/api/credentials/{id}")).StatusCode);
            var listed = await bob.GetFromJsonAsync<JsonElement>("/api/credentials");
            Assert.Equal("shared", Assert.Single(listed.EnumerateArray()).GetProperty("access").GetString());
        }

        using (var rotating = database.Factory(new Dictionary<string, string?> { ["CREDENTIAL_KEYS"] = $"{newKey},{oldKey}" }))
        {
            using var admin = rotating.CreateAdminClient();
            var result = await (await admin.PostAsync("/api/credentials/rotate", null)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, result.GetProperty("rotated").GetInt32());
        }

        using var retired = database.Factory(new Dictionary<string, string?> { ["CREDENTIAL_KEYS"] = newKey });
        var secrets = await retired.Vault().ResolveConnectionSecretsAsync(bobId, id, CredentialApi.Purpose(), default);

        Assert.Equal("pg-token-0123456", secrets.EnvironmentVariables["GITHUB_TOKEN"]);
        Assert.Equal(FernetKey.Parse(newKey).Fingerprint, await database.ScalarAsync<string>("SELECT key_fingerprint FROM credentials"));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT COUNT(*) FROM audit_entries WHERE \"Action\" = 'credential.used'"));
    }
}
