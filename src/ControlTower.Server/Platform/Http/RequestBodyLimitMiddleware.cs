using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Platform.Http;

/// <summary>
/// Refuses bodies over <c>MAX_REQUEST_BODY_BYTES</c> up front when the length is declared, and caps
/// streamed bodies through the server's own limit (Kestrel then fails the read with 413).
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<PlatformOptions> platform)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = platform.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            throw new ControlTowerException(ErrorKind.PayloadTooLarge, ErrorCodes.BodyTooLarge,
                $"The request body is {context.Request.ContentLength} bytes; the limit is {limit}.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        return next(context);
    }
}
