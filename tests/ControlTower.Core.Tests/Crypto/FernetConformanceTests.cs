using System.Text;
using ControlTower.Core.Crypto;
using Xunit.Abstractions;

namespace ControlTower.Core.Tests.Crypto;

/// <summary>Every vector of the Fernet specification, with the clock and IV injected.</summary>
public sealed class FernetConformanceTests(ITestOutputHelper output)
{
    // What each invalid vector's `desc` means in our error codes.
    private static readonly Dictionary<string, string> ExpectedCodeByDesc = new()
    {
        ["incorrect mac"] = FernetErrorCodes.TokenSignatureInvalid,
        ["too short"] = FernetErrorCodes.TokenMalformed,
        ["invalid base64"] = FernetErrorCodes.TokenMalformed,
        ["payload size not multiple of block size"] = FernetErrorCodes.TokenMalformed,
        ["payload padding error"] = FernetErrorCodes.PayloadInvalid,
        ["far-future TS (unacceptable clock skew)"] = FernetErrorCodes.TokenFromFuture,
        ["expired TTL"] = FernetErrorCodes.TokenExpired,
        ["incorrect IV (causes padding error)"] = FernetErrorCodes.PayloadInvalid,
    };

    [Fact]
    public void Encrypt_WhenGivenEachGenerateVector_ProducesExactToken()
    {
        var vectors = FernetVectors.Load("generate.json");
        var passed = 0;
        foreach (var v in vectors)
        {
            var iv = v.Iv!.Select(b => (byte)b).ToArray();
            var token = Fernet.Encrypt(FernetKey.Parse(v.Secret), Encoding.UTF8.GetBytes(v.Src!), v.Now, iv);
            Assert.Equal(v.Token, token);
            passed++;
        }

        output.WriteLine($"fernet generate: {passed}/{vectors.Count} passed");
        Assert.Equal(vectors.Count, passed);
    }

    [Fact]
    public void Decrypt_WhenGivenEachVerifyVector_ReturnsExactPlaintext()
    {
        var vectors = FernetVectors.Load("verify.json");
        var passed = 0;
        foreach (var v in vectors)
        {
            var plaintext = Fernet.Decrypt(
                FernetKey.Parse(v.Secret), v.Token, v.Now, TimeSpan.FromSeconds(v.TtlSeconds!.Value), Fernet.DefaultMaxClockSkew);
            Assert.Equal(v.Src, Encoding.UTF8.GetString(plaintext));
            passed++;
        }

        output.WriteLine($"fernet verify: {passed}/{vectors.Count} passed");
        Assert.Equal(vectors.Count, passed);
    }

    [Fact]
    public void Decrypt_WhenGivenEachInvalidVector_FailsWithCodeForItsReason()
    {
        var vectors = FernetVectors.Load("invalid.json");
        var passed = 0;
        foreach (var v in vectors)
        {
            Assert.True(ExpectedCodeByDesc.TryGetValue(v.Desc!, out var expectedCode), $"no expected code for '{v.Desc}'");
            var key = FernetKey.Parse(v.Secret);
            var ttl = TimeSpan.FromSeconds(v.TtlSeconds!.Value);

            var single = Assert.Throws<FernetException>(() => Fernet.Decrypt(key, v.Token, v.Now, ttl, Fernet.DefaultMaxClockSkew));
            Assert.True(expectedCode == single.Code, $"'{v.Desc}': expected {expectedCode}, got {single.Code}");

            var ring = new MultiFernet([FernetKey.FromBytes(new byte[32]), key]);
            var multi = Assert.Throws<FernetException>(() => ring.Decrypt(v.Token, v.Now, ttl, Fernet.DefaultMaxClockSkew));
            Assert.True(expectedCode == multi.Code, $"'{v.Desc}' (key ring): expected {expectedCode}, got {multi.Code}");
            passed++;
        }

        output.WriteLine($"fernet invalid: {passed}/{vectors.Count} rejected with the expected code");
        Assert.Equal(vectors.Count, passed);
    }
}
