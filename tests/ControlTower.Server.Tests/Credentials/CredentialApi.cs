using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ControlTower.Core.Crypto;
using ControlTower.Server.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Credentials;

/// <summary>Small helpers for driving the credential API and the vault in tests.</summary>
internal static class CredentialApi
{
    public static string NewKey() => FernetKey.FromBytes(RandomNumberGenerator.GetBytes(FernetKey.KeySizeInBytes)).Export();

    public static CredentialUsePurpose Purpose(string reason = "test run needs the server") => new("run-1", "node-1", reason);

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string name, string type, object data, string? mcpServerId = null) =>
        await client.PostAsJsonAsync("/api/credentials", new { name, credentialType = type, data, mcpServerId });

    /// <summary>Creates a credential and returns its id (fails the test unless 201).</summary>
    public static async Task<Guid> CreateAsync(HttpClient client, string name, string type, object data, string? mcpServerId = null)
    {
        using var response = await PostAsync(client, name, type, data, mcpServerId);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public static async Task<string?> ProblemCodeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return body.Length == 0 ? null : JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
    }

    public static CredentialVault Vault(this ControlTowerFactory factory) => factory.Services.GetRequiredService<CredentialVault>();

    public static async Task<JsonElement[]> AuditAsync(HttpClient admin, string action)
    {
        var page = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?action={action}&limit=500");
        return [.. page.GetProperty("items").EnumerateArray()];
    }
}
