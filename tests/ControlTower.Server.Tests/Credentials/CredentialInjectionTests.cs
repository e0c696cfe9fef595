using System.Text;
using ControlTower.Core.Crypto;
using ControlTower.Server.Credentials;

namespace ControlTower.Server.Tests.Credentials;

public sealed class CredentialInjectionTests
{
    [Fact]
    public void ToConnectionSecrets_WhenEnvVars_SetsOnlyEnvironment()
    {
        var secrets = CredentialInjection.ToConnectionSecrets(new EnvVarsData([new("GITHUB_TOKEN", "ghp_123456"), new("EMPTY", "")]));

        Assert.Equal(new Dictionary<string, string> { ["GITHUB_TOKEN"] = "ghp_123456", ["EMPTY"] = "" }, secrets.EnvironmentVariables);
        Assert.Empty(secrets.Headers);
    }

    [Fact]
    public void ToConnectionSecrets_WhenBearerToken_SendsAuthorizationBearer()
    {
        var secrets = CredentialInjection.ToConnectionSecrets(new BearerTokenData("tok-abcdef"));

        Assert.Equal("Bearer tok-abcdef", secrets.Headers["authorization"]);
        Assert.Empty(secrets.EnvironmentVariables);
    }

    [Theory]
    [InlineData(null, "X-Api-Key")]
    [InlineData("X-Pharmacy-Key", "X-Pharmacy-Key")]
    public void ToConnectionSecrets_WhenApiKey_SendsHeaderAndEnvironment(string? headerName, string expectedHeader)
    {
        var secrets = CredentialInjection.ToConnectionSecrets(new ApiKeyData("key-123456", headerName));

        Assert.Equal("key-123456", Assert.Single(secrets.Headers, h => h.Key == expectedHeader).Value);
        Assert.Equal("key-123456", secrets.EnvironmentVariables[CredentialInjection.ApiKeyVariable]);
    }

    [Fact]
    public void ToConnectionSecrets_WhenBasicAuth_SendsRfc7617Utf8Header()
    {
        var secrets = CredentialInjection.ToConnectionSecrets(new BasicAuthData("zoë", "pässword"));

        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("zoë:pässword")), secrets.Headers["Authorization"]);
    }

    [Fact]
    public void ToConnectionSecrets_WhenHeaders_SendsThemAsGiven()
    {
        var secrets = CredentialInjection.ToConnectionSecrets(new HeadersData([new("X-Tenant", "t1"), new("X-Secret", "s-123456")]));

        Assert.Equal("s-123456", secrets.Headers["x-secret"]);
        Assert.Equal(2, secrets.Headers.Count);
    }

    [Fact]
    public void ToConnectionSecrets_WhenOAuth2_SendsTheAccessTokenNeverTheClientSecret()
    {
        var data = new OAuth2ClientCredentialsData("https://idp.example/token", "client", "client-secret-123", ["read"]);

        var secrets = CredentialInjection.ToConnectionSecrets(data, "access-xyz-123");

        Assert.Equal("Bearer access-xyz-123", secrets.Headers["Authorization"]);
        Assert.DoesNotContain(secrets.Headers.Values.Concat(secrets.EnvironmentVariables.Values), v => v.Contains("client-secret-123", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => CredentialInjection.ToConnectionSecrets(data));
    }

    [Fact]
    public void ToString_WhenSecretsPresent_ShowsNamesOnly()
    {
        var secrets = CredentialInjection.ToConnectionSecrets(new ApiKeyData("key-123456"));

        Assert.Equal("ConnectionSecrets(env: [API_KEY], headers: [X-Api-Key])", secrets.ToString());
    }
}
