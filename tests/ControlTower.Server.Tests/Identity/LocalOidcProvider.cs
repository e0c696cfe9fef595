using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ControlTower.Server.Tests.Identity;

/// <summary>
/// An OpenID provider's public half on a real Kestrel port on 127.0.0.1: the discovery document and the JWKS with
/// the public part of an RSA key this test holds; <see cref="Issue"/> signs tokens with the private part.
/// </summary>
internal sealed class LocalOidcProvider : IAsyncDisposable
{
    public const string KeyId = "test-key-1";
    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);

    private LocalOidcProvider(WebApplication app) => _app = app;

    public string Issuer { get; private set; } = "";

    public int DiscoveryRequests;

    public static async Task<LocalOidcProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var provider = new LocalOidcProvider(app);
        app.MapGet("/.well-known/openid-configuration", () =>
        {
            Interlocked.Increment(ref provider.DiscoveryRequests);
            return Results.Text(new JsonObject
            {
                ["issuer"] = provider.Issuer,
                ["jwks_uri"] = $"{provider.Issuer}/jwks",
                ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            }.ToJsonString(), "application/json");
        });
        app.MapGet("/jwks", () =>
        {
            var publicKey = new RsaSecurityKey(provider._rsa.ExportParameters(includePrivateParameters: false)) { KeyId = KeyId };
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(publicKey);
            return Results.Text(new JsonObject
            {
                ["keys"] = new JsonArray(new JsonObject { ["kty"] = jwk.Kty, ["kid"] = jwk.Kid, ["use"] = "sig", ["alg"] = "RS256", ["n"] = jwk.N, ["e"] = jwk.E }),
            }.ToJsonString(), "application/json");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        provider.Issuer = $"http://127.0.0.1:{new Uri(address).Port}";
        return provider;
    }

    /// <summary>A signed token; <paramref name="signWith"/> replaces the provider's key (a forged signature).</summary>
    public string Issue(string audience, IDictionary<string, object> claims, DateTime? expires = null, RSA? signWith = null, string? issuer = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = (expires ?? now.AddMinutes(10)).AddMinutes(-20),
            NotBefore = (expires ?? now.AddMinutes(10)).AddMinutes(-20),
            Expires = expires ?? now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signWith ?? _rsa) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _rsa.Dispose();
    }
}
