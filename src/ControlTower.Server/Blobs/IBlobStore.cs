namespace ControlTower.Server.Blobs;

/// <summary>Content-addressed bytes: a local folder or an S3 bucket (<c>STORAGE_BACKEND</c>). Writing the same key twice is harmless.</summary>
internal interface IBlobStore
{
    /// <summary>Backend name for health and logs (<c>local</c>, <c>s3</c>).</summary>
    string Name { get; }

    Task PutAsync(BlobKey key, ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken);

    /// <summary>The blob's bytes, or null when the store has no such blob.</summary>
    Task<byte[]?> GetAsync(BlobKey key, CancellationToken cancellationToken);

    /// <summary>Removes the blob; a missing blob is not an error.</summary>
    Task DeleteAsync(BlobKey key, CancellationToken cancellationToken);
}
