using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>
/// A fresh bucket on the s3rver that test.sh starts (CT_TEST_S3, its URL), emptied and removed afterwards. Without that
/// server the test fails: the S3 tests are never skipped silently.
/// </summary>
internal sealed class S3Bucket : IAsyncDisposable
{
    // s3rver's built-in account.
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private S3Bucket(string endpoint, string name, AmazonS3Client client)
    {
        Endpoint = endpoint;
        Name = name;
        Client = client;
    }

    public string Endpoint { get; }

    public string Name { get; }

    public AmazonS3Client Client { get; }

    /// <summary>The settings that point the server's blob store at this bucket.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["STORAGE_BACKEND"] = "s3",
        ["S3_BUCKET"] = Name,
        ["S3_ENDPOINT"] = Endpoint,
        ["S3_REGION"] = "us-east-1",
        ["S3_ACCESS_KEY_ID"] = AccessKey,
        ["S3_SECRET_ACCESS_KEY"] = SecretKey,
    };

    public static async Task<S3Bucket> CreateAsync()
    {
        var endpoint = Environment.GetEnvironmentVariable("CT_TEST_S3");
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            throw new InvalidOperationException("CT_TEST_S3 is not set: run the tests with ./test.sh, which starts s3rver on loopback and sets it.");
        }

        var client = new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
        var bucket = new S3Bucket(endpoint, $"ct-test-{Guid.NewGuid():N}", client);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket.Name });
        return bucket;
    }

    public async Task<List<string>> KeysAsync()
    {
        var listed = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Name });
        return listed.S3Objects?.Select(o => o.Key).ToList() ?? [];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in await KeysAsync())
        {
            await Client.DeleteObjectAsync(Name, key);
        }

        await Client.DeleteBucketAsync(Name);
        Client.Dispose();
    }
}
