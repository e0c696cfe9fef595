using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using ControlTower.Core.Errors;

namespace ControlTower.Server.Blobs;

/// <summary>Blobs as objects of one bucket (<c>S3_BUCKET</c>), named <c>blobs/</c> + <see cref="BlobKey.RelativePath"/>.</summary>
internal sealed class S3BlobStore(IAmazonS3 client, string bucket) : IBlobStore
{
    private const string Prefix = "blobs/";

    public string Name => BlobOptions.S3;

    public async Task PutAsync(BlobKey key, ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(content.ToArray(), writable: false);
        await Guard(() => client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = Prefix + key.RelativePath,
            InputStream = body,
            ContentType = mediaType,
            UseChunkEncoding = false
        }, cancellationToken));
    }

    public async Task<byte[]?> GetAsync(BlobKey key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetObjectAsync(bucket, Prefix + key.RelativePath, cancellationToken);
            using var buffer = new MemoryStream(response.ContentLength > 0 ? (int)response.ContentLength : 0);
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception missing) when (missing.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception failure) when (IsStoreFailure(failure))
        {
            throw Unavailable(failure);
        }
    }

    public Task DeleteAsync(BlobKey key, CancellationToken cancellationToken) =>
        Guard(() => client.DeleteObjectAsync(bucket, Prefix + key.RelativePath, cancellationToken));

    private async Task Guard<T>(Func<Task<T>> call)
    {
        try
        {
            await call();
        }
        catch (Exception failure) when (IsStoreFailure(failure))
        {
            throw Unavailable(failure);
        }
    }

    private static bool IsStoreFailure(Exception failure) => failure is AmazonServiceException or AmazonClientException or HttpRequestException;

    private ControlTowerException Unavailable(Exception failure) =>
        new(ErrorKind.Unavailable, BlobErrorCodes.StoreUnavailable, $"The S3 blob store (bucket '{bucket}') failed: {failure.Message}", failure);
}
