using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Blobs;

/// <summary>
/// The blob store as every feature uses it: bytes written under their hash and counted, read back only when they still
/// hash to their key (<c>blob.missing</c>, <c>blob.corrupt</c> otherwise), and the <c>blobs</c> row that the pruner reads.
/// Run payloads (<see cref="PayloadBlobs"/>), trained trust models and audit archives all go through it.
/// </summary>
internal sealed class StoredBlobs(IBlobStore store, BlobMetrics metrics)
{
    public const string Json = BlobReference.Json;
    public const string Gzip = "application/gzip";

    public string Backend => store.Name;

    public async Task WriteAsync(BlobKey key, byte[] content, string mediaType, CancellationToken cancellationToken)
    {
        await store.PutAsync(key, content, mediaType, cancellationToken);
        metrics.Stored(store.Name, content.LongLength);
    }

    /// <summary>The blob's bytes, checked against their hash: a store that lost or damaged a blob is an error, never wrong data.</summary>
    public async Task<byte[]> ReadVerifiedAsync(BlobKey key, CancellationToken cancellationToken)
    {
        var bytes = await store.GetAsync(key, cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.Unavailable, BlobErrorCodes.Missing, $"Blob {key} is referenced but missing from the {store.Name} store.");
        if (BlobKey.Of(bytes) != key)
        {
            throw new ControlTowerException(ErrorKind.Unavailable, BlobErrorCodes.Corrupt, $"Blob {key} in the {store.Name} store does not match its hash ({bytes.Length} bytes read).");
        }

        metrics.Loaded(store.Name, bytes.Length);
        return bytes;
    }

    /// <summary>
    /// Inserts the blob's row or bumps its <see cref="BlobEntity.LastReferencedAt"/>, through the caller's transaction, so a
    /// pruner that runs before it commits either does not know the blob yet or waits on the row and then sees it referenced.
    /// </summary>
    public static async Task RecordAsync(ControlTowerDbContext db, BlobKey key, long size, string mediaType, DateTime now, CancellationToken cancellationToken)
    {
        if (db.IsMySql)
        {
            // MySQL has no ON CONFLICT, and quotes names with backticks.
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO blobs (`Sha256`, `Size`, `MediaType`, `CreatedAt`, `LastReferencedAt`) VALUES ({key.Hex}, {size}, {mediaType}, {now}, {now})
                ON DUPLICATE KEY UPDATE `LastReferencedAt` = VALUES(`LastReferencedAt`)
                """,
                cancellationToken);
            return;
        }

        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO blobs ("Sha256", "Size", "MediaType", "CreatedAt", "LastReferencedAt") VALUES ({key.Hex}, {size}, {mediaType}, {now}, {now})
            ON CONFLICT ("Sha256") DO UPDATE SET "LastReferencedAt" = excluded."LastReferencedAt"
            """,
            cancellationToken);
    }
}
