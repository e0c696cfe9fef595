using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Configuration;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Blobs;

internal static class BlobServiceCollectionExtensions
{
    /// <summary>The blob store <c>STORAGE_BACKEND</c> names (validated at start) and the payload offloading on top of it.</summary>
    public static IServiceCollection AddBlobStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BlobOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<BlobOptions>, BlobOptionsValidation>();
        services.AddSingleton<BlobMetrics>();
        services.AddSingleton<IBlobStore>(provider => Create(
            provider.GetRequiredService<IOptions<BlobOptions>>().Value,
            provider.GetRequiredService<IOptions<PlatformOptions>>().Value));
        services.AddSingleton<StoredBlobs>();
        services.AddSingleton<PayloadBlobs>();
        return services;
    }

    /// <summary><c>GET /api/runs/{id}/blobs/{sha256}</c>: a payload the run refers to, loaded on demand (the run view's "load").</summary>
    public static IEndpointRouteBuilder MapBlobEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/runs/{id:guid}/blobs/{sha256}", async (Guid id, string sha256, PayloadBlobs blobs, CancellationToken ct) =>
        {
            var (content, mediaType) = await blobs.ReadForRunAsync(id, sha256, ct);
            return TypedResults.Bytes(content, mediaType);
        }).RequireAuthorization(Policies.Readers).WithTags("Runs")
            .Produces<System.Text.Json.Nodes.JsonNode>(StatusCodes.Status200OK, "application/json");
        return routes;
    }

    private static IBlobStore Create(BlobOptions options, PlatformOptions platform)
    {
        if (!options.UsesS3)
        {
            return new LocalBlobStore(options.LocalDirectory is { Length: > 0 } dir ? dir : Path.Combine(platform.DataDirectoryFullPath, "blobs"));
        }

        var config = new AmazonS3Config { RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region) };
        if (options.Endpoint is { Length: > 0 } endpoint)
        {
            // S3-compatible servers (MinIO, s3rver, Ceph) address buckets by path, not by subdomain.
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = options.Region;
            // Many compatible servers do not take the SDK's default trailing checksums (aws-chunked bodies).
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        var client = options.AccessKeyId is { Length: > 0 } id
            ? new AmazonS3Client(new BasicAWSCredentials(id, options.SecretAccessKey), config)
            : new AmazonS3Client(config);
        return new S3BlobStore(client, options.Bucket!);
    }
}
