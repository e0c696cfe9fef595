using ControlTower.Core.Errors;

namespace ControlTower.Server.Blobs;

/// <summary>
/// Blobs as files under one folder (<c>STORAGE_LOCAL_DIR</c>, default <c>DATA_DIR/blobs</c>), at <see cref="BlobKey.RelativePath"/>.
/// A blob is written to a temporary file and moved into place, so a reader never sees half of one.
/// </summary>
internal sealed class LocalBlobStore(string root) : IBlobStore
{
    public string Name => BlobOptions.Local;

    public string Root { get; } = Path.GetFullPath(root);

    public async Task PutAsync(BlobKey key, ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (File.Exists(path))
        {
            return;
        }

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(temporary, content, cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new ControlTowerException(ErrorKind.Unavailable, BlobErrorCodes.StoreUnavailable, $"The local blob store could not write blob {key}: {failure.Message}", failure);
        }
    }

    public async Task<byte[]?> GetAsync(BlobKey key, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(PathOf(key), cancellationToken);
        }
        catch (Exception missing) when (missing is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw new ControlTowerException(ErrorKind.Unavailable, BlobErrorCodes.StoreUnavailable, $"The local blob store could not read blob {key}: {failure.Message}", failure);
        }
    }

    public Task DeleteAsync(BlobKey key, CancellationToken cancellationToken)
    {
        try
        {
            File.Delete(PathOf(key));
        }
        catch (DirectoryNotFoundException)
        {
            // Never written (the write after its reference failed): nothing to delete.
        }

        return Task.CompletedTask;
    }

    // The key is 64 hex characters by construction, so the path stays under Root.
    private string PathOf(BlobKey key) => Path.Combine(Root, key.RelativePath);
}
