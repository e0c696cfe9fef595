using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Platform.Configuration;

internal sealed class TelemetryOptions
{
    /// <summary>OTLP endpoint; metrics and traces are exported only when set.</summary>
    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_ENDPOINT")]
    public string? OtlpEndpoint { get; set; }

    [ConfigurationKeyName("OTEL_SERVICE_NAME")]
    public string ServiceName { get; set; } = "controltower";
}
