using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Platform.Configuration;

/// <summary>Where and how the platform runs. Bound from flat environment-style keys.</summary>
internal sealed class PlatformOptions
{
    /// <summary><c>demo</c> (default), <c>development</c> or <c>production</c>.</summary>
    [ConfigurationKeyName("ENVIRONMENT")]
    [RegularExpression("^(?i)(demo|development|production)$", ErrorMessage = "ENVIRONMENT must be demo, development or production.")]
    public string Environment { get; set; } = "demo";

    /// <summary>Folder for the SQLite file, generated keys and the audit export (relative to the working directory).</summary>
    [ConfigurationKeyName("DATA_DIR")]
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Largest accepted request body in bytes.</summary>
    [ConfigurationKeyName("MAX_REQUEST_BODY_BYTES")]
    [Range(1024, 1L << 30)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    public RunMode Mode => Environment.ToUpperInvariant() switch
    {
        "PRODUCTION" => RunMode.Production,
        "DEVELOPMENT" => RunMode.Development,
        _ => RunMode.Demo,
    };

    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);
}
