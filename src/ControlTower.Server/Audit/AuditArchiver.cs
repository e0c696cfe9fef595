using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Audit;
using ControlTower.Core.Errors;
using ControlTower.Server.Blobs;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Audit;

/// <summary>An archived export file as the API lists it: the stretch of the chain it holds, its sizes and hashes.</summary>
internal sealed record AuditArchiveResponse(Guid Id, string FileName, long FirstSequence, long LastSequence, long Entries, string PreviousHash,
    string LastHash, string Sha256, long Size, long ContentLength, DateTimeOffset ArchivedAt);

/// <summary>
/// Moves full audit export files off local disk: a rotated file is checked against the hash chain (its lines verify from
/// the hash before its first entry, and its last hash is the database's at that sequence), gzipped into the blob store
/// under the SHA-256 of the gzip, recorded in <c>audit_archives</c> with an <c>audit.archived</c> entry, and then deleted.
/// The bytes are written inside the transaction that records them, so no archive row names bytes the store lacks.
/// </summary>
internal sealed partial class AuditArchiver(
    IDbContextFactory<ControlTowerDbContext> contexts,
    StoredBlobs blobs,
    AuditLog audit,
    TimeProvider time,
    ILogger<AuditArchiver> logger)
{
    public const string Actor = "system:audit-archiver";
    private static readonly JsonSerializerOptions LineOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The last sequence any archive holds (0 without archives): an exporter whose files are gone resumes after it.</summary>
    public async Task<long> ArchivedThroughAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<AuditArchiveEntity>().MaxAsync(a => (long?)a.LastSequence, cancellationToken) ?? 0;
    }

    /// <summary>
    /// Archives a full export file and deletes it; a file an archive already covers (another process archived the same
    /// stretch) is only deleted. A file that does not verify against the chain is kept and logged, never archived.
    /// </summary>
    public async Task ArchiveAsync(string path, CancellationToken cancellationToken)
    {
        var content = await File.ReadAllBytesAsync(path, cancellationToken);
        if (content.Length == 0)
        {
            // Created, then the process stopped before its first line: nothing to keep.
            File.Delete(path);
            return;
        }

        if (Parse(content) is not { Count: > 0 } entries)
        {
            Log.FileInvalid(logger, path, "a line is not an audit entry");
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await ProblemAsync(db, entries, cancellationToken) is { } problem)
        {
            Log.FileInvalid(logger, path, problem);
            return;
        }

        var first = entries[0];
        var existing = await db.Set<AuditArchiveEntity>().AsNoTracking().SingleOrDefaultAsync(a => a.FirstSequence == first.Content.Sequence, cancellationToken);
        if (existing is null)
        {
            try
            {
                await RecordAsync(db, Path.GetFileName(path), content, entries, cancellationToken);
            }
            catch (DbUpdateException failure)
            {
                // Another process recorded the same stretch a moment ago: the next pass finds its archive and deletes the file.
                Log.NotArchivedYet(logger, path, failure.Message);
                return;
            }
        }
        else if (existing.LastSequence < entries[^1].Content.Sequence)
        {
            Log.FileInvalid(logger, path, $"archive {existing.Id} starts at the same entry but ends earlier, at {existing.LastSequence} (another AUDIT_MAX_SIZE_MB?)");
            return;
        }

        File.Delete(path);
    }

    public async Task<IReadOnlyList<AuditArchiveResponse>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<AuditArchiveEntity>().AsNoTracking().OrderBy(a => a.FirstSequence).ToListAsync(cancellationToken);
        return [.. rows.Select(ToResponse)];
    }

    /// <summary>The archive's gzipped JSONL, read back verified (<c>blob.missing</c>, <c>blob.corrupt</c>); <c>audit.archive_not_found</c> for an unknown id.</summary>
    public async Task<(byte[] Content, string FileName)> ReadAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<AuditArchiveEntity>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken)
            ?? throw new ControlTowerException(ErrorKind.NotFound, AuditErrorCodes.ArchiveNotFound, $"No audit archive {id}.");
        if (!BlobKey.TryParse(row.Sha256, out var key))
        {
            throw new ControlTowerException(ErrorKind.Unavailable, BlobErrorCodes.Corrupt, $"Audit archive {id} names no valid blob.");
        }

        return (await blobs.ReadVerifiedAsync(key, cancellationToken), row.FileName + ".gz");
    }

    private async Task RecordAsync(ControlTowerDbContext db, string fileName, byte[] content, List<ChainedAuditEntry> entries, CancellationToken cancellationToken)
    {
        var gzip = Gzip(content);
        var key = BlobKey.Of(gzip);
        var (first, last) = (entries[0], entries[^1]);
        var row = new AuditArchiveEntity
        {
            Id = Guid.NewGuid(),
            FileName = fileName,
            FirstSequence = first.Content.Sequence,
            LastSequence = last.Content.Sequence,
            PreviousHash = first.PreviousHash,
            LastHash = last.Hash,
            Sha256 = key.Hex,
            Size = gzip.LongLength,
            ContentLength = content.LongLength,
            ArchivedAt = time.GetUtcNow().UtcDateTime,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await StoredBlobs.RecordAsync(db, key, gzip.LongLength, StoredBlobs.Gzip, row.ArchivedAt, cancellationToken);
        db.Add(row);
        await audit.CommitAsync(db, new AuditEvent(Actor, "audit.archived", $"audit_archive:{row.Id}",
            $"export file {fileName} (entries {row.FirstSequence} to {row.LastSequence}) archived to the {blobs.Backend} blob store", new JsonObject
            {
                ["fileName"] = fileName,
                ["firstSequence"] = row.FirstSequence,
                ["lastSequence"] = row.LastSequence,
                ["lastHash"] = row.LastHash,
                ["sha256"] = row.Sha256,
                ["size"] = row.Size,
                ["contentLength"] = row.ContentLength,
            }), cancellationToken);
        await blobs.WriteAsync(key, gzip, StoredBlobs.Gzip, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.Archived(logger, fileName, row.FirstSequence, row.LastSequence, key.Hex, blobs.Backend);
    }

    /// <summary>Why the entries are not a true stretch of the chain, or null when they are.</summary>
    private static async Task<string?> ProblemAsync(ControlTowerDbContext db, List<ChainedAuditEntry> entries, CancellationToken cancellationToken)
    {
        var verification = AuditChain.Verify(entries, entries[0].PreviousHash, entries[0].Content.Sequence);
        if (verification.FirstBreak is { } broken)
        {
            return $"{broken.Problem} at entry {broken.Sequence}: {broken.Detail}";
        }

        var last = entries[^1];
        var stored = await db.AuditEntries.AsNoTracking().Where(e => e.Sequence == last.Content.Sequence).Select(e => e.Hash).SingleOrDefaultAsync(cancellationToken);
        return stored == last.Hash ? null : $"its last entry {last.Content.Sequence} does not hash as the database's does";
    }

    private static List<ChainedAuditEntry>? Parse(byte[] content)
    {
        try
        {
            return [.. Encoding.UTF8.GetString(content).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonSerializer.Deserialize<AuditEntryResponse>(line, LineOptions) ?? throw new JsonException("null line"))
                .Select(AuditMapping.FromResponse)];
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return buffer.ToArray();
    }

    private static AuditArchiveResponse ToResponse(AuditArchiveEntity a) => new(a.Id, a.FileName, a.FirstSequence, a.LastSequence,
        a.LastSequence - a.FirstSequence + 1, a.PreviousHash, a.LastHash, a.Sha256, a.Size, a.ContentLength, new DateTimeOffset(a.ArchivedAt, TimeSpan.Zero));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Audit export file {FileName} (entries {First} to {Last}) archived as blob {Sha256} in the {Store} store and deleted")]
        public static partial void Archived(ILogger logger, string fileName, long first, long last, string sha256, string store);

        [LoggerMessage(2, LogLevel.Error, "Audit export file {Path} is kept, not archived: {Problem}")]
        public static partial void FileInvalid(ILogger logger, string path, string problem);

        [LoggerMessage(3, LogLevel.Warning, "Audit export file {Path} was not archived this time, the next export tries again: {Reason}")]
        public static partial void NotArchivedYet(ILogger logger, string path, string reason);
    }
}
