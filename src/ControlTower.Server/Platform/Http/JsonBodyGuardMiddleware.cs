using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ControlTower.Server.Platform.Http;

/// <summary>
/// Reads a JSON request body once (within <c>MAX_REQUEST_BODY_BYTES</c>, declared or chunked), checks it with
/// <see cref="StrictJson"/> and hands the endpoint the buffered copy. Runs after authentication, so nobody without
/// a key makes the server buffer anything except on the anonymous webhook, whose body is buffered anyway.
/// </summary>
internal sealed class JsonBodyGuardMiddleware(RequestDelegate next, IOptions<PlatformOptions> platform, IOptions<InputOptions> input)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!IsJson(request.ContentType) || !HasBody(context))
        {
            await next(context);
            return;
        }

        if (!IsUtf8(request.ContentType))
        {
            // RFC 8259: JSON between systems is UTF-8; other charsets fail deep in the reader instead.
            throw new BadHttpRequestException("Send JSON as UTF-8 (charset=utf-8 or no charset).", StatusCodes.Status415UnsupportedMediaType);
        }

        var body = await ReadAsync(request.Body, request.ContentLength, platform.Value.MaxRequestBodyBytes, context.RequestAborted);
        // Only bodies an endpoint binds to a typed parameter are API input; webhook payloads are someone else's data.
        var apiBody = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is not null;
        StrictJson.Validate(body, input.Value, checkFreeText: apiBody);
        request.Body = new MemoryStream(body, writable: false);
        request.ContentLength = body.Length;
        await next(context);
    }

    public static bool IsJson(string? contentType)
    {
        var mediaType = contentType?.Split(';')[0].Trim() ?? "";
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsUtf8(string? contentType) =>
        !MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        || parsed.Charset.Length == 0
        || parsed.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
        || parsed.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);

    private static bool HasBody(HttpContext context) =>
        context.Request.ContentLength is > 0
        || (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true);

    /// <summary>A declared length within the limit is read straight into a buffer of that size; a chunked body in chunks, up to the limit.</summary>
    private static async Task<byte[]> ReadAsync(Stream body, long? declared, long limit, CancellationToken cancellationToken)
    {
        if (declared is { } length and > 0 && length <= limit)
        {
            var exact = new byte[length];
            await body.ReadExactlyAsync(exact, cancellationToken);
            return exact;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw TooLarge(limit);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public static ControlTowerException TooLarge(long limit) =>
        new(ErrorKind.PayloadTooLarge, ErrorCodes.BodyTooLarge, $"The request body is larger than the limit of {limit} bytes.");
}
