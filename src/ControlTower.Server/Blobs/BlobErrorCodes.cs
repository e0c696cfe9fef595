using ControlTower.Core.Errors;

namespace ControlTower.Server.Blobs;

/// <summary>Stable codes of the blob store.</summary>
internal static class BlobErrorCodes
{
    /// <summary>The run does not refer to a blob with that content hash (or the hash is not 64 lower-case hex characters).</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string NotFound = "blob.not_found";

    /// <summary>A row refers to a blob the store no longer has (deleted by hand, or the store was switched).</summary>
    [ErrorCode(ErrorKind.Unavailable, ErrorSurface.RunError | ErrorSurface.Report)]
    public const string Missing = "blob.missing";

    /// <summary>The blob store did not answer or refused (S3 unreachable, a full or read-only disk). Retryable.</summary>
    [ErrorCode(ErrorKind.Unavailable, ErrorSurface.RunError | ErrorSurface.Report)]
    public const string StoreUnavailable = "blob.store_unavailable";

    /// <summary>The store handed back bytes whose SHA-256 is not the blob's key (damaged or replaced).</summary>
    [ErrorCode(ErrorKind.Unavailable, ErrorSurface.RunError | ErrorSurface.Report)]
    public const string Corrupt = "blob.corrupt";
}
