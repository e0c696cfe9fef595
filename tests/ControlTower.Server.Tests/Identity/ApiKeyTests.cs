using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Identity;

public sealed class ApiKeyTests
{
    [Fact]
    public async Task CreateKey_WhenIssued_IsStoredOnlyAsItsHash()
    {
        using var factory = new ControlTowerFactory();
        var (client, key, userId) = await factory.CreateUserClientAsync("hash.check", "operator");
        (await client.GetAsync("/api/me")).EnsureSuccessStatusCode();

        var rows = await Sqlite.QueryAsync(factory.SqliteFile, $"SELECT Hash, Prefix FROM api_keys WHERE UserId = '{userId.ToString().ToUpperInvariant()}' OR UserId = '{userId}'");
        var hash = Assert.Single(rows)[0] as string;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))), hash);

        // The key's secret part appears nowhere in the database files or in what the API lists.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // ct_ + 12-character prefix + _ + secret; the secret is base64url and may itself contain '_'.
        var secret = key[("ct_".Length + 12 + 1)..];
        Assert.True(secret.Length >= 40, "the secret part is the whole 32-byte random value");
        foreach (var file in Directory.GetFiles(factory.DataDirectory, "controltower.db*"))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.DoesNotContain(secret, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        }

        var listed = await (await client.GetAsync("/api/api-keys")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(hash!, listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authenticate_WhenKeyRevoked_IsRejected()
    {
        using var factory = new ControlTowerFactory();
        var (client, _, _) = await factory.CreateUserClientAsync("revoked.user", "viewer");
        var keys = await client.GetFromJsonAsync<List<ApiKeyDto>>("/api/api-keys");

        (await client.DeleteAsync($"/api/api-keys/{keys![0].Id}")).EnsureSuccessStatusCode();
        var after = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("auth.invalid_credentials", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Bearer", after.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authenticate_WhenKeyUsed_RecordsLastUsedTime()
    {
        using var factory = new ControlTowerFactory();
        var (client, _, _) = await factory.CreateUserClientAsync("last.used", "viewer");

        (await client.GetAsync("/api/me")).EnsureSuccessStatusCode();
        var keys = await client.GetFromJsonAsync<List<ApiKeyDto>>("/api/api-keys");

        Assert.NotNull(Assert.Single(keys!).LastUsedAt);
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("ct_abcdefghijkm_wrongsecret")]
    [InlineData("ct_")]
    public async Task Authenticate_WhenKeyIsBad_Is401WithCode(string badKey)
    {
        using var factory = new ControlTowerFactory();
        using var client = factory.CreateClient(badKey);

        var response = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("auth.invalid_credentials", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authenticate_WhenDemoMode_ActsAsBuiltInAdmin()
    {
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENVIRONMENT"] = "demo" });
        using var client = factory.CreateClient();

        var me = await client.GetFromJsonAsync<Dictionary<string, object>>("/api/me");
        var users = await client.GetFromJsonAsync<List<UserDto>>("/api/users");

        Assert.Equal("admin", me!["role"].ToString());
        Assert.Equal("demo", me["mode"].ToString());
        Assert.Contains(users!, u => u.Name == "pat.pharmacist" && u.Role == "approver");
    }
}
