using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace ControlTower.Server.Platform.Errors;

internal static class ProblemDetailsSetup
{
    /// <summary>Every ProblemDetails the platform writes carries a stable <c>code</c> and the trace id.</summary>
    public static IServiceCollection AddControlTowerProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            problem.Extensions.TryAdd("code", ErrorCodes.ForStatus(status));
            problem.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
            problem.Instance ??= context.HttpContext.Features.Get<IHttpRequestFeature>()?.Path;
        });
        services.AddExceptionHandler<ControlTowerExceptionHandler>();
        return services;
    }
}
