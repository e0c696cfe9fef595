using System.Text.Json.Nodes;
using ControlTower.Core.Crypto;

namespace ControlTower.Core.Tests.Crypto;

public sealed class CredentialDataTests
{
    private const string Secret = "s3cr3t-VALUE-do-not-echo";

    private static CredentialException Invalid(CredentialType type, string json)
    {
        var ex = Assert.Throws<CredentialException>(() => CredentialData.Parse(type, JsonNode.Parse(json)));
        Assert.Equal(CredentialErrorCodes.DataInvalid, ex.Code);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        return ex;
    }

    [Theory]
    [InlineData(CredentialType.ApiKey, "{}", "data.key")]
    [InlineData(CredentialType.ApiKey, "{\"key\":\"\"}", "data.key")]
    [InlineData(CredentialType.ApiKey, "{\"key\":42}", "data.key")]
    [InlineData(CredentialType.ApiKey, "{\"key\":\"" + Secret + "\\r\\nX-Evil: 1\"}", "data.key")]
    [InlineData(CredentialType.ApiKey, "{\"key\":\"" + Secret + "\",\"header_name\":\"Bad Header\"}", "data.header_name")]
    [InlineData(CredentialType.ApiKey, "{\"key\":\"" + Secret + "\",\"extra\":1}", "data.extra")]
    [InlineData(CredentialType.BearerToken, "{\"token\":null}", "data.token")]
    [InlineData(CredentialType.BearerToken, "{\"token\":\"" + Secret + "\\u0000\"}", "data.token")]
    [InlineData(CredentialType.BasicAuth, "{\"username\":\"me\"}", "data.password")]
    [InlineData(CredentialType.BasicAuth, "{\"username\":\"me:you\",\"password\":\"" + Secret + "\"}", "data.username")]
    [InlineData(CredentialType.EnvVars, "{}", "data.variables")]
    [InlineData(CredentialType.EnvVars, "{\"variables\":{}}", "data.variables")]
    [InlineData(CredentialType.EnvVars, "{\"variables\":[\"" + Secret + "\"]}", "data.variables")]
    [InlineData(CredentialType.EnvVars, "{\"variables\":{\"1BAD\":\"" + Secret + "\"}}", "data.variables.1BAD")]
    [InlineData(CredentialType.EnvVars, "{\"variables\":{\"LD_PRELOAD\":\"" + Secret + "\"}}", "data.variables.LD_PRELOAD")]
    [InlineData(CredentialType.EnvVars, "{\"variables\":{\"path\":\"" + Secret + "\"}}", "data.variables.path")]
    [InlineData(CredentialType.EnvVars, "{\"variables\":{\"NODE_OPTIONS\":\"" + Secret + "\"}}", "data.variables.NODE_OPTIONS")]
    [InlineData(CredentialType.EnvVars, "{\"variables\":{\"OK\":7}}", "data.variables.OK")]
    [InlineData(CredentialType.OAuth2ClientCredentials, "{\"token_url\":\"ftp://x/y\",\"client_id\":\"c\",\"client_secret\":\"" + Secret + "\"}", "data.token_url")]
    [InlineData(CredentialType.OAuth2ClientCredentials, "{\"token_url\":\"/relative\",\"client_id\":\"c\",\"client_secret\":\"" + Secret + "\"}", "data.token_url")]
    [InlineData(CredentialType.OAuth2ClientCredentials, "{\"token_url\":\"https://u:p@auth.test/t\",\"client_id\":\"c\",\"client_secret\":\"" + Secret + "\"}", "data.token_url")]
    [InlineData(CredentialType.OAuth2ClientCredentials, "{\"token_url\":\"https://auth.test/t\",\"client_id\":\"c\"}", "data.client_secret")]
    [InlineData(CredentialType.OAuth2ClientCredentials, "{\"token_url\":\"https://auth.test/t\",\"client_id\":\"c\",\"client_secret\":\"" + Secret + "\",\"scopes\":[\"a b\"]}", "data.scopes[0]")]
    [InlineData(CredentialType.OAuth2ClientCredentials, "{\"token_url\":\"https://auth.test/t\",\"client_id\":\"c\",\"client_secret\":\"" + Secret + "\",\"scopes\":\"a\"}", "data.scopes")]
    [InlineData(CredentialType.Headers, "{\"headers\":{\"X-A\":\"" + Secret + "\",\"x-a\":\"" + Secret + "\"}}", "data.headers.x-a")]
    [InlineData(CredentialType.Headers, "{\"headers\":{\"Host\":\"" + Secret + "\"}}", "data.headers.Host")]
    [InlineData(CredentialType.Headers, "{\"headers\":{\"X-A\":\"" + Secret + "\\nInjected: yes\"}}", "data.headers.X-A")]
    [InlineData(CredentialType.Headers, "{\"headers\":{\"X A\":\"" + Secret + "\"}}", "data.headers.X A")]
    public void Parse_WhenDataBreaksTheShape_FailsDataInvalidNamingFieldWithoutValue(CredentialType type, string json, string field)
    {
        var ex = Invalid(type, json);

        Assert.Equal(field, ex.Details["field"]);
        Assert.StartsWith(field + ":", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"" + Secret + "\"")]
    [InlineData("null")]
    public void Parse_WhenDataIsNotAnObject_FailsDataInvalidOnData(string json)
    {
        Assert.Equal("data", Invalid(CredentialType.BearerToken, json).Details["field"]);
    }

    [Fact]
    public void Parse_WhenValueIsLongerThanLimit_FailsDataInvalid()
    {
        var json = new JsonObject { ["token"] = new string('x', CredentialChecks.MaxValueLength + 1) };

        var ex = Assert.Throws<CredentialException>(() => CredentialData.Parse(CredentialType.BearerToken, json));

        Assert.Equal("data.token", ex.Details["field"]);
    }

    [Fact]
    public void Parse_WhenEveryOptionalFieldGiven_ReadsTypedValues()
    {
        var oauth = (OAuth2ClientCredentialsData)CredentialData.Parse(CredentialType.OAuth2ClientCredentials, JsonNode.Parse(
            "{\"token_url\":\"http://127.0.0.1:5055/token\",\"client_id\":\"cid\",\"client_secret\":\"" + Secret + "\",\"scopes\":[\"rx.read\"]}"));
        var apiKey = (ApiKeyData)CredentialData.Parse(CredentialType.ApiKey, JsonNode.Parse("{\"key\":\"" + Secret + "\"}"));
        var basic = (BasicAuthData)CredentialData.Parse(CredentialType.BasicAuth, JsonNode.Parse("{\"username\":\"sk_live_abcdef\",\"password\":\"\"}"));
        var headers = (HeadersData)CredentialData.Parse(CredentialType.Headers, JsonNode.Parse("{\"headers\":{\"X-Key\":\"" + Secret + "\"}}"));

        Assert.Equal(new Uri("http://127.0.0.1:5055/token"), oauth.TokenUrl);
        Assert.Equal(["rx.read"], oauth.Scopes);
        Assert.Equal([Secret], oauth.SecretValues());
        Assert.Null(apiKey.HeaderName);
        Assert.Equal(["sk_live_abcdef"], basic.SecretValues());
        Assert.Equal(Secret, headers.Headers["x-key"]);
    }

    [Fact]
    public void Constructor_WhenGivenInvalidValuesDirectly_FailsLikeParse()
    {
        var ex = Assert.Throws<CredentialException>(() => new EnvVarsData([KeyValuePair.Create("DYLD_INSERT_LIBRARIES", Secret)]));

        Assert.Equal("data.variables.DYLD_INSERT_LIBRARIES", ex.Details["field"]);
        Assert.Throws<CredentialException>(() => new BearerTokenData(""));
    }

    [Fact]
    public void WireNames_WhenRoundTripped_CoverEveryType()
    {
        foreach (var type in Enum.GetValues<CredentialType>())
        {
            Assert.Equal(type, CredentialTypes.Parse(type.ToWireName()));
        }

        Assert.Equal(Enum.GetValues<CredentialType>().Length, CredentialTypes.WireNames.Count);
        var ex = Assert.Throws<CredentialException>(() => CredentialTypes.Parse("ssh_key"));
        Assert.Equal("credential_type", ex.Details["field"]);
    }
}
