using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ControlTower.Server.Tests.Credentials;

/// <summary>
/// A real OAuth 2.0 token endpoint on loopback (Kestrel, port 0) for the client-credentials grant.
/// <c>/token</c> takes HTTP Basic client authentication; <c>/token-form</c> refuses Basic (401,
/// <c>invalid_client</c>) and takes the secret in the form body. Tokens are numbered so tests can see
/// which fetch they got.
/// </summary>
internal sealed class LocalTokenEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private LocalTokenEndpoint(WebApplication app, string clientId, string clientSecret, int expiresInSeconds)
    {
        _app = app;
        ClientId = clientId;
        ClientSecret = clientSecret;
        ExpiresInSeconds = expiresInSeconds;
    }

    public string ClientId { get; }

    public string ClientSecret { get; }

    public int ExpiresInSeconds { get; }

    /// <summary>How long each token response is held back, so concurrent callers overlap.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    public string TokenPrefix { get; init; } = "access-";

    public int Requests => Volatile.Read(ref _requests);

    public List<string> IssuedTokens { get; } = [];

    public Uri BaseAddress => new(_app.Urls.First());

    public string TokenUrl => new Uri(BaseAddress, "/token").ToString();

    public string FormTokenUrl => new Uri(BaseAddress, "/token-form").ToString();

    public static async Task<LocalTokenEndpoint> StartAsync(string clientId, string clientSecret, int expiresInSeconds, string tokenPrefix = "access-")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var endpoint = new LocalTokenEndpoint(app, clientId, clientSecret, expiresInSeconds) { TokenPrefix = tokenPrefix };
        app.MapPost("/token", (HttpRequest request) => endpoint.IssueAsync(request, basic: true));
        app.MapPost("/token-form", (HttpRequest request) => endpoint.IssueAsync(request, basic: false));
        await app.StartAsync();
        return endpoint;
    }

    private async Task<IResult> IssueAsync(HttpRequest request, bool basic)
    {
        Interlocked.Increment(ref _requests);
        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "client_credentials")
        {
            return Results.Json(new { error = "unsupported_grant_type" }, statusCode: 400);
        }

        var authenticated = basic
            ? request.Headers.Authorization.ToString() == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(ClientId)}:{Uri.EscapeDataString(ClientSecret)}"))
            : form["client_id"] == ClientId && form["client_secret"] == ClientSecret;
        if (!authenticated)
        {
            // A careless server that echoes what it got: the vault must not repeat it.
            return Results.Json(new { error = "invalid_client", error_description = $"bad client {request.Headers.Authorization} {form["client_secret"]}" }, statusCode: 401);
        }

        await Task.Delay(Delay);
        string token;
        lock (IssuedTokens)
        {
            token = $"{TokenPrefix}{IssuedTokens.Count + 1}-{Guid.NewGuid():N}";
            IssuedTokens.Add(token);
        }

        return Results.Json(new { access_token = token, token_type = "bearer", expires_in = ExpiresInSeconds, scope = form["scope"].ToString() });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
