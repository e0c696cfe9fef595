using ControlTower.Core.Triggers;

namespace ControlTower.Core.Tests.Triggers;

public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_test";
    private const string Body = """{"a":1}""";
    private const long Timestamp = 1_700_000_000;
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(Timestamp + 10);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    [Fact]
    public void Sign_WhenKnownVector_MatchesIndependentHmac()
    {
        // python3: hmac.new(b'whsec_test', b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        Assert.Equal("38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789", WebhookSignature.Sign(Secret, Timestamp, Body));
    }

    [Theory]
    [InlineData("38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789")]
    [InlineData("sha256=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789")]
    [InlineData("SHA256=38877139021993B830AF32FEEA6E18A8DA83EB2F6E49EE50BD9E4CF4CA4D3789")]
    [InlineData(" 38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789 ")]
    public void Verify_WhenSignatureMatches_ReturnsTimestampAndSignature(string header)
    {
        var verified = WebhookSignature.Verify(Secret, "1700000000", header, Body, Now, Window);

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Timestamp), verified.Timestamp);
        Assert.Equal("38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789", verified.Signature);
    }

    [Fact]
    public void Verify_WhenBodyIsBytes_SignsTheRawBytes()
    {
        var body = new byte[] { 0xff, 0x00, 0x7b };
        var signature = WebhookSignature.Sign(Secret, Timestamp, body);

        var verified = WebhookSignature.Verify(Secret, "1700000000", signature, body, Now, Window);

        Assert.Equal(signature, verified.Signature);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha256=")]
    [InlineData("not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-")]
    [InlineData("38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d37")]
    [InlineData("38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3780")]
    public void Verify_WhenSignatureMissingMalformedOrWrong_ThrowsSignatureInvalid(string? header)
    {
        var error = Assert.Throws<TriggerException>(() => WebhookSignature.Verify(Secret, "1700000000", header, Body, Now, Window));

        Assert.Equal(TriggerErrorCodes.SignatureInvalid, error.Code);
    }

    [Fact]
    public void Verify_WhenBodyTampered_ThrowsSignatureInvalid()
    {
        var signature = WebhookSignature.Sign(Secret, Timestamp, Body);

        var error = Assert.Throws<TriggerException>(() => WebhookSignature.Verify(Secret, "1700000000", signature, """{"a":2}""", Now, Window));

        Assert.Equal(TriggerErrorCodes.SignatureInvalid, error.Code);
    }

    [Fact]
    public void Verify_WhenSignedWithAnotherSecret_ThrowsSignatureInvalid()
    {
        var signature = WebhookSignature.Sign("other-secret", Timestamp, Body);

        var error = Assert.Throws<TriggerException>(() => WebhookSignature.Verify(Secret, "1700000000", signature, Body, Now, Window));

        Assert.Equal(TriggerErrorCodes.SignatureInvalid, error.Code);
    }

    [Fact]
    public void Verify_WhenTimestampHeaderChangedToAFreshOne_ThrowsSignatureInvalid()
    {
        // A replayer cannot refresh the timestamp: it is part of what is signed.
        var signature = WebhookSignature.Sign(Secret, Timestamp, Body);
        var later = Now.AddHours(1);

        var error = Assert.Throws<TriggerException>(() => WebhookSignature.Verify(Secret,
            later.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), signature, Body, later, Window));

        Assert.Equal(TriggerErrorCodes.SignatureInvalid, error.Code);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(-301)]
    [InlineData(86_400)]
    public void Verify_WhenReplayedOutsideWindow_ThrowsTimestampOutsideWindow(int secondsFromSigning)
    {
        var signature = WebhookSignature.Sign(Secret, Timestamp, Body);
        var now = DateTimeOffset.FromUnixTimeSeconds(Timestamp + secondsFromSigning);

        var error = Assert.Throws<TriggerException>(() => WebhookSignature.Verify(Secret, "1700000000", signature, Body, now, Window));

        Assert.Equal(TriggerErrorCodes.TimestampOutsideWindow, error.Code);
    }

    [Theory]
    [InlineData(300)]
    [InlineData(-300)]
    [InlineData(0)]
    public void Verify_WhenAtTheEdgeOfTheWindow_Accepts(int secondsFromSigning)
    {
        var signature = WebhookSignature.Sign(Secret, Timestamp, Body);

        var verified = WebhookSignature.Verify(Secret, "1700000000", signature, Body, DateTimeOffset.FromUnixTimeSeconds(Timestamp + secondsFromSigning), Window);

        Assert.Equal(signature, verified.Signature);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999")]
    public void Verify_WhenTimestampMissingOrNotUnixSeconds_ThrowsTimestampInvalid(string? header)
    {
        var error = Assert.Throws<TriggerException>(() => WebhookSignature.Verify(Secret, header, WebhookSignature.Sign(Secret, Timestamp, Body), Body, Now, Window));

        Assert.Equal(TriggerErrorCodes.TimestampInvalid, error.Code);
    }

    [Fact]
    public void Verify_WhenSignatureInvalidAndTimestampStale_ReportsSignatureFirst()
    {
        var error = Assert.Throws<TriggerException>(() => WebhookSignature.Verify(Secret, "1700000000", new string('0', 64), Body, Now.AddDays(3), Window));

        Assert.Equal(TriggerErrorCodes.SignatureInvalid, error.Code);
    }
}
