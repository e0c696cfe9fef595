using System.Text.Json;
using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Observability;
using ControlTower.Server.Platform.Persistence;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace ControlTower.Server.Platform.Errors;

/// <summary>Turns every exception that reaches the pipeline into a ProblemDetails with a stable code.</summary>
internal sealed partial class ControlTowerExceptionHandler(
    IProblemDetailsService problemDetails,
    PlatformMetrics metrics,
    ILogger<ControlTowerExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            Log.RequestAborted(logger, httpContext.Request.Path);
            return true;
        }

        var problem = Describe(exception);
        if (problem.Status >= StatusCodes.Status500InternalServerError)
        {
            Log.UnhandledException(logger, exception, httpContext.Request.Path);
        }

        metrics.RecordError((string)problem.Extensions["code"]!);
        httpContext.Response.StatusCode = problem.Status!.Value;
        if (problem.Extensions["code"] is ErrorCodes.DatabaseUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static ProblemDetails Describe(Exception exception) => exception switch
    {
        ControlTowerException known => Problem(ErrorCodes.StatusFor(known.Kind), known.Code, known.Message, known.Details),
        BadHttpRequestException { InnerException: JsonException json } =>
            Problem(StatusCodes.Status400BadRequest, ErrorCodes.MalformedJson, DescribeJson(json), JsonPosition(json)),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            Problem(StatusCodes.Status413PayloadTooLarge, ErrorCodes.BodyTooLarge, "The request body is larger than the configured limit."),
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
            Problem(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Send the body as application/json."),
        BadHttpRequestException bad => Problem(bad.StatusCode, ErrorCodes.ForStatus(bad.StatusCode), bad.Message),
        _ when UniqueViolations.ConflictCode(exception) is { } conflict =>
            Problem(StatusCodes.Status409Conflict, conflict, "A concurrent request created or changed the same resource first; reload and try again."),
        _ when DatabaseOutages.IsOutage(exception) =>
            Problem(StatusCodes.Status503ServiceUnavailable, ErrorCodes.DatabaseUnavailable, "The database cannot be reached right now; try again shortly."),
        _ => Problem(StatusCodes.Status500InternalServerError, ErrorCodes.Internal, "An unexpected error occurred; the trace id identifies it in the logs."),
    };

    // JsonException messages name the path and the expected type, never the offending value.
    private static string DescribeJson(JsonException json) =>
        json.Path is null ? "The request body is not valid JSON." : $"The request body is not valid here: {json.Message}";

    private static Dictionary<string, object?>? JsonPosition(JsonException json) => json.LineNumber is { } line
        ? new Dictionary<string, object?> { ["line"] = line + 1, ["column"] = (json.BytePositionInLine ?? 0) + 1, ["path"] = json.Path }
        : null;

    private static ProblemDetails Problem(int status, string code, string detail, IReadOnlyDictionary<string, object?>? details = null)
    {
        var problem = new ProblemDetails { Status = status, Title = TitleFor(status), Detail = detail };
        problem.Extensions["code"] = code;
        foreach (var (key, value) in details ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    private static string TitleFor(int status) => status switch
    {
        400 => "Bad request",
        401 => "Authentication required",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        429 => "Too many requests",
        503 => "Service unavailable",
        504 => "Timed out",
        _ => "Server error",
    };
}
