using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Operations;

internal sealed class OperationsOptions
{
    /// <summary>When set, <c>/metrics</c> answers a scraper holding this bearer key instead of a reader's API key.</summary>
    [ConfigurationKeyName("METRICS_SCRAPE_KEY")]
    [MinLength(16)]
    public string? MetricsScrapeKey { get; set; }

    /// <summary>How often queue depth, approvals waiting and trust stages are sampled from the database.</summary>
    [ConfigurationKeyName("OPS_SAMPLE_SECONDS")]
    [Range(1, 3600)]
    public int SampleSeconds { get; set; } = 5;

    /// <summary>How long the in-process rolling store keeps run outcomes (the largest summary window).</summary>
    [ConfigurationKeyName("OPS_ROLLING_HOURS")]
    [Range(1, 168)]
    public int RollingHours { get; set; } = 24;
}
