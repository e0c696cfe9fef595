using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Blobs;

/// <summary>Where large payloads live (<c>STORAGE_BACKEND</c>) and from what size a payload goes there instead of its row.</summary>
internal sealed class BlobOptions
{
    public const string Local = "local";
    public const string S3 = "s3";

    /// <summary><c>local</c> (a folder, the default) or <c>s3</c> (AWS S3 or an S3-compatible server).</summary>
    [ConfigurationKeyName("STORAGE_BACKEND")]
    public string Backend { get; set; } = Local;

    /// <summary>The local store's folder; default <c>DATA_DIR/blobs</c>.</summary>
    [ConfigurationKeyName("STORAGE_LOCAL_DIR")]
    public string? LocalDirectory { get; set; }

    [ConfigurationKeyName("S3_BUCKET")]
    public string? Bucket { get; set; }

    [ConfigurationKeyName("S3_REGION")]
    public string Region { get; set; } = "us-east-1";

    /// <summary>The service URL of an S3-compatible server (path-style addressing); empty means AWS itself.</summary>
    [ConfigurationKeyName("S3_ENDPOINT")]
    public string? Endpoint { get; set; }

    /// <summary>Static credentials; without them the AWS SDK's default chain (environment, profile, instance role) answers.</summary>
    [ConfigurationKeyName("S3_ACCESS_KEY_ID")]
    public string? AccessKeyId { get; set; }

    [ConfigurationKeyName("S3_SECRET_ACCESS_KEY")]
    public string? SecretAccessKey { get; set; }

    /// <summary>Run inputs, node outputs and webhook bodies larger than this (UTF-8 JSON bytes) are stored by reference.</summary>
    [ConfigurationKeyName("BLOB_THRESHOLD_BYTES")]
    [Range(256, 1L << 30)]
    public long ThresholdBytes { get; set; } = 64 * 1024;

    public bool UsesS3 => string.Equals(Backend, S3, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The backend's required settings, checked at start: a message that names each missing or bad one.</summary>
internal sealed class BlobOptionsValidation : IValidateOptions<BlobOptions>
{
    public ValidateOptionsResult Validate(string? name, BlobOptions options)
    {
        var failures = new List<string>();
        if (!string.Equals(options.Backend, BlobOptions.Local, StringComparison.OrdinalIgnoreCase) && !options.UsesS3)
        {
            failures.Add($"STORAGE_BACKEND must be '{BlobOptions.Local}' or '{BlobOptions.S3}', not '{options.Backend}'.");
        }

        if (options.UsesS3 && string.IsNullOrWhiteSpace(options.Bucket))
        {
            failures.Add("STORAGE_BACKEND=s3 needs S3_BUCKET (the bucket that holds the blobs).");
        }

        if (options.UsesS3 && !string.IsNullOrWhiteSpace(options.Endpoint) && !Uri.TryCreate(options.Endpoint, UriKind.Absolute, out _))
        {
            failures.Add($"S3_ENDPOINT must be an absolute URL, not '{options.Endpoint}'.");
        }

        if (string.IsNullOrEmpty(options.AccessKeyId) != string.IsNullOrEmpty(options.SecretAccessKey))
        {
            failures.Add("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both or neither.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
