using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Slos;

internal sealed class SloOptions
{
    /// <summary>The SLO document (JSON, versioned with the deployment); relative paths resolve against the binary's folder.</summary>
    [ConfigurationKeyName("SLO_FILE")]
    public string File { get; set; } = "slos.json";

    /// <summary>How often burn rates are computed from the run table and alerts raised or cleared.</summary>
    [ConfigurationKeyName("SLO_EVALUATION_SECONDS")]
    [Range(1, 3600)]
    public int EvaluationSeconds { get; set; } = 30;

    /// <summary>Attempts per alert notification before the next evaluation tries again.</summary>
    [ConfigurationKeyName("SLO_WEBHOOK_ATTEMPTS")]
    [Range(1, 10)]
    public int WebhookAttempts { get; set; } = 3;

    /// <summary>First back-off between notification attempts (doubling).</summary>
    [ConfigurationKeyName("SLO_WEBHOOK_BACKOFF_MILLISECONDS")]
    [Range(1, 60_000)]
    public int WebhookBackoffMilliseconds { get; set; } = 500;
}
