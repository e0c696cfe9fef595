using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Platform.Http;

/// <summary>
/// Refuses bodies over <c>MAX_REQUEST_BODY_BYTES</c> up front when the length is declared. A streamed (chunked)
/// body is counted as it is read instead, so passing the limit is a 413 <c>request.body_too_large</c> wherever
/// it is read, rather than the server's own read failure that model binding reports as a 400.
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

        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            // The counting stream enforces the same limit with our own error; the server's check would only race it.
            if (feature is { IsReadOnly: false })
            {
                feature.MaxRequestBodySize = null;
            }

            context.Request.Body = new LimitedRequestStream(context.Request.Body, limit);
        }
        else if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }

        return next(context);
    }
}
