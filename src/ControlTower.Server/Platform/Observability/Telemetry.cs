using System.Diagnostics;
using ControlTower.Server.Platform.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ControlTower.Server.Platform.Observability;

/// <summary>
/// OTLP export of the ControlTower meters and activity sources, only when an endpoint is configured.
/// (The OpenTelemetry hosting package does not restore here, so the providers are built and owned directly.)
/// </summary>
internal sealed class Telemetry : IDisposable
{
    public static readonly ActivitySource Source = new("ControlTower");

    private readonly MeterProvider? _meters;
    private readonly TracerProvider? _tracer;

    public Telemetry(TelemetryOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint))
        {
            return;
        }

        var endpoint = new Uri(options.OtlpEndpoint);
        var resource = ResourceBuilder.CreateDefault().AddService(options.ServiceName);
        _meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(PlatformMetrics.MeterName + "*", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddOtlpExporter(exporter => exporter.Endpoint = endpoint)
            .Build();
        _tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(Source.Name + "*", "Microsoft.AspNetCore")
            .AddOtlpExporter(exporter => exporter.Endpoint = endpoint)
            .Build();
    }

    public bool Exporting => _meters is not null;

    public void Dispose()
    {
        _meters?.Dispose();
        _tracer?.Dispose();
    }
}
