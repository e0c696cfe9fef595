using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ControlTower.Core.Crypto;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Credentials;

/// <summary>How far a rotation has come: credentials re-encrypted (or found current meanwhile) of those that needed it.</summary>
internal sealed record CredentialRotationProgress(int Done, int Total);

/// <summary>
/// The outcome of a rotation. <see cref="Unreadable"/> rows are under no configured key: they were
/// left as they are (the old key must not be retired while it is not zero).
/// </summary>
internal sealed record CredentialRotationResult(string KeyFingerprint, int Total, int Rotated, int AlreadyCurrent, int Unreadable, int Batches);

/// <summary>
/// Re-encrypts every credential not yet under the newest key of <c>CREDENTIAL_KEYS</c>. The workflow:
/// put the new key first (keep the old one after it), run this, then drop the old key.
/// </summary>
/// <remarks>
/// Which rows need work is decided per row by <see cref="MultiFernet.KeyIndexOf"/> (HMAC only, no
/// decryption), so a rerun after an interruption simply continues with what is left. Each batch is
/// its own transaction together with its <c>credential.keys_rotated</c> audit entry (counts and key
/// fingerprint, no secrets). The token column is a concurrency token: a batch that races an update
/// of one of its rows is rolled back and redone on fresh rows.
/// </remarks>
internal sealed partial class CredentialRotation(
    IDbContextFactory<ControlTowerDbContext> contexts,
    CredentialKeyRing keyRing,
    AuditLog audit,
    TimeProvider time,
    IOptions<CredentialOptions> options,
    ILogger<CredentialRotation> logger)
{
    public const string Action = "credential.keys_rotated";
    private const int BatchAttempts = 3;

    public async Task<CredentialRotationResult> RotateAsync(string actor, IProgress<CredentialRotationProgress>? progress, CancellationToken cancellationToken)
    {
        var keys = keyRing.Keys;
        var (pending, unreadable) = await FindPendingAsync(keys, cancellationToken);
        if (unreadable > 0)
        {
            Log.Unreadable(logger, unreadable);
        }

        var rotated = 0;
        var current = 0;
        var batches = 0;
        progress?.Report(new CredentialRotationProgress(0, pending.Count));
        foreach (var batch in pending.Chunk(options.Value.RotationBatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (batchRotated, batchCurrent) = await RotateBatchWithRetryAsync(keys, actor, batch, rotated + current, pending.Count, cancellationToken);
            rotated += batchRotated;
            current += batchCurrent;
            batches++;
            Log.Progress(logger, keys.Newest.Fingerprint, rotated + current, pending.Count);
            progress?.Report(new CredentialRotationProgress(rotated + current, pending.Count));
        }

        return new CredentialRotationResult(keys.Newest.Fingerprint, pending.Count, rotated, current, unreadable, batches);
    }

    /// <summary>Ids of rows under an older key, found by streaming every token once.</summary>
    private async Task<(List<Guid> Pending, int Unreadable)> FindPendingAsync(MultiFernet keys, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var pending = new List<Guid>();
        var unreadable = 0;
        var rows = db.Set<CredentialEntity>().AsNoTracking()
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .Select(c => new { c.Id, c.EncryptedData })
            .AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            switch (KeyIndex(keys, row.EncryptedData))
            {
                case null:
                    unreadable++;
                    break;
                case > 0:
                    pending.Add(row.Id);
                    break;
                default:
                    break;
            }
        }

        return (pending, unreadable);
    }

    private async Task<(int Rotated, int Current)> RotateBatchWithRetryAsync(
        MultiFernet keys, string actor, Guid[] ids, int doneBefore, int total, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RotateBatchAsync(keys, actor, ids, doneBefore, total, cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < BatchAttempts)
            {
                Log.BatchRetried(logger);
            }
        }
    }

    private async Task<(int Rotated, int Current)> RotateBatchAsync(
        MultiFernet keys, string actor, Guid[] ids, int doneBefore, int total, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<CredentialEntity>().Where(c => ids.Contains(c.Id)).ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        var rotated = 0;
        Span<byte> iv = stackalloc byte[Fernet.IvSizeInBytes];
        foreach (var row in rows)
        {
            // Re-checked on the fresh row: an update since the scan may have sealed it under the newest key.
            if (KeyIndex(keys, row.EncryptedData) is not > 0)
            {
                continue;
            }

            RandomNumberGenerator.Fill(iv);
            row.EncryptedData = keys.Rotate(row.EncryptedData, now, iv);
            row.KeyFingerprint = keys.Newest.Fingerprint;
            rotated++;
        }

        // Rows deleted since the scan count as done: there is nothing left to re-encrypt.
        var current = ids.Length - rotated;
        var counts = new JsonObject
        {
            ["keyFingerprint"] = keys.Newest.Fingerprint,
            ["rotated"] = rotated,
            ["alreadyCurrent"] = current,
            ["done"] = doneBefore + ids.Length,
            ["total"] = total,
        };
        await audit.CommitAsync(db, new AuditEvent(actor, Action, "credentials", "credentials re-encrypted under the newest key", counts), cancellationToken);
        return (rotated, current);
    }

    private static int? KeyIndex(MultiFernet keys, string token)
    {
        try
        {
            return keys.KeyIndexOf(token);
        }
        catch (FernetException)
        {
            return null;
        }
    }
}
