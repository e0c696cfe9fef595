using ControlTower.Core.Errors;
using ControlTower.Server.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Credentials;

public sealed class OAuthTokenRefreshTests : IAsyncLifetime
{
    private const string ClientSecret = "oauth-client-secret-9e8d7c6b";
    private readonly FakeWallClock _clock = new();
    private ControlTowerFactory _factory = null!;
    private LocalTokenEndpoint _endpoint = null!;

    public async Task InitializeAsync()
    {
        _endpoint = await LocalTokenEndpoint.StartAsync("control-tower", ClientSecret, expiresInSeconds: 120);
        _factory = new ControlTowerFactory().WithServices(services => services.AddSingleton<TimeProvider>(_clock));
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _endpoint.DisposeAsync();
    }

    [Fact]
    public async Task ResolveConnectionSecrets_WhenTokenNearsExpiry_RefreshesBeforeItRunsOut()
    {
        var (user, id) = await CreateOAuthCredentialAsync(_endpoint.TokenUrl);

        var first = await AuthorizationAsync(user, id);
        _clock.Advance(TimeSpan.FromSeconds(100));
        var stillCached = await AuthorizationAsync(user, id);
        // 120 s tokens are renewed at 90% of their life (108 s): before expiry, with no 401 involved.
        _clock.Advance(TimeSpan.FromSeconds(9));
        var renewed = await AuthorizationAsync(user, id);

        Assert.Equal($"Bearer {_endpoint.IssuedTokens[0]}", first);
        Assert.Equal(first, stillCached);
        Assert.Equal($"Bearer {_endpoint.IssuedTokens[1]}", renewed);
        Assert.Equal(2, _endpoint.Requests);
    }

    [Fact]
    public async Task ResolveConnectionSecrets_WhenManyCallersFindTheTokenStale_FetchesOnce()
    {
        var (user, id) = await CreateOAuthCredentialAsync(_endpoint.TokenUrl);
        await AuthorizationAsync(user, id);
        _clock.Advance(TimeSpan.FromSeconds(115));
        _endpoint.Delay = TimeSpan.FromMilliseconds(300);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => AuthorizationAsync(user, id)));

        Assert.Equal(2, _endpoint.Requests);
        Assert.All(results, r => Assert.Equal($"Bearer {_endpoint.IssuedTokens[1]}", r));
    }

    [Fact]
    public async Task ResolveConnectionSecrets_WhenServerRefusesBasicAuthentication_SendsTheSecretInTheForm()
    {
        var (user, id) = await CreateOAuthCredentialAsync(_endpoint.FormTokenUrl);

        var authorization = await AuthorizationAsync(user, id);

        Assert.Equal($"Bearer {_endpoint.IssuedTokens[0]}", authorization);
        Assert.Equal(2, _endpoint.Requests);
    }

    [Fact]
    public async Task ResolveConnectionSecrets_WhenClientSecretIsWrong_FailsWithoutEchoingIt()
    {
        var (client, _, userId) = await _factory.CreateUserClientAsync("olivia", "operator");
        const string wrongSecret = "wrong-secret-4c3b2a1f";
        var id = await CredentialApi.CreateAsync(client, "idp", "oauth2_client_credentials",
            new { token_url = _endpoint.TokenUrl, client_id = "control-tower", client_secret = wrongSecret, scopes = new[] { "mcp.read" } });

        var failure = await Assert.ThrowsAsync<ControlTowerException>(() =>
            _factory.Vault().ResolveConnectionSecretsAsync(userId, id, CredentialApi.Purpose(), default));

        Assert.Equal(CredentialErrorCodes.OAuthTokenFailed, failure.Code);
        Assert.Contains("401", failure.Message, StringComparison.Ordinal);
        Assert.Contains("invalid_client", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongSecret, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveConnectionSecrets_WhenSecretReplaced_DropsTheCachedToken()
    {
        var (user, id) = await CreateOAuthCredentialAsync(_endpoint.TokenUrl);
        await AuthorizationAsync(user, id);
        var owner = _factory.Services.GetRequiredService<CredentialVault>();

        await owner.UpdateAsync(
            new CredentialCaller(user, "operator", "user:olivia"),
            id,
            new UpdateCredentialRequest(System.Text.Json.Nodes.JsonNode.Parse(
                $$"""{"token_url":"{{_endpoint.TokenUrl}}","client_id":"control-tower","client_secret":"{{ClientSecret}}","scopes":["mcp.write"]}""")!.AsObject()),
            default);
        var afterUpdate = await AuthorizationAsync(user, id);

        Assert.Equal($"Bearer {_endpoint.IssuedTokens[1]}", afterUpdate);
    }

    private async Task<(Guid UserId, Guid CredentialId)> CreateOAuthCredentialAsync(string tokenUrl)
    {
        var (client, _, userId) = await _factory.CreateUserClientAsync("olivia", "operator");
        var id = await CredentialApi.CreateAsync(client, "idp", "oauth2_client_credentials",
            new { token_url = tokenUrl, client_id = "control-tower", client_secret = ClientSecret, scopes = new[] { "mcp.read" } });
        return (userId, id);
    }

    private async Task<string> AuthorizationAsync(Guid userId, Guid credentialId) =>
        (await _factory.Vault().ResolveConnectionSecretsAsync(userId, credentialId, CredentialApi.Purpose(), default)).Headers["Authorization"];
}
