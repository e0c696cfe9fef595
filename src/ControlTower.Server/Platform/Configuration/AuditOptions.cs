using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Platform.Configuration;

internal sealed class AuditOptions
{
    /// <summary>Folder of the JSONL audit export; default <c>DATA_DIR/audit</c>.</summary>
    [ConfigurationKeyName("AUDIT_LOG_DIR")]
    public string? LogDirectory { get; set; }

    /// <summary>Size at which an export file is closed and a new one started.</summary>
    [ConfigurationKeyName("AUDIT_MAX_SIZE_MB")]
    [Range(0.001, 10_000)]
    public double MaxFileSizeMegabytes { get; set; } = 10;

    /// <summary>How often new entries are appended to the export.</summary>
    [ConfigurationKeyName("AUDIT_EXPORT_INTERVAL_SECONDS")]
    [Range(0.1, 3600)]
    public double ExportIntervalSeconds { get; set; } = 5;

    public long MaxFileSizeBytes => (long)(MaxFileSizeMegabytes * 1024 * 1024);
}
