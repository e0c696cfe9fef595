using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ControlTower.Core.Errors;

namespace ControlTower.Core.Triggers;

/// <summary>What a verified delivery was signed with; <see cref="Signature"/> (lower-case hex) identifies the delivery for duplicate detection within the window.</summary>
public sealed record WebhookVerification(DateTimeOffset Timestamp, string Signature);

/// <summary>
/// HMAC-SHA256 webhook signatures: the sender signs <c>"{timestamp}.{body}"</c> (timestamp in Unix
/// seconds, body as the raw request bytes) with the shared secret and sends the lower- or upper-case
/// hex digest, optionally prefixed <c>sha256=</c>, in the signature header and the timestamp in the
/// timestamp header. The timestamp bounds replays: a delivery older (or further in the future) than
/// the window is refused even with a valid signature. The signature is checked first, so an unsigned
/// caller learns nothing about the window.
/// </summary>
public static class WebhookSignature
{
    public const string Prefix = "sha256=";

    private const int DigestBytes = 32;

    /// <summary>The lower-case hex signature of <paramref name="body"/> at <paramref name="timestamp"/> (Unix seconds).</summary>
    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(Digest(secret, timestamp.ToString(CultureInfo.InvariantCulture), body));

    public static string Sign(string secret, long timestamp, string body) => Sign(secret, timestamp, Encoding.UTF8.GetBytes(body));

    /// <exception cref="TriggerException">
    /// <c>webhook.timestamp_invalid</c>, <c>webhook.signature_invalid</c> or <c>webhook.timestamp_outside_window</c>.
    /// </exception>
    public static WebhookVerification Verify(string secret, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan replayWindow)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentOutOfRangeException.ThrowIfLessThan(replayWindow, TimeSpan.Zero);
        var timestampText = timestampHeader?.Trim();
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new TriggerException(ErrorKind.Unauthorized, TriggerErrorCodes.TimestampInvalid, "The webhook timestamp header is missing or is not Unix seconds.");
        }

        var provided = DecodeSignature(signatureHeader);
        var expected = Digest(secret, timestampText!, body);
        if (provided is null || !CryptographicOperations.FixedTimeEquals(provided, expected))
        {
            throw new TriggerException(ErrorKind.Unauthorized, TriggerErrorCodes.SignatureInvalid, "The webhook signature is missing or does not match the body.");
        }

        var timestamp = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if ((now - timestamp).Duration() > replayWindow)
        {
            throw new TriggerException(ErrorKind.Unauthorized, TriggerErrorCodes.TimestampOutsideWindow,
                $"The webhook timestamp is more than {replayWindow.TotalSeconds:0} s away from the server's time.");
        }

        return new WebhookVerification(timestamp, Convert.ToHexStringLower(expected));
    }

    public static WebhookVerification Verify(string secret, string? timestampHeader, string? signatureHeader, string body, DateTimeOffset now, TimeSpan replayWindow) =>
        Verify(secret, timestampHeader, signatureHeader, Encoding.UTF8.GetBytes(body ?? ""), now, replayWindow);

    private static byte[] Digest(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(timestamp + "."));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    private static byte[]? DecodeSignature(string? header)
    {
        var text = header?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            text = text[Prefix.Length..];
        }

        if (text.Length != DigestBytes * 2)
        {
            return null;
        }

        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
