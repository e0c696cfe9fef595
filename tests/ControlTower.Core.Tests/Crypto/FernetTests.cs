using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ControlTower.Core.Crypto;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace ControlTower.Core.Tests.Crypto;

public sealed class FernetTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Iv = [.. Enumerable.Range(100, 16).Select(i => (byte)i)];

    internal static byte[] RawKey(byte seed) => [.. Enumerable.Range(seed, 32).Select(i => (byte)i)];

    internal static FernetKey Key(byte seed) => FernetKey.FromBytes(RawKey(seed));

    private static byte[] Decrypt(FernetKey key, string token, DateTimeOffset now, TimeSpan? ttl = null) =>
        Fernet.Decrypt(key, token, now, ttl, Fernet.DefaultMaxClockSkew);

    [Fact]
    public void Decrypt_WhenAnySingleBitOfTheTokenIsFlipped_RejectsIt()
    {
        var key = Key(1);
        var token = Fernet.Encrypt(key, Encoding.UTF8.GetBytes("a secret that spans two blocks"), T0, Iv);
        var bytes = Base64UrlCodec.TryDecode(token)!;
        var rejected = 0;
        for (var index = 0; index < bytes.Length; index++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var tampered = (byte[])bytes.Clone();
                tampered[index] ^= (byte)(1 << bit);
                var ex = Assert.Throws<FernetException>(() => Decrypt(key, Base64UrlCodec.Encode(tampered), T0));
                var expected = index == 0 ? FernetErrorCodes.TokenMalformed : FernetErrorCodes.TokenSignatureInvalid;
                Assert.Equal(expected, ex.Code);
                rejected++;
            }
        }

        output.WriteLine($"tampered tokens rejected: {rejected} ({bytes.Length} bytes x 8 bits)");
        Assert.Equal(bytes.Length * 8, rejected);
    }

    [Fact]
    public void Decrypt_WhenBytesAreAppendedOrRemoved_RejectsIt()
    {
        var key = Key(1);
        var bytes = Base64UrlCodec.TryDecode(Fernet.Encrypt(key, "hello"u8, T0, Iv))!;

        foreach (var length in new[] { bytes.Length - 1, bytes.Length - 16, bytes.Length + 1, bytes.Length + 16 })
        {
            var resized = new byte[length];
            Array.Copy(bytes, resized, Math.Min(length, bytes.Length));
            var ex = Assert.Throws<FernetException>(() => Decrypt(key, Base64UrlCodec.Encode(resized), T0));
            Assert.Contains(ex.Code, new[] { FernetErrorCodes.TokenMalformed, FernetErrorCodes.TokenSignatureInvalid });
        }
    }

    [Fact]
    public void Decrypt_WhenTokenIsUnderAnotherKey_FailsSignatureInvalid()
    {
        var token = Fernet.Encrypt(Key(1), "hello"u8, T0, Iv);

        var ex = Assert.Throws<FernetException>(() => Decrypt(Key(2), token, T0));

        Assert.Equal(FernetErrorCodes.TokenSignatureInvalid, ex.Code);
    }

    [Fact]
    public void Decrypt_WhenVersionByteIsWrongButSigned_FailsMalformed()
    {
        var raw = RawKey(1);
        var bytes = Base64UrlCodec.TryDecode(Fernet.Encrypt(FernetKey.FromBytes(raw), "hello"u8, T0, Iv))!;
        bytes[0] = 0x81;
        Resign(raw, bytes);

        var ex = Assert.Throws<FernetException>(() => Decrypt(FernetKey.FromBytes(raw), Base64UrlCodec.Encode(bytes), T0));

        Assert.Equal(FernetErrorCodes.TokenMalformed, ex.Code);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("gAAAAA AAdwJ6w")]
    [InlineData("gAAAAAAdwJ6w+AECAwQFBgcICQoLDA0ODy021cpGVWKZ/eEwCGM4BLLF")]
    [InlineData("gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDB==")]
    public void Decrypt_WhenTextIsNotCanonicalBase64Url_FailsMalformed(string token)
    {
        var ex = Assert.Throws<FernetException>(() => Decrypt(Key(1), token, T0));

        Assert.Equal(FernetErrorCodes.TokenMalformed, ex.Code);
    }

    [Fact]
    public void Decrypt_WhenPaddingIsOmitted_AcceptsToken()
    {
        var key = Key(1);
        var token = Fernet.Encrypt(key, "hello"u8, T0, Iv);

        Assert.Equal("hello"u8.ToArray(), Decrypt(key, token.TrimEnd('='), T0));
    }

    [Fact]
    public void Decrypt_WhenAgeIsExactlyTtl_Accepts()
    {
        var key = Key(1);
        var token = Fernet.Encrypt(key, "hello"u8, T0, Iv);

        Assert.Equal("hello"u8.ToArray(), Decrypt(key, token, T0.AddSeconds(60), TimeSpan.FromSeconds(60)));
        // Sub-second parts of now are floored, as the token's own timestamp is whole seconds.
        Assert.Equal("hello"u8.ToArray(), Decrypt(key, token, T0.AddSeconds(60.9), TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void Decrypt_WhenAgeExceedsTtl_FailsExpired()
    {
        var key = Key(1);
        var token = Fernet.Encrypt(key, "hello"u8, T0, Iv);

        var ex = Assert.Throws<FernetException>(() => Decrypt(key, token, T0.AddSeconds(61), TimeSpan.FromSeconds(60)));

        Assert.Equal(FernetErrorCodes.TokenExpired, ex.Code);
    }

    [Fact]
    public void Decrypt_WhenNoTtlGiven_AcceptsAnyAge()
    {
        var key = Key(1);
        var token = Fernet.Encrypt(key, "hello"u8, T0, Iv);

        Assert.Equal("hello"u8.ToArray(), Decrypt(key, token, T0.AddYears(30)));
    }

    [Fact]
    public void Decrypt_WhenTimestampIsWithinClockSkew_Accepts()
    {
        var key = Key(1);
        var token = Fernet.Encrypt(key, "hello"u8, T0, Iv);

        var plaintext = Fernet.Decrypt(key, token, T0.AddSeconds(-60), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));

        Assert.Equal("hello"u8.ToArray(), plaintext);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(null)]
    public void Decrypt_WhenTimestampIsBeyondClockSkew_FailsFromFuture(int? ttlSeconds)
    {
        var key = Key(1);
        var token = Fernet.Encrypt(key, "hello"u8, T0, Iv);
        TimeSpan? ttl = ttlSeconds is { } s ? TimeSpan.FromSeconds(s) : null;

        var ex = Assert.Throws<FernetException>(
            () => Fernet.Decrypt(key, token, T0.AddSeconds(-61), ttl, TimeSpan.FromSeconds(60)));

        Assert.Equal(FernetErrorCodes.TokenFromFuture, ex.Code);
    }

    [Fact]
    public void Decrypt_WhenTimestampIsMaximalUnsigned_FailsFromFutureWithoutOverflow()
    {
        var raw = RawKey(1);
        var bytes = Base64UrlCodec.TryDecode(Fernet.Encrypt(FernetKey.FromBytes(raw), "hello"u8, T0, Iv))!;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(1), ulong.MaxValue);
        Resign(raw, bytes);

        var ex = Assert.Throws<FernetException>(
            () => Fernet.Decrypt(FernetKey.FromBytes(raw), Base64UrlCodec.Encode(bytes), T0, TimeSpan.MaxValue, TimeSpan.MaxValue));

        Assert.Equal(FernetErrorCodes.TokenFromFuture, ex.Code);
    }

    [Fact]
    public void Decrypt_WhenTtlOrSkewIsNegative_ThrowsArgumentOutOfRange()
    {
        var key = Key(1);
        var token = Fernet.Encrypt(key, "hello"u8, T0, Iv);

        Assert.Throws<ArgumentOutOfRangeException>(() => Fernet.Decrypt(key, token, T0, TimeSpan.FromSeconds(-1), TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fernet.Decrypt(key, token, T0, null, TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Encrypt_WhenIvIsNot16Bytes_ThrowsArgument()
    {
        Assert.Throws<ArgumentException>(() => Fernet.Encrypt(Key(1), "hello"u8, T0, new byte[15]));
        Assert.Throws<ArgumentException>(() => Fernet.Encrypt(Key(1), "hello"u8, T0, new byte[17]));
    }

    [Fact]
    public void Encrypt_WhenNowIsBeforeUnixEpoch_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => Fernet.Encrypt(Key(1), "hello"u8, DateTimeOffset.UnixEpoch.AddSeconds(-1), Iv));
    }

    [Fact]
    public void Encrypt_WhenGivenSameInputs_IsDeterministicAndEmptyPlaintextRoundTrips()
    {
        var key = Key(1);

        var first = Fernet.Encrypt(key, ReadOnlySpan<byte>.Empty, T0, Iv);
        var second = Fernet.Encrypt(key, ReadOnlySpan<byte>.Empty, T0, Iv);

        Assert.Equal(first, second);
        Assert.Empty(Decrypt(key, first, T0));
    }

    [Fact]
    public void Decrypt_WhenRoundTrippingRandomInputs_ReturnsPlaintext()
    {
        var bytes = Gen.Choose(0, 255).Select(i => (byte)i);
        var cases =
            from rawKey in Gen.ArrayOf(bytes, 32)
            from iv in Gen.ArrayOf(bytes, 16)
            from plaintext in Gen.ArrayOf(bytes)
            from seconds in Gen.Choose(0, int.MaxValue)
            from ticks in Gen.Choose(0, (int)TimeSpan.TicksPerSecond - 1)
            select (rawKey, iv, plaintext, now: DateTimeOffset.UnixEpoch.AddSeconds(seconds * 117L).AddTicks(ticks));
        var tested = 0;

        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var key = FernetKey.FromBytes(c.rawKey);
            var token = Fernet.Encrypt(key, c.plaintext, c.now, c.iv);
            var viaRing = new MultiFernet([Key(7), key]).Decrypt(token, c.now, TimeSpan.Zero, TimeSpan.Zero);
            tested++;
            return Decrypt(key, token, c.now).AsSpan().SequenceEqual(c.plaintext) && viaRing.AsSpan().SequenceEqual(c.plaintext);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));

        output.WriteLine($"round-trip property: {tested} cases");
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a key")]
    [InlineData("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e")]
    [InlineData("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4AA")]
    [InlineData("cw/0x689RpI+jtRR7oE8h/eQsKImvJapLeSbXpwF4e4=")]
    public void Parse_WhenKeyIsNot32Base64UrlBytes_FailsKeyInvalidWithoutEchoingIt(string encoded)
    {
        var ex = Assert.Throws<FernetException>(() => FernetKey.Parse(encoded));

        Assert.Equal(FernetErrorCodes.KeyInvalid, ex.Code);
        if (encoded.Length > 0)
        {
            Assert.DoesNotContain(encoded, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_WhenKeyIsValid_ExportsSameTextAndHidesItInToString()
    {
        const string encoded = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";

        var key = FernetKey.Parse(encoded);
        var unpadded = FernetKey.Parse(encoded.TrimEnd('='));

        Assert.Equal(encoded, key.Export());
        Assert.Equal(key.Fingerprint, unpadded.Fingerprint);
        Assert.Equal(16, key.Fingerprint.Length);
        Assert.DoesNotContain(encoded.TrimEnd('='), key.ToString(), StringComparison.Ordinal);
        Assert.Equal($"FernetKey({key.Fingerprint})", key.ToString());
    }

    [Fact]
    public void FromBytes_WhenNot32Bytes_FailsKeyInvalid()
    {
        var ex = Assert.Throws<FernetException>(() => FernetKey.FromBytes(new byte[16]));

        Assert.Equal(FernetErrorCodes.KeyInvalid, ex.Code);
    }

    /// <summary>Recomputes the HMAC of a hand-edited token so that only the edited field is wrong.</summary>
    private static void Resign(byte[] rawKey, byte[] token) =>
        HMACSHA256.HashData(rawKey.AsSpan(0, 16), token.AsSpan(0, token.Length - 32), token.AsSpan(token.Length - 32));
}
