using System.Net.Http.Json;
using System.Text;
using ControlTower.Core.Errors;
using ControlTower.Server.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ControlTower.Server.Tests.Credentials;

/// <summary>
/// Seeds distinctive secrets, drives every credential flow (create, list, get, update, share, use as
/// owner and grantee, OAuth, failures, rotation), then searches every captured log line, the audit
/// export, every API response body and the database file for them.
/// </summary>
public sealed class SecretLeakTests(ITestOutputHelper output)
{
    private const string Marker = "LEAKCANARY";

    [Fact]
    public async Task CredentialFlows_WhenRun_LeaveNoSecretInLogsAuditResponsesOrTheDatabase()
    {
        var oldKey = CredentialApi.NewKey();
        var newKey = CredentialApi.NewKey();
        var s = Enumerable.Range(1, 12).Select(i => $"{Marker}{i:D2}x{Guid.NewGuid():N}").ToArray();
        await using var endpoint = await LocalTokenEndpoint.StartAsync("ct-client", s[0], expiresInSeconds: 3600, tokenPrefix: $"{Marker}tok");
        var logs = new CapturingLoggerProvider();
        var responses = new List<string>();
        var folder = Directory.CreateTempSubdirectory("controltower-leak-").FullName;
        var database = Path.Combine(folder, "ct.db");
        var settings = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = $"Data Source={database}",
            ["CREDENTIAL_KEYS"] = oldKey,
        };

        Guid alice;
        Guid bob;
        var ids = new Dictionary<string, Guid>();
        using (var factory = new ControlTowerFactory(settings).WithServices(logs.AddTo))
        {
            var (aliceClient, _, aliceId) = await factory.CreateUserClientAsync("alice", "operator");
            var (bobClient, _, bobId) = await factory.CreateUserClientAsync("bob", "approver");
            (alice, bob) = (aliceId, bobId);
            async Task<string> Call(Task<HttpResponseMessage> request)
            {
                using var response = await request;
                var body = await response.Content.ReadAsStringAsync();
                responses.Add(body);
                return body;
            }

            async Task Create(string name, string type, object data)
            {
                var body = await Call(CredentialApi.PostAsync(aliceClient, name, type, data, mcpServerId: "srv"));
                ids[name] = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
            }

            await Create("oauth", "oauth2_client_credentials", new { token_url = endpoint.TokenUrl, client_id = "ct-client", client_secret = s[0], scopes = new[] { "read" } });
            await Create("bearer", "bearer_token", new { token = s[1] });
            await Create("apikey", "api_key", new { key = s[2] });
            await Create("basic", "basic_auth", new { username = s[3], password = s[4] });
            await Create("env", "env_vars", new { variables = new Dictionary<string, string> { ["GITHUB_TOKEN"] = s[5], ["OTHER"] = s[6] } });
            await Create("headers", "headers", new { headers = new Dictionary<string, string> { ["X-Secret"] = s[7] } });
            await Create("bob-target", "bearer_token", new { token = s[8] });

            // Refused inputs must not echo the value that was refused.
            await Call(CredentialApi.PostAsync(aliceClient, "bad1", "bearer_token", new { token = s[9] + "\n" }));
            await Call(CredentialApi.PostAsync(aliceClient, "bad2", "bearer_token", new { token = s[9], extra = s[9] }));
            await Call(aliceClient.PostAsJsonAsync("/api/credentials", new { name = "bad3", credentialType = "bearer_token", data = new { token = s[9] }, unexpected = s[9] }));
            await Call(CredentialApi.PostAsync(aliceClient, "bad4", "nonsense", new { token = s[9] }));

            await Call(aliceClient.PutAsJsonAsync($"/api/credentials/{ids["bearer"]}", new { data = new { token = s[10] } }));
            await Call(aliceClient.PostAsJsonAsync($"/api/credentials/{ids["env"]}/shares", new { userId = bob }));
            await Call(aliceClient.PostAsJsonAsync($"/api/credentials/{ids["basic"]}/shares", new { role = "approver" }));
            await Call(aliceClient.GetAsync("/api/credentials"));
            await Call(bobClient.GetAsync("/api/credentials"));
            foreach (var id in ids.Values)
            {
                await Call(aliceClient.GetAsync($"/api/credentials/{id}"));
                await Call(bobClient.GetAsync($"/api/credentials/{id}"));
                await Call(bobClient.PutAsJsonAsync($"/api/credentials/{id}", new { data = new { token = s[11] } }));
            }

            var vault = factory.Vault();
            foreach (var (name, id) in ids.Where(e => e.Key != "bob-target"))
            {
                var connection = await vault.ResolveConnectionSecretsAsync(alice, id, CredentialApi.Purpose($"leak test uses {name}"), default);
                Assert.NotEmpty(connection.EnvironmentVariables.Values.Concat(connection.Headers.Values));
                Assert.DoesNotContain(Marker, connection.ToString(), StringComparison.Ordinal);
            }

            await vault.ResolveConnectionSecretsAsync(bob, ids["env"], CredentialApi.Purpose(), default);
            await vault.ResolveConnectionSecretsAsync(bob, ids["basic"], CredentialApi.Purpose(), default);
            await Sqlite.ExecuteAsync(database, "UPDATE credentials SET encrypted_data = (SELECT encrypted_data FROM credentials WHERE name = 'bearer') WHERE name = 'bob-target'");
            await Assert.ThrowsAnyAsync<ControlTowerException>(() => vault.ResolveForUseAsync(alice, ids["bob-target"], CredentialApi.Purpose(), default));
        }

        using (var rotated = new ControlTowerFactory(new Dictionary<string, string?>(settings) { ["CREDENTIAL_KEYS"] = $"{newKey},{oldKey}" })
            .WithServices(logs.AddTo))
        {
            using var admin = rotated.CreateAdminClient();
            await CallAsync(responses, admin.PostAsync("/api/credentials/rotate", null));
            await rotated.Vault().ResolveConnectionSecretsAsync(alice, ids["oauth"], CredentialApi.Purpose(), default);
            await CallAsync(responses, admin.GetAsync("/api/audit/export"));
        }

        var audit = responses[^1];
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var databaseText = string.Concat(await Task.WhenAll(new[] { database, database + "-wal" }
            .Where(File.Exists)
            .Select(async file => Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)))));
        var secrets = s.Concat(endpoint.IssuedTokens).Append(oldKey).Append(newKey)
            .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{s[3]}:{s[4]}")))
            .ToList();
        var places = new Dictionary<string, IReadOnlyList<string>>
        {
            ["log lines"] = logs.Lines,
            ["audit export"] = [audit],
            ["API responses"] = responses,
            ["database file"] = [databaseText],
        };

        var hits = places.SelectMany(place => secrets
                .Where(secret => place.Value.Any(text => text.Contains(secret, StringComparison.Ordinal)))
                .Select(secret => $"{place.Key}: {secret[..12]}…"))
            .ToList();
        output.WriteLine($"{secrets.Count} secrets x {places.Count} places ({logs.Lines.Count} log lines, " +
            $"{audit.Split('\n').Length - 1} audit entries, {responses.Count} responses, {databaseText.Length} database bytes): {hits.Count} hits");
        Assert.True(endpoint.IssuedTokens.Count >= 1, "the OAuth flow issued no token");
        Assert.True(logs.Lines.Count > 1000, $"only {logs.Lines.Count} log lines were captured");
        // The searched text is the right text: what is not secret about these credentials is in it.
        Assert.Contains("credential.used", audit, StringComparison.Ordinal);
        Assert.Contains(logs.Lines, line => line.Contains(ids["oauth"].ToString(), StringComparison.Ordinal));
        Assert.Contains(ids["oauth"].ToString(), audit, StringComparison.Ordinal);
        Assert.Contains(responses, body => body.Contains(ids["oauth"].ToString(), StringComparison.Ordinal));
        Assert.Contains("credentials", databaseText, StringComparison.Ordinal);
        Assert.Empty(hits);
        Directory.Delete(folder, recursive: true);
    }

    private static async Task CallAsync(List<string> responses, Task<HttpResponseMessage> request)
    {
        using var response = await request;
        responses.Add(await response.Content.ReadAsStringAsync());
    }
}
