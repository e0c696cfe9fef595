using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;

namespace ControlTower.Server.Tests.Identity;

/// <summary>
/// OIDC bearer tokens beside API keys, against a provider on loopback (discovery and JWKS over real HTTP),
/// with tokens signed by a key the test holds.
/// </summary>
public sealed class OidcTests : IAsyncLifetime
{
    private const string Audience = "control-tower-api";
    private LocalOidcProvider _provider = null!;
    private ControlTowerFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _provider = await LocalOidcProvider.StartAsync();
        _factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["OIDC_AUTHORITY"] = _provider.Issuer,
            ["OIDC_AUDIENCE"] = Audience,
            ["OIDC_ALLOW_HTTP"] = "true",
            ["OIDC_ROLE_CLAIM"] = "groups",
            ["OIDC_ROLE_MAP"] = "ct-pharmacists=approver,ct-platform=admin",
            ["OIDC_DEFAULT_ROLE"] = "viewer",
        });
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _provider.DisposeAsync();
    }

    private static Dictionary<string, object> Claims(string subject, string name, params string[] groups)
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["preferred_username"] = name, ["email"] = $"{name}@pharmacy.example" };
        if (groups.Length > 0)
        {
            claims["groups"] = groups;
        }

        return claims;
    }

    [Fact]
    public async Task Request_WhenTokenValid_ActsAsTheUserCreatedOnFirstSightWithTheMappedRole()
    {
        using var client = _factory.CreateClient(_provider.Issue(Audience, Claims("sub-ada-1", "Ada.Lovelace", "ct-pharmacists", "unrelated-group")));

        var first = await client.GetFromJsonAsync<JsonObject>("/api/me");
        var second = await client.GetFromJsonAsync<JsonObject>("/api/me");
        var createUser = await client.PostAsJsonAsync("/api/users", new { name = "mallory", role = "admin" });
        using var admin = _factory.CreateAdminClient();
        var audit = await admin.GetStringAsync("/api/audit?action=user.created&limit=200");

        Assert.Equal(("ada.lovelace", "approver", "Oidc"), (first!["name"]!.GetValue<string>(), first["role"]!.GetValue<string>(), first["authenticatedBy"]!.GetValue<string>()));
        Assert.Equal(first["id"]!.GetValue<Guid>(), second!["id"]!.GetValue<Guid>());
        Assert.Equal(HttpStatusCode.Forbidden, createUser.StatusCode);
        Assert.Equal("application/problem+json", createUser.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"oidc:{_provider.Issuer}", audit, StringComparison.Ordinal);
        Assert.Contains("user:ada.lovelace", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_WhenRoleClaimChangesOrIsAbsent_FollowsTheClaimElseTheDefaultRole()
    {
        using var platform = _factory.CreateClient(_provider.Issue(Audience, Claims("sub-grace-2", "grace", "ct-platform")));
        using var plain = _factory.CreateClient(_provider.Issue(Audience, Claims("sub-grace-2", "grace")));
        using var direct = _factory.CreateClient(_provider.Issue(Audience, Claims("sub-linus-3", "linus", "operator")));

        var asAdmin = await platform.GetFromJsonAsync<JsonObject>("/api/me");
        var listUsers = await platform.GetAsync("/api/users");
        var asDefault = await plain.GetFromJsonAsync<JsonObject>("/api/me");
        var asOperator = await direct.GetFromJsonAsync<JsonObject>("/api/me");

        Assert.Equal("admin", asAdmin!["role"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, listUsers.StatusCode);
        Assert.Equal(("viewer", asAdmin["id"]!.GetValue<Guid>()), (asDefault!["role"]!.GetValue<string>(), asDefault["id"]!.GetValue<Guid>()));
        Assert.Equal("operator", asOperator!["role"]!.GetValue<string>());
    }

    public static TheoryData<string> BadTokens => new() { "wrong audience", "expired", "bad signature", "wrong issuer" };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Request_WhenTokenInvalid_Is401ProblemAndCreatesNoUser(string kind)
    {
        using var forger = RSA.Create(2048);
        var claims = Claims($"sub-{kind.Replace(' ', '-')}", "eve", "ct-platform");
        var token = kind switch
        {
            "wrong audience" => _provider.Issue("another-api", claims),
            "expired" => _provider.Issue(Audience, claims, expires: DateTime.UtcNow.AddMinutes(-10)),
            "bad signature" => _provider.Issue(Audience, claims, signWith: forger),
            _ => _provider.Issue(Audience, claims, issuer: "https://idp.attacker.example"),
        };
        using var client = _factory.CreateClient(token);

        var response = await client.GetAsync("/api/me");
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        using var admin = _factory.CreateAdminClient();
        var users = await admin.GetStringAsync("/api/users");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("auth.invalid_credentials", problem!["code"]!.GetValue<string>());
        Assert.DoesNotContain("\"eve\"", users, StringComparison.Ordinal);
        if (kind == "expired")
        {
            Assert.Contains("expired", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Request_WhenApiKeyOrAdminKey_StillAuthenticatesBesideOidc()
    {
        var (user, key, _) = await _factory.CreateUserClientAsync("key-holder", "operator");
        using var admin = _factory.CreateAdminClient();

        var me = await user.GetFromJsonAsync<JsonObject>("/api/me");

        Assert.Equal(("key-holder", "ApiKey"), (me!["name"]!.GetValue<string>(), me["authenticatedBy"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/users")).StatusCode);
        Assert.StartsWith("ct_", key, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://idp.example", false, "development", "OIDC_AUTHORITY must use https")]
    [InlineData("http://idp.example", true, "production", "OIDC_ALLOW_HTTP cannot be on in production")]
    [InlineData("idp.example", false, "development", "OIDC_AUTHORITY must be an absolute https URL")]
    public void Validate_WhenAuthorityUnsafe_RefusesWithTheReason(string authority, bool allowHttp, string environment, string reason)
    {
        var validation = new ControlTower.Server.Identity.OidcOptionsValidation(Microsoft.Extensions.Options.Options.Create(
            new ControlTower.Server.Platform.Configuration.PlatformOptions { Environment = environment }));

        var result = validation.Validate(null, new ControlTower.Server.Identity.OidcOptions { Authority = authority, Audience = Audience, AllowHttp = allowHttp });

        Assert.True(result.Failed);
        Assert.Contains(reason, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenHttpsAuthorityAndAudience_Accepts()
    {
        var validation = new ControlTower.Server.Identity.OidcOptionsValidation(Microsoft.Extensions.Options.Options.Create(
            new ControlTower.Server.Platform.Configuration.PlatformOptions { Environment = "production" }));

        Assert.True(validation.Validate(null, new ControlTower.Server.Identity.OidcOptions { Authority = "https://idp.example", Audience = Audience }).Succeeded);
    }
}
