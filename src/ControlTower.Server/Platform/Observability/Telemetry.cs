using System.Diagnostics;
using ControlTower.Server.Platform.Configuration;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ControlTower.Server.Platform.Observability;

/// <summary>
/// OpenTelemetry through the hosting package: the ControlTower meters, ASP.NET Core, HttpClient and runtime
/// metrics are always collected for the Prometheus scrape endpoint (<c>/metrics</c>, <see cref="MetricsScrapeEndpoint"/>);
/// with an OTLP endpoint configured, metrics and traces (ours, ASP.NET Core, HttpClient, EF Core, Npgsql) are also pushed.
/// </summary>
internal static class Telemetry
{
    public static readonly ActivitySource Source = new("ControlTower");

    /// <summary>Every meter the platform's features create: "ControlTower", "ControlTower.Engine", "ControlTower.Mcp", ...</summary>
    public const string MeterPattern = "ControlTower*";

    public static IServiceCollection AddControlTowerTelemetry(this IServiceCollection services, TelemetryOptions options)
    {
        var otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(MeterPattern)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddPrometheusExporter();
                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(exporter => exporter.Endpoint = otlp);
                }
            });
        if (otlp is not null)
        {
            // Spans are only worth recording when they leave the process.
            telemetry.WithTracing(tracing => tracing
                .AddSource(Source.Name + "*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter(exporter => exporter.Endpoint = otlp));
        }

        return services;
    }
}
