using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using PutObjectRequest = Amazon.S3.Model.PutObjectRequest;
using ControlTower.Core.Trust;
using ControlTower.Server.Blobs;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Retention;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Trust;
using ControlTower.Server.Trust;
using ControlTower.Server.Trust.Learning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlTower.Server.Tests.Blobs;

/// <summary>
/// Trained trust models in the blob store, on both backends (a local folder, and a bucket on s3rver): the row keeps the
/// reference, a fresh load reads and verifies the blob and predicts exactly as the trained model did, a damaged or lost
/// blob leaves that kind on its cold-start prior with a typed error, and the pruner keeps a model's blob while its row exists.
/// </summary>
public sealed class TrustModelBlobTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly object Scope = new { tenant = "t1", site = "s1", queue = "refill", actionType = "pharmacy.dispense", role = "pharmacist" };

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task TrainedModel_RoundTripsThroughTheStore_PredictsIdenticallyAndItsBlobIsPrunedOnlyWithItsRow(string backend)
    {
        await using var bucket = backend == "s3" ? await S3Bucket.CreateAsync() : null;
        using var factory = new ControlTowerFactory(Settings(bucket));
        using var admin = factory.CreateAdminClient();
        var models = await TrainAsync(factory, admin);
        var before = Predictions(factory);

        // Every row names a blob, holds no inline bytes, and the blob is in the backend under its hash.
        await using (var db = await Db(factory))
        {
            foreach (var row in models)
            {
                Assert.Null(row.Artifact);
                Assert.Equal(TrustModelArtifacts.MediaType, row.ArtifactMediaType);
                Assert.True(await BlobExistsAsync(factory, bucket, row.ArtifactSha256!), row.ArtifactSha256);
                var blob = await db.Set<BlobEntity>().SingleAsync(b => b.Sha256 == row.ArtifactSha256);
                Assert.Equal(row.ArtifactSize, blob.Size);
            }
        }

        // A process that starts now loads them from the store, and predicts exactly as the trained models did.
        await ReloadAsync(factory);
        Assert.Equal(models.Count, factory.Services.GetRequiredService<TrustPredictor>().Models.All.Count());
        var after = Predictions(factory);
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.All(after, p => Assert.False(p!["approval"]!["coldStart"]!.GetValue<bool>()));
        var approvalVersion = models.Single(m => m.Kind == TrustModelKinds.Approval).Version;
        Assert.Equal(approvalVersion, (await ResolvedApprovalAsync(admin))["modelVersion"]!.GetValue<string>());

        // Long unreferenced by any run, the model blobs stay while their rows exist, and go with them.
        await BackdateBlobsAsync(factory);
        await PruneAsync(factory);
        foreach (var row in models)
        {
            Assert.True(await BlobExistsAsync(factory, bucket, row.ArtifactSha256!), $"pruned while its model row exists: {row.ArtifactSha256}");
        }

        await using (var db = await Db(factory))
        {
            await db.Set<TrustModelEntity>().ExecuteDeleteAsync();
        }

        var report = await PruneAsync(factory);
        Assert.Equal(models.Count, report.Blobs);
        foreach (var row in models)
        {
            Assert.False(await BlobExistsAsync(factory, bucket, row.ArtifactSha256!), $"kept after its model row went: {row.ArtifactSha256}");
        }
    }

    [Theory]
    [InlineData("local", "corrupt")]
    [InlineData("local", "missing")]
    [InlineData("s3", "corrupt")]
    [InlineData("s3", "missing")]
    public async Task TrainedModel_WhenItsBlobIsDamagedOrLost_FallsBackToTheColdStartPriorWithATypedError(string backend, string damage)
    {
        await using var bucket = backend == "s3" ? await S3Bucket.CreateAsync() : null;
        using var factory = new ControlTowerFactory(Settings(bucket));
        using var admin = factory.CreateAdminClient();
        var approval = (await TrainAsync(factory, admin)).Single(m => m.Kind == TrustModelKinds.Approval);
        var before = Predictions(factory);

        await DamageAsync(factory, bucket, approval.ArtifactSha256!, damage);
        await ReloadAsync(factory);

        // The governed path still answers: approval from its prior, the other kinds from their intact models.
        var resolved = await ResolvedApprovalAsync(admin);
        Assert.True(resolved["coldStart"]!.GetValue<bool>(), resolved.ToJsonString());
        Assert.Equal(TrustPredictor.ApprovalPriorVersion, resolved["modelVersion"]!.GetValue<string>());
        var after = Predictions(factory);
        Assert.Equal(before[0]!["success"]!.ToJsonString(), after[0]!["success"]!.ToJsonString());
        Assert.Equal(before[0]!["anomaly"]!.ToJsonString(), after[0]!["anomaly"]!.ToJsonString());

        var listing = (await admin.GetFromJsonAsync<JsonObject>("/api/trust/models"))!["models"]!.AsArray();
        var listed = listing.Single(m => m!["version"]!.GetValue<string>() == approval.Version)!;
        Assert.False(listed["inUse"]!.GetValue<bool>());
        Assert.Equal(damage == "corrupt" ? BlobErrorCodes.Corrupt : BlobErrorCodes.Missing, listed["loadError"]!["code"]!.GetValue<string>());
        Assert.Equal(approval.ArtifactSha256, listed["artifact"]!["sha256"]!.GetValue<string>());

        // A retrain stores the model again (a blob the store lost is written again) and it loads.
        (await admin.PostAsync("/api/trust/models/retrain", null)).EnsureSuccessStatusCode();
        await ReloadAsync(factory);
        Assert.False((await ResolvedApprovalAsync(admin))["coldStart"]!.GetValue<bool>());
    }

    [Fact]
    public async Task ModelRow_WithInlineBytesFromBeforeTheBlobStore_StillLoads()
    {
        using var factory = new ControlTowerFactory(Settings(null));
        using var admin = factory.CreateAdminClient();
        var models = await TrainAsync(factory, admin);
        var before = Predictions(factory);

        // Put the rows back in their old shape: the bytes inline, no blob.
        var store = factory.Services.GetRequiredService<StoredBlobs>();
        await using (var db = await Db(factory))
        {
            foreach (var row in models)
            {
                BlobKey.TryParse(row.ArtifactSha256, out var key);
                var bytes = await store.ReadVerifiedAsync(key, CancellationToken.None);
                await db.Set<TrustModelEntity>().Where(m => m.Id == row.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.Artifact, bytes).SetProperty(m => m.ArtifactSha256, (string?)null)
                    .SetProperty(m => m.ArtifactSize, (long?)null).SetProperty(m => m.ArtifactMediaType, (string?)null));
            }

            await db.Set<BlobEntity>().ExecuteDeleteAsync();
        }

        Directory.Delete(Path.Combine(factory.DataDirectory, "blobs"), recursive: true);
        await ReloadAsync(factory);

        Assert.Equal(before.ToJsonString(), Predictions(factory).ToJsonString());
        var listing = (await admin.GetFromJsonAsync<JsonObject>("/api/trust/models"))!["models"]!.AsArray();
        Assert.All(listing, m => Assert.True(m!["artifact"]!["inline"]!.GetValue<bool>()));
    }

    internal static Dictionary<string, string?> Settings(S3Bucket? bucket)
    {
        var settings = bucket?.Settings ?? [];
        foreach (var (key, value) in TrustModelApiTests.SmallTraining)
        {
            settings[key] = value;
        }

        settings["RETENTION_PRUNE"] = "false";
        return settings;
    }

    private static async Task<List<TrustModelEntity>> TrainAsync(ControlTowerFactory factory, HttpClient admin)
    {
        await TrustModelApiTests.PostHistoryAsync(admin, 90);
        var retrain = (await (await admin.PostAsync("/api/trust/models/retrain", null)).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(retrain["trained"]!.GetValue<bool>(), retrain.ToJsonString());
        await using var db = await Db(factory);
        var rows = await db.Set<TrustModelEntity>().AsNoTracking().ToListAsync();
        Assert.True(rows.Count >= 2, $"{rows.Count} model(s) trained");
        Assert.Contains(rows, r => r.Kind == TrustModelKinds.Approval);
        return rows;
    }

    /// <summary>
    /// What the process's predictor says, at full precision, about a small and a large fill at a fixed time with a fixed
    /// history (resolve-mode reads the clock, and the hours since the last failure are a feature).
    /// </summary>
    private static JsonArray Predictions(ControlTowerFactory factory)
    {
        var predictor = factory.Services.GetRequiredService<TrustPredictor>();
        var scope = new TrustScope("t1", "s1", "refill", "pharmacy.dispense", "pharmacist");
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        return new JsonArray([.. new[] { 20, 115 }.Select(quantity => JsonSerializer.SerializeToNode(predictor.Predict(
            new TrustProposal(scope, new JsonObject { ["quantity"] = quantity, ["controlled"] = false }, at, new ScopeHistory(90, 0.6, 0, 5))), Web))]);
    }

    /// <summary>What the governed path (resolve-mode) scores a small fill with: the approval prediction.</summary>
    private static async Task<JsonNode> ResolvedApprovalAsync(HttpClient admin)
    {
        using var response = await admin.PostAsJsonAsync("/api/trust/resolve-mode", new { scope = Scope, context = new { quantity = 20, controlled = false } });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["predictions"]!["approval"]!.DeepClone();
    }

    /// <summary>As a process starting: nothing in memory, the active models loaded from their rows.</summary>
    private static async Task ReloadAsync(ControlTowerFactory factory)
    {
        factory.Services.GetRequiredService<TrustPredictor>().Use(TrustModelSet.Empty);
        await factory.Services.GetRequiredService<TrustModelService>().LoadActiveAsync(CancellationToken.None);
    }

    private static async Task DamageAsync(ControlTowerFactory factory, S3Bucket? bucket, string sha256, string damage)
    {
        var relative = $"{sha256[..2]}/{sha256[2..4]}/{sha256}";
        if (bucket is null)
        {
            var path = Path.Combine(factory.DataDirectory, "blobs", relative);
            if (damage == "corrupt")
            {
                await File.WriteAllTextAsync(path, """{"format":"controltower.trust-model/1","tampered":true}""");
            }
            else
            {
                File.Delete(path);
            }

            return;
        }

        if (damage == "corrupt")
        {
            await bucket.Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket.Name, Key = $"blobs/{relative}", ContentBody = "tampered", UseChunkEncoding = false });
        }
        else
        {
            await bucket.Client.DeleteObjectAsync(bucket.Name, $"blobs/{relative}");
        }
    }

    internal static async Task<bool> BlobExistsAsync(ControlTowerFactory factory, S3Bucket? bucket, string sha256)
    {
        var relative = $"{sha256[..2]}/{sha256[2..4]}/{sha256}";
        return bucket is null
            ? File.Exists(Path.Combine(factory.DataDirectory, "blobs", relative))
            : (await bucket.KeysAsync()).Contains($"blobs/{relative}");
    }

    /// <summary>Every blob last referenced a day ago, well past the pruner's grace.</summary>
    internal static async Task BackdateBlobsAsync(ControlTowerFactory factory)
    {
        await using var db = await Db(factory);
        var dayAgo = DateTime.UtcNow.AddDays(-1);
        await db.Set<BlobEntity>().ExecuteUpdateAsync(s => s.SetProperty(b => b.LastReferencedAt, dayAgo));
    }

    internal static async Task<PruneReport> PruneAsync(ControlTowerFactory factory) =>
        (await factory.Services.GetRequiredService<RunPruner>().PruneAsync(dryRun: false, TimeSpan.Zero, CancellationToken.None))!;

    private static Task<ControlTowerDbContext> Db(ControlTowerFactory factory) =>
        factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>().CreateDbContextAsync();
}
