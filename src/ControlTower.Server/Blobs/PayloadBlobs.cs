using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Blobs;

/// <summary>
/// Large run payloads by reference. A run input or node output larger than <c>BLOB_THRESHOLD_BYTES</c> is written to the
/// blob store under its content hash, recorded as referenced by its run (<c>run_blobs</c>), and replaced in every row
/// (run, checkpoint, event, node record) by a <see cref="BlobReference"/>. A node's activation gets the payloads back
/// before its executor runs, so expressions (<c>input.x</c>, <c>nodes.n.output.x</c>) read them as if they were inline.
/// </summary>
internal sealed partial class PayloadBlobs(
    IBlobStore store,
    StoredBlobs blobs,
    IDbContextFactory<ControlTowerDbContext> contexts,
    IOptions<BlobOptions> options,
    TimeProvider time,
    ILogger<PayloadBlobs> logger)
{
    public IBlobStore Store => store;

    /// <summary>
    /// The value itself when it is small, else the reference to it, stored first. A child run starts inside its parent's
    /// transaction: its reference is then written through that <paramref name="unitOfWork"/> (a second writer would wait on it).
    /// </summary>
    public async Task<JsonNode?> OffloadAsync(Guid runId, JsonNode? value, ControlTowerDbContext? unitOfWork, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            return null;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(value);
        return bytes.Length <= options.Value.ThresholdBytes ? value : (await StoreAsync(runId, bytes, unitOfWork, cancellationToken)).ToJson();
    }

    /// <summary>A completed node's output by reference when its stored form passes the threshold.</summary>
    public async Task<NodeResult> OffloadAsync(Guid runId, NodeResult result, CancellationToken cancellationToken)
    {
        if (result is not NodeResult.Completed { Stored: { } stored } completed)
        {
            return result;
        }

        // The stored form is the element's own text (what the rows hold): measured in place, copied only when it goes to the store.
        if (JsonMarshal.GetRawUtf8Value(stored).Length <= options.Value.ThresholdBytes)
        {
            return result;
        }

        var reference = await StoreAsync(runId, JsonSerializer.SerializeToUtf8Bytes(stored), null, cancellationToken);
        return completed with { Output = reference.ToJson(), Stored = reference.ToElement() };
    }

    /// <summary>
    /// Records that <paramref name="runId"/> refers to the blob <paramref name="value"/> names, when it is a reference another
    /// run stored (a child's output its parent takes, a recorded output a replay is fed), so the blob stays while either run does.
    /// </summary>
    public async Task ShareAsync(Guid runId, JsonNode? value, CancellationToken cancellationToken)
    {
        if (BlobReference.From(value) is not { } reference)
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await ReferenceAsync(db, runId, reference.Key, reference.Size, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The activation with its run input and upstream outputs loaded, when any of them is a reference (a fresh tree then;
    /// the given one is left as it is, since it is also what the node's record keeps).
    /// </summary>
    public async Task<JsonObject> HydrateActivationAsync(JsonObject activation, CancellationToken cancellationToken)
    {
        var slots = ReferenceSlots(activation).ToList();
        if (slots.Count == 0)
        {
            return activation;
        }

        var hydrated = (JsonObject)activation.DeepClone();
        foreach (var (path, reference) in slots)
        {
            var target = path.Length == 1 ? hydrated : hydrated["nodes"]![path[1]]!.AsObject();
            target[path.Length == 1 ? "input" : "output"] = await LoadAsync(reference, cancellationToken);
        }

        return hydrated;
    }

    /// <summary>
    /// Whether the activation's input or an upstream output may be a reference, read on its elements: unlike the check on the
    /// activation's JSON tree, this turns no upstream output into nodes.
    /// </summary>
    public static bool MayHoldReferences(NodeActivation activation) =>
        MayBeReference(activation.Input) || activation.Upstream.Any(u => MayBeReference(u.Output));

    private static bool MayBeReference(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Object } element && element.TryGetProperty(BlobReference.Marker, out _);

    /// <summary>The value, or the JSON it stands for when it is a reference (a whole run output handed to a caller).</summary>
    public async Task<JsonNode?> ResolveAsync(JsonNode? value, CancellationToken cancellationToken) =>
        BlobReference.From(value) is { } reference ? await LoadAsync(reference, cancellationToken) : value;

    /// <summary>The JSON a reference stands for; <c>blob.missing</c> when the store lost it.</summary>
    public async Task<JsonNode?> LoadAsync(BlobReference reference, CancellationToken cancellationToken)
    {
        var bytes = await ReadVerifiedAsync(reference.Key, cancellationToken);
        return JsonNode.Parse(bytes);
    }

    /// <summary>The bytes of a blob the run refers to; <c>blob.not_found</c> when it refers to no such blob.</summary>
    public async Task<(byte[] Content, string MediaType)> ReadForRunAsync(Guid runId, string sha256, CancellationToken cancellationToken)
    {
        if (!BlobKey.TryParse(sha256, out var key))
        {
            throw NotFound(runId, sha256);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var mediaType = await db.Set<RunBlobEntity>().Where(r => r.RunId == runId && r.Sha256 == key.Hex)
            .Join(db.Set<BlobEntity>(), r => r.Sha256, b => b.Sha256, (_, b) => b.MediaType)
            .SingleOrDefaultAsync(cancellationToken) ?? throw NotFound(runId, sha256);
        return (await ReadVerifiedAsync(key, cancellationToken), mediaType);
    }

    private Task<byte[]> ReadVerifiedAsync(BlobKey key, CancellationToken cancellationToken) => blobs.ReadVerifiedAsync(key, cancellationToken);

    /// <summary>Records the reference first (so a concurrent prune sees it), then writes the bytes.</summary>
    private async Task<BlobReference> StoreAsync(Guid runId, byte[] bytes, ControlTowerDbContext? unitOfWork, CancellationToken cancellationToken)
    {
        var key = BlobKey.Of(bytes);
        if (unitOfWork is not null)
        {
            await ReferenceAsync(unitOfWork, runId, key, bytes.LongLength, cancellationToken);
        }
        else
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await ReferenceAsync(db, runId, key, bytes.LongLength, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await blobs.WriteAsync(key, bytes, BlobReference.Json, cancellationToken);
        Log.Stored(logger, runId, key.Hex, bytes.Length, store.Name);
        return new BlobReference(key, bytes.LongLength, BlobReference.Json);
    }

    private async Task ReferenceAsync(ControlTowerDbContext db, Guid runId, BlobKey key, long size, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await StoredBlobs.RecordAsync(db, key, size, BlobReference.Json, now, cancellationToken);
        if (db.IsMySql)
        {
            await db.Database.ExecuteSqlAsync($"""INSERT IGNORE INTO run_blobs (`RunId`, `Sha256`) VALUES ({runId}, {key.Hex})""", cancellationToken);
            return;
        }

        await db.Database.ExecuteSqlAsync($"""INSERT INTO run_blobs ("RunId", "Sha256") VALUES ({runId}, {key.Hex}) ON CONFLICT DO NOTHING""", cancellationToken);
    }

    /// <summary>Where an activation holds references: <c>["input"]</c> or <c>["nodes", id]</c>.</summary>
    private static IEnumerable<(string[] Path, BlobReference Reference)> ReferenceSlots(JsonObject activation)
    {
        if (BlobReference.From(activation["input"]) is { } input)
        {
            yield return (["input"], input);
        }

        if (activation["nodes"] is not JsonObject nodes)
        {
            yield break;
        }

        foreach (var (nodeId, node) in nodes)
        {
            if (BlobReference.From(node?["output"]) is { } output)
            {
                yield return (["nodes", nodeId], output);
            }
        }
    }

    private static ControlTowerException NotFound(Guid runId, string sha256) =>
        new(ErrorKind.NotFound, BlobErrorCodes.NotFound, $"Run {runId} refers to no blob '{sha256}'.");
}
