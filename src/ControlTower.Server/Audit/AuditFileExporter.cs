using System.Globalization;
using System.Text;
using System.Text.Json;
using ControlTower.Core.Errors;
using ControlTower.Server.Blobs;
using ControlTower.Server.Platform.Configuration;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Audit;

/// <summary>
/// Copies the audit log to JSONL files in <c>AUDIT_LOG_DIR</c>, one entry per line, starting a new
/// file (<c>audit-{first sequence}.jsonl</c>) once the current one reaches <c>AUDIT_MAX_SIZE_MB</c>.
/// Every file but the newest is full: <see cref="AuditArchiver"/> gzips it into the blob store and deletes it.
/// The newest file's last line (or, when no file holds an entry, the last archived one) is the cursor, so a
/// restart continues where it stopped and nothing is written twice or skipped.
/// </summary>
internal sealed partial class AuditFileExporter(
    AuditQueries queries,
    AuditArchiver archiver,
    IOptions<AuditOptions> audit,
    IOptions<PlatformOptions> platform,
    TimeProvider time,
    ILogger<AuditFileExporter> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions LineOptions = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim _exporting = new(1, 1);

    public string Directory => audit.Value.LogDirectory is { Length: > 0 } dir
        ? Path.GetFullPath(dir)
        : Path.Combine(platform.Value.DataDirectoryFullPath, "audit");

    /// <summary>The sequence of the last entry in the files, once an export has run: what the health check measures lag from.</summary>
    public long? ExportedThrough { get; private set; }

    /// <summary>Writes every entry not yet exported; returns how many were written.</summary>
    public async Task<int> ExportPendingAsync(CancellationToken cancellationToken)
    {
        await _exporting.WaitAsync(cancellationToken);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var (file, lastSequence) = FindCursor();
            var archivedThrough = await archiver.ArchivedThroughAsync(cancellationToken);
            if (archivedThrough > lastSequence)
            {
                // The files end before the archives do (deleted after archiving, or another process's archives): never continue a file across a gap.
                (file, lastSequence) = (null, archivedThrough);
            }

            var written = 0;
            FileStream? stream = null;
            try
            {
                await foreach (var row in queries.ReadRowsAsync(lastSequence, cancellationToken))
                {
                    if (stream is null || stream.Length >= audit.Value.MaxFileSizeBytes)
                    {
                        // The newest file is continued while it has room; otherwise a new one is named after this entry.
                        var path = stream is null && file is not null && new FileInfo(file).Length < audit.Value.MaxFileSizeBytes
                            ? file
                            : Path.Combine(Directory, FileNameFor(row.Sequence));
                        if (stream is not null)
                        {
                            await stream.DisposeAsync();
                        }

                        stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
                    }

                    var line = JsonSerializer.Serialize(AuditMapping.ToResponse(row), LineOptions) + "\n";
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
                    written++;
                    lastSequence = row.Sequence;
                }
            }
            finally
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync();
                }
            }

            ExportedThrough = lastSequence;
            if (written > 0)
            {
                Log.Exported(logger, written, Directory);
            }

            await ArchiveFullFilesAsync(cancellationToken);
            return written;
        }
        finally
        {
            _exporting.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(audit.Value.ExportIntervalSeconds), time);
        do
        {
            try
            {
                await ExportPendingAsync(stoppingToken);
            }
            catch (IOException exception)
            {
                Log.ExportFailed(logger, exception, Directory);
            }
            catch (ControlTowerException exception) when (exception.Code == BlobErrorCodes.StoreUnavailable)
            {
                Log.ArchiveFailed(logger, exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Every file but the newest was rotated, so it is full: archived (or, when it does not verify, kept and logged).</summary>
    private async Task ArchiveFullFilesAsync(CancellationToken cancellationToken)
    {
        var files = System.IO.Directory.GetFiles(Directory, "audit-*.jsonl").Order(StringComparer.Ordinal).ToList();
        foreach (var full in files.SkipLast(1))
        {
            await archiver.ArchiveAsync(full, cancellationToken);
        }
    }

    public static string FileNameFor(long firstSequence) =>
        string.Create(CultureInfo.InvariantCulture, $"audit-{firstSequence:D12}.jsonl");

    private (string? File, long LastSequence) FindCursor()
    {
        var files = System.IO.Directory.GetFiles(Directory, "audit-*.jsonl").Order(StringComparer.Ordinal).ToList();
        for (var i = files.Count - 1; i >= 0; i--)
        {
            TrimTornTail(files[i]);
            var lastLine = File.ReadLines(files[i]).LastOrDefault(line => line.Length > 0);
            if (lastLine is not null)
            {
                using var document = JsonDocument.Parse(lastLine);
                return (files[^1], document.RootElement.GetProperty("sequence").GetInt64());
            }
        }

        return (files.LastOrDefault(), 0);
    }

    /// <summary>A crash mid-write can leave a partial last line; cut it so the entry is written again whole.</summary>
    private static void TrimTornTail(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var length = stream.Length;
        while (length > 0)
        {
            stream.Position = length - 1;
            if (stream.ReadByte() == '\n')
            {
                break;
            }

            length--;
        }

        stream.SetLength(length);
    }
}
