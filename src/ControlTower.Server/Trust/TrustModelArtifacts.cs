using System.Collections.Concurrent;
using ControlTower.Core.Errors;
using ControlTower.Core.Trust.Learning;
using ControlTower.Server.Blobs;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Trust.Learning;

namespace ControlTower.Server.Trust;

/// <summary>Where a stored model's bytes are: a blob (<see cref="Sha256"/>), or inline on a row trained before models moved to the blob store.</summary>
internal sealed record StoredModelArtifact(string Version, string? Sha256, byte[]? Inline);

/// <summary>
/// Why a model version could not be loaded: a blob code (<c>blob.missing</c>, <c>blob.corrupt</c>,
/// <c>blob.store_unavailable</c>) or <c>trust.model_invalid</c> (bytes that do not load as a model).
/// </summary>
internal sealed record TrustModelLoadError(string Code, string Message, DateTimeOffset At);

/// <summary>
/// Trained models' bytes in the blob store, under their SHA-256: recorded with the model's row (the <c>blobs</c> row the
/// pruner reads), written before that row commits, and read back verified. A model whose bytes are missing, damaged or
/// unreadable is not loaded: its kind falls back to the predictor's cold-start prior, and the error is logged and kept
/// for the model listing until a later load succeeds.
/// </summary>
internal sealed partial class TrustModelArtifacts(StoredBlobs blobs, TimeProvider time, ILogger<TrustModelArtifacts> logger)
{
    /// <summary>A model's bytes are UTF-8 JSON in the <c>controltower.trust-model/1</c> format.</summary>
    public const string MediaType = "application/vnd.controltower.trust-model+json";

    private readonly ConcurrentDictionary<string, TrustModelLoadError> _errors = new(StringComparer.Ordinal);

    /// <summary>The error of this process's last failed load of the version, if its last load failed.</summary>
    public TrustModelLoadError? ErrorOf(string version) => _errors.GetValueOrDefault(version);

    /// <summary>Points the row at its blob and records the blob's row through the caller's transaction; <see cref="WriteAsync"/> before it commits.</summary>
    public async Task<BlobKey> AttachAsync(ControlTowerDbContext db, TrustModelEntity row, byte[] bytes, CancellationToken cancellationToken)
    {
        var key = BlobKey.Of(bytes);
        (row.Artifact, row.ArtifactSha256, row.ArtifactSize, row.ArtifactMediaType) = (null, key.Hex, bytes.LongLength, MediaType);
        await StoredBlobs.RecordAsync(db, key, bytes.LongLength, MediaType, time.GetUtcNow().UtcDateTime, cancellationToken);
        return key;
    }

    public Task WriteAsync(BlobKey key, byte[] bytes, CancellationToken cancellationToken) => blobs.WriteAsync(key, bytes, MediaType, cancellationToken);

    /// <summary>The stored model, or null (error recorded and logged) when its bytes cannot be read, verified or parsed.</summary>
    public async Task<TrustModel?> TryLoadAsync(StoredModelArtifact stored, CancellationToken cancellationToken)
    {
        try
        {
            var model = TrustModel.Load(await BytesAsync(stored, cancellationToken));
            _errors.TryRemove(stored.Version, out _);
            return model;
        }
        catch (ControlTowerException failure) when (failure is TrustModelException || failure.Code is BlobErrorCodes.Missing or BlobErrorCodes.Corrupt or BlobErrorCodes.StoreUnavailable)
        {
            return Failed(stored, failure.Code, failure.Message);
        }
    }

    private async Task<byte[]> BytesAsync(StoredModelArtifact stored, CancellationToken cancellationToken)
    {
        if (stored.Sha256 is null)
        {
            return stored.Inline ?? throw new TrustModelException($"Model {stored.Version} has neither a blob nor inline bytes.");
        }

        return BlobKey.TryParse(stored.Sha256, out var key)
            ? await blobs.ReadVerifiedAsync(key, cancellationToken)
            : throw new ControlTowerException(ErrorKind.Unavailable, BlobErrorCodes.Corrupt, $"Model {stored.Version} names no valid blob ('{stored.Sha256}').");
    }

    private TrustModel? Failed(StoredModelArtifact stored, string code, string message)
    {
        _errors[stored.Version] = new TrustModelLoadError(code, message, time.GetUtcNow());
        Log.ModelUnavailable(logger, stored.Version, code, message);
        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9415, Level = LogLevel.Error,
            Message = "Trust model {Version} could not be loaded ({Code}): {Message}; its kind uses the cold-start prior until it loads")]
        public static partial void ModelUnavailable(ILogger logger, string version, string code, string message);
    }
}
