using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Core.Crypto;

namespace ControlTower.Core.Tests.Crypto;

public sealed class CredentialSealerTests
{
    private const string UserA = "user-a";
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Iv = [.. Enumerable.Range(0, 16).Select(i => (byte)(i * 7))];
    private static readonly Guid CredentialId = Guid.Parse("0b6f3c2e-5a1d-4c3b-9f8e-7d6c5b4a3921");
    private static readonly MultiFernet Ring = new([FernetTests.Key(1)]);

    public static TheoryData<CredentialData> EveryShape() =>
    [
        new ApiKeyData("ak_live_7f3e9c", "X-Api-Key"),
        new BearerTokenData("eyJhbGciOi.bearer.zz"),
        new BasicAuthData("svc-refills", "p@ss:w\"ord\\x"),
        new EnvVarsData([KeyValuePair.Create("PHARMACY_API_TOKEN", "env-secret-123"), KeyValuePair.Create("REGION", "eu")]),
        new OAuth2ClientCredentialsData("https://auth.example.test/oauth/token", "client-1", "cs_9d8f7e6a", ["rx.read", "rx:write"]),
        new HeadersData([KeyValuePair.Create("X-Tenant", "t-1"), KeyValuePair.Create("Authorization", "Token hdr-secret-42")]),
    ];

    private static string Seal(CredentialData data, string userId = UserA) =>
        CredentialSealer.Seal(Ring, new CredentialEnvelope(userId, CredentialId, data), T0, Iv);

    [Theory]
    [MemberData(nameof(EveryShape))]
    public void Unseal_WhenBoundFieldsMatch_ReturnsEqualData(CredentialData data)
    {
        var token = Seal(data);

        var unsealed = CredentialSealer.Unseal(Ring, token, UserA, CredentialId, data.Type, T0.AddDays(30));

        Assert.Equal(data.Type, unsealed.Type);
        Assert.Equal(data.ToJson().ToJsonString(), unsealed.ToJson().ToJsonString());
        Assert.Equal(data.SecretValues(), unsealed.SecretValues());
    }

    [Fact]
    public void Seal_WhenGivenEnvelope_EncryptsVersionedJsonBindingAllFields()
    {
        var token = Seal(new BearerTokenData("eyJhbGciOi.bearer.zz"));

        var json = JsonNode.Parse(Ring.Decrypt(token, T0, null, TimeSpan.Zero))!.AsObject();

        Assert.Equal(1, json["v"]!.GetValue<int>());
        Assert.Equal(UserA, json["user_id"]!.GetValue<string>());
        Assert.Equal(CredentialId.ToString(), json["credential_id"]!.GetValue<string>());
        Assert.Equal("bearer_token", json["credential_type"]!.GetValue<string>());
        Assert.Equal("eyJhbGciOi.bearer.zz", json["data"]!["token"]!.GetValue<string>());
        Assert.Equal(5, json.Count);
    }

    [Fact]
    public void Unseal_WhenTokenIsCopiedIntoAnotherUsersRow_FailsBindingMismatchOnUser()
    {
        var token = Seal(new BearerTokenData("eyJhbGciOi.bearer.zz"));

        var ex = Assert.Throws<CredentialException>(
            () => CredentialSealer.Unseal(Ring, token, "user-b", CredentialId, CredentialType.BearerToken, T0));

        Assert.Equal(CredentialErrorCodes.BindingMismatch, ex.Code);
        Assert.Equal("user_id", ex.Details["field"]);
        Assert.DoesNotContain(UserA, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unseal_WhenTokenIsCopiedIntoAnotherCredentialRow_FailsBindingMismatchOnCredentialId()
    {
        var token = Seal(new BearerTokenData("eyJhbGciOi.bearer.zz"));

        var ex = Assert.Throws<CredentialException>(
            () => CredentialSealer.Unseal(Ring, token, UserA, Guid.NewGuid(), CredentialType.BearerToken, T0));

        Assert.Equal(CredentialErrorCodes.BindingMismatch, ex.Code);
        Assert.Equal("credential_id", ex.Details["field"]);
    }

    [Fact]
    public void Unseal_WhenRowClaimsAnotherType_FailsBindingMismatchOnType()
    {
        var token = Seal(new BearerTokenData("eyJhbGciOi.bearer.zz"));

        var ex = Assert.Throws<CredentialException>(
            () => CredentialSealer.Unseal(Ring, token, UserA, CredentialId, CredentialType.ApiKey, T0));

        Assert.Equal(CredentialErrorCodes.BindingMismatch, ex.Code);
        Assert.Equal("credential_type", ex.Details["field"]);
    }

    [Fact]
    public void Unseal_WhenUserIdDiffersOnlyInCase_FailsBindingMismatch()
    {
        var token = Seal(new BearerTokenData("eyJhbGciOi.bearer.zz"), userId: "User-A");

        var ex = Assert.Throws<CredentialException>(
            () => CredentialSealer.Unseal(Ring, token, "user-a", CredentialId, CredentialType.BearerToken, T0));

        Assert.Equal(CredentialErrorCodes.BindingMismatch, ex.Code);
    }

    [Fact]
    public void Unseal_WhenSealedUnderOldKeyOrRotated_StillUnseals()
    {
        var oldRing = new MultiFernet([FernetTests.Key(1)]);
        var newRing = new MultiFernet([FernetTests.Key(2), FernetTests.Key(1)]);
        var token = CredentialSealer.Seal(oldRing, new CredentialEnvelope(UserA, CredentialId, new BearerTokenData("eyJhbGciOi.bearer.zz")), T0, Iv);

        var beforeRotation = CredentialSealer.Unseal(newRing, token, UserA, CredentialId, CredentialType.BearerToken, T0);
        var rotated = newRing.Rotate(token, T0, Iv);
        var afterRetiring = CredentialSealer.Unseal(new MultiFernet([FernetTests.Key(2)]), rotated, UserA, CredentialId, CredentialType.BearerToken, T0);

        Assert.Equal("eyJhbGciOi.bearer.zz", ((BearerTokenData)beforeRotation).Token);
        Assert.Equal("eyJhbGciOi.bearer.zz", ((BearerTokenData)afterRetiring).Token);
    }

    [Fact]
    public void Unseal_WhenKeyRingLacksTheKey_FailsSignatureInvalid()
    {
        var token = Seal(new BearerTokenData("eyJhbGciOi.bearer.zz"));

        var ex = Assert.Throws<FernetException>(() => CredentialSealer.Unseal(
            new MultiFernet([FernetTests.Key(9)]), token, UserA, CredentialId, CredentialType.BearerToken, T0));

        Assert.Equal(FernetErrorCodes.TokenSignatureInvalid, ex.Code);
    }

    [Fact]
    public void Unseal_WhenSealedBeyondClockSkewInTheFuture_FailsFromFuture()
    {
        var token = Seal(new BearerTokenData("eyJhbGciOi.bearer.zz"));

        var withinSkew = CredentialSealer.Unseal(Ring, token, UserA, CredentialId, CredentialType.BearerToken, T0 - CredentialSealer.MaxClockSkew);
        var ex = Assert.Throws<FernetException>(() => CredentialSealer.Unseal(
            Ring, token, UserA, CredentialId, CredentialType.BearerToken, T0 - CredentialSealer.MaxClockSkew - TimeSpan.FromSeconds(1)));

        Assert.IsType<BearerTokenData>(withinSkew);
        Assert.Equal(FernetErrorCodes.TokenFromFuture, ex.Code);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"v\":2,\"user_id\":\"user-a\",\"credential_id\":\"0b6f3c2e-5a1d-4c3b-9f8e-7d6c5b4a3921\",\"credential_type\":\"bearer_token\",\"data\":{\"token\":\"abcdefgh\"}}")]
    [InlineData("{\"v\":1,\"credential_id\":\"0b6f3c2e-5a1d-4c3b-9f8e-7d6c5b4a3921\",\"credential_type\":\"bearer_token\",\"data\":{\"token\":\"abcdefgh\"}}")]
    [InlineData("{\"v\":1,\"user_id\":\"user-a\",\"credential_id\":\"nope\",\"credential_type\":\"bearer_token\",\"data\":{\"token\":\"abcdefgh\"}}")]
    [InlineData("{\"v\":1,\"user_id\":\"user-a\",\"credential_id\":\"0b6f3c2e-5a1d-4c3b-9f8e-7d6c5b4a3921\",\"credential_type\":\"bearer_token\",\"data\":{\"token\":\"\"}}")]
    public void Unseal_WhenAuthenticPlaintextIsNotAValidEnvelope_FailsEnvelopeInvalid(string plaintext)
    {
        var token = Ring.Encrypt(Encoding.UTF8.GetBytes(plaintext), T0, Iv);

        var ex = Assert.Throws<CredentialException>(
            () => CredentialSealer.Unseal(Ring, token, UserA, CredentialId, CredentialType.BearerToken, T0));

        Assert.Equal(CredentialErrorCodes.EnvelopeInvalid, ex.Code);
    }

    [Theory]
    [MemberData(nameof(EveryShape))]
    public void ToString_WhenDataOrEnvelopeIsPrinted_ShowsNoSecret(CredentialData data)
    {
        var envelope = new CredentialEnvelope(UserA, CredentialId, data);

        foreach (var secret in data.SecretValues())
        {
            Assert.DoesNotContain(secret, data.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, envelope.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Constructor_WhenUserIdIsBlank_ThrowsArgument()
    {
        Assert.Throws<ArgumentException>(() => new CredentialEnvelope(" ", CredentialId, new BearerTokenData("abcdefgh")));
    }
}
