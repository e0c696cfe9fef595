using ControlTower.Core.Crypto;

namespace ControlTower.Core.Tests.Crypto;

public sealed class MultiFernetTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Iv = new byte[16];
    private static readonly FernetKey OldKey = FernetTests.Key(1);
    private static readonly FernetKey NewKey = FernetTests.Key(2);

    [Fact]
    public void Encrypt_WhenSeveralKeys_UsesFirstKey()
    {
        var ring = new MultiFernet([NewKey, OldKey]);

        var token = ring.Encrypt("hello"u8, T0, Iv);

        Assert.Equal("hello"u8.ToArray(), Fernet.Decrypt(NewKey, token, T0, null, Fernet.DefaultMaxClockSkew));
        Assert.Equal(0, ring.KeyIndexOf(token));
        Assert.Same(NewKey, ring.Newest);
    }

    [Fact]
    public void Decrypt_WhenTokenIsUnderOlderKey_DecryptsAndReportsItsIndex()
    {
        var oldToken = Fernet.Encrypt(OldKey, "hello"u8, T0, Iv);
        var ring = new MultiFernet([NewKey, OldKey]);

        var result = ring.DecryptWithKeyIndex(oldToken, T0, null, Fernet.DefaultMaxClockSkew);

        Assert.Equal("hello"u8.ToArray(), result.Plaintext);
        Assert.Equal(1, result.KeyIndex);
        Assert.Equal(1, ring.KeyIndexOf(oldToken));
    }

    [Fact]
    public void Decrypt_WhenNoKeySignedToken_FailsSignatureInvalid()
    {
        var token = Fernet.Encrypt(FernetTests.Key(3), "hello"u8, T0, Iv);
        var ring = new MultiFernet([NewKey, OldKey]);

        var decrypt = Assert.Throws<FernetException>(() => ring.Decrypt(token, T0, null, Fernet.DefaultMaxClockSkew));
        var index = Assert.Throws<FernetException>(() => ring.KeyIndexOf(token));

        Assert.Equal(FernetErrorCodes.TokenSignatureInvalid, decrypt.Code);
        Assert.Equal(FernetErrorCodes.TokenSignatureInvalid, index.Code);
    }

    [Fact]
    public void Decrypt_WhenOlderKeysTokenIsExpired_FailsExpiredNotSignature()
    {
        var oldToken = Fernet.Encrypt(OldKey, "hello"u8, T0, Iv);
        var ring = new MultiFernet([NewKey, OldKey]);

        var ex = Assert.Throws<FernetException>(
            () => ring.Decrypt(oldToken, T0.AddMinutes(5), TimeSpan.FromMinutes(1), Fernet.DefaultMaxClockSkew));

        Assert.Equal(FernetErrorCodes.TokenExpired, ex.Code);
    }

    [Fact]
    public void Rotate_WhenTokenIsUnderOlderKey_ReEncryptsUnderNewestStampedNow()
    {
        var oldToken = Fernet.Encrypt(OldKey, "hello"u8, T0, Iv);
        var ring = new MultiFernet([NewKey, OldKey]);
        var later = T0.AddDays(400);

        var rotated = ring.Rotate(oldToken, later, Iv);

        Assert.Equal(0, ring.KeyIndexOf(rotated));
        Assert.Equal(Fernet.Encrypt(NewKey, "hello"u8, later, Iv), rotated);
        var retired = new MultiFernet([NewKey]);
        Assert.Equal("hello"u8.ToArray(), retired.Decrypt(rotated, later, TimeSpan.Zero, TimeSpan.Zero));
    }

    [Fact]
    public void Rotate_WhenTokenIsFromTheFuture_StillRotates()
    {
        var futureToken = Fernet.Encrypt(OldKey, "hello"u8, T0.AddDays(1), Iv);
        var ring = new MultiFernet([NewKey, OldKey]);

        var rotated = ring.Rotate(futureToken, T0, Iv);

        Assert.Equal("hello"u8.ToArray(), ring.Decrypt(rotated, T0, null, TimeSpan.Zero));
    }

    [Fact]
    public void Rotate_WhenTokenIsUnderNoKey_FailsSignatureInvalid()
    {
        var token = Fernet.Encrypt(FernetTests.Key(3), "hello"u8, T0, Iv);

        var ex = Assert.Throws<FernetException>(() => new MultiFernet([NewKey, OldKey]).Rotate(token, T0, Iv));

        Assert.Equal(FernetErrorCodes.TokenSignatureInvalid, ex.Code);
    }

    [Fact]
    public void Constructor_WhenNoKeys_FailsKeyMissing()
    {
        var ex = Assert.Throws<FernetException>(() => new MultiFernet([]));
        var parsed = Assert.Throws<FernetException>(() => MultiFernet.Parse(" , "));

        Assert.Equal(FernetErrorCodes.KeyMissing, ex.Code);
        Assert.Equal(FernetErrorCodes.KeyMissing, parsed.Code);
    }

    [Fact]
    public void Parse_WhenCommaSeparatedKeys_KeepsOrderNewestFirst()
    {
        var ring = MultiFernet.Parse($" {NewKey.Export()} ,{OldKey.Export()}");

        Assert.Equal([NewKey.Fingerprint, OldKey.Fingerprint], ring.Keys.Select(k => k.Fingerprint));
    }

    [Fact]
    public void Parse_WhenOneKeyIsBad_FailsKeyInvalid()
    {
        var ex = Assert.Throws<FernetException>(() => MultiFernet.Parse($"{NewKey.Export()},short"));

        Assert.Equal(FernetErrorCodes.KeyInvalid, ex.Code);
    }
}
