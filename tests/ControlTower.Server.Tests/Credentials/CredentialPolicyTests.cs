using ControlTower.Core.Crypto;
using ControlTower.Server.Credentials;
using ControlTower.Server.Platform.Configuration;
using CredentialErrorCodes = ControlTower.Server.Credentials.CredentialErrorCodes;

namespace ControlTower.Server.Tests.Credentials;

public sealed class CredentialPolicyTests
{
    [Theory]
    [InlineData("production", "http://idp.example/token", false)]
    [InlineData("production", "https://idp.example/token", true)]
    [InlineData("production", "http://127.0.0.1:8080/token", true)]
    [InlineData("development", "http://idp.example/token", true)]
    [InlineData("demo", "http://idp.example/token", true)]
    public void CheckAllowedIn_WhenOAuthTokenUrlIsPlainHttp_IsRefusedOnlyInProductionOffLoopback(string environment, string tokenUrl, bool allowed)
    {
        var mode = new PlatformOptions { Environment = environment }.Mode;
        var data = new OAuth2ClientCredentialsData(tokenUrl, "client", "client-secret-123");

        var failure = Record.Exception(() => CredentialVault.CheckAllowedIn(mode, data));

        if (allowed)
        {
            Assert.Null(failure);
        }
        else
        {
            var refused = Assert.IsType<CredentialException>(failure);
            Assert.Equal(ControlTower.Core.Crypto.CredentialErrorCodes.DataInvalid, refused.Code);
            Assert.Equal("data.token_url", refused.Details["field"]);
        }
    }
}
