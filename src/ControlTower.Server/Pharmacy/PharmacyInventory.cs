using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;

namespace ControlTower.Server.Pharmacy;

/// <summary>One drug on the shelf. <see cref="ReorderLevel"/> is when the pharmacy orders more.</summary>
internal sealed record StockItem(string Drug, int OnHand, string Unit, bool Controlled, int ReorderLevel)
{
    public JsonObject ToJson() => new()
    {
        ["drug"] = Drug,
        ["on_hand"] = OnHand,
        ["unit"] = Unit,
        ["controlled"] = Controlled,
        ["reorder_level"] = ReorderLevel,
        ["below_reorder_level"] = OnHand < ReorderLevel,
    };
}

/// <summary>A change made under an idempotency key: what was asked and what it answered, so a retry gets the same answer.</summary>
internal sealed record RecordedOperation(string Tool, JsonObject Arguments, JsonObject Result, DateTimeOffset At);

/// <summary>
/// The state file: stock by drug name, the recorded operations by idempotency key, and the back office
/// (<see cref="BackOffice"/>; null in a stock-only file, as written before the back office existed).
/// </summary>
internal sealed record InventoryDocument(IReadOnlyDictionary<string, StockItem> Items, IReadOnlyDictionary<string, RecordedOperation> Operations, BackOffice? BackOffice = null)
{
    public static InventoryDocument Empty { get; } = new(new Dictionary<string, StockItem>(), new Dictionary<string, RecordedOperation>());
}

/// <summary>The state file as the reading tools see it: stock and back office, without the recorded operations.</summary>
internal sealed record InventoryView(IReadOnlyDictionary<string, StockItem> Items, BackOffice? BackOffice = null)
{
    public static InventoryView Empty { get; } = new(new Dictionary<string, StockItem>());
}

/// <summary>
/// The demo pharmacy's stock, kept in one JSON file so that several processes (every connection the federation
/// opens starts its own server process) share it. Changes take an exclusive lock on <c>&lt;file&gt;.lock</c>
/// (an OS file lock, released when the holder exits, even by a crash), read the file, and write the whole new
/// state to a temporary file that is renamed over the old one: readers see the old state or the new one, never
/// half of it. A change made under an idempotency key is recorded with its answer; the same key again returns
/// that answer without changing stock (the newest <see cref="MaxRecordedOperations"/> keys are kept).
/// </summary>
internal sealed partial class PharmacyInventory(string path, TimeProvider time)
{
    public const int MaxRecordedOperations = 10_000;

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(10);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public string FilePath { get; } = Path.GetFullPath(path);

    /// <summary>Writes <paramref name="items"/> as the stock when the file does not exist yet; false when it did.</summary>
    public Task<bool> SeedAsync(IEnumerable<StockItem> items, CancellationToken cancellationToken) => SeedAsync(items, null, cancellationToken);

    /// <summary>Writes the stock and back office when the file does not exist yet; false when it did.</summary>
    public async Task<bool> SeedAsync(IEnumerable<StockItem> items, BackOffice? backOffice, CancellationToken cancellationToken)
    {
        await using var held = await LockAsync(cancellationToken);
        if (File.Exists(FilePath))
        {
            return false;
        }

        await SaveAsync(Fresh(items, backOffice), cancellationToken);
        return true;
    }

    /// <summary>
    /// Replaces the whole state (stock, back office, recorded operations) with the seed's first-start state, under the
    /// lock: a demo reset. Server processes reading the file see the old state or the new one.
    /// </summary>
    public async Task ResetAsync(int seed, CancellationToken cancellationToken)
    {
        var (stock, backOffice) = PharmacySeed.Create(seed);
        await using var held = await LockAsync(cancellationToken);
        await SaveAsync(Fresh(stock, backOffice), cancellationToken);
    }

    private static InventoryDocument Fresh(IEnumerable<StockItem> items, BackOffice? backOffice) =>
        new(items.ToDictionary(i => i.Drug, StringComparer.Ordinal), new Dictionary<string, RecordedOperation>(), backOffice);

    public async Task<IReadOnlyList<StockItem>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await ViewAsync(cancellationToken)).Items.Values.OrderBy(i => i.Drug, StringComparer.OrdinalIgnoreCase)];

    public async Task<StockItem> GetAsync(string drug, CancellationToken cancellationToken) =>
        Find((await ViewAsync(cancellationToken)).Items, drug);

    /// <summary>Takes <paramref name="quantity"/> off the shelf for prescription <paramref name="rx"/>; short stock changes nothing.</summary>
    public Task<JsonObject> DispenseAsync(string rx, string drug, int quantity, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var arguments = new JsonObject { ["rx"] = rx, ["drug"] = drug, ["quantity"] = quantity };
        return ChangeAsync("dispense", arguments, idempotencyKey, document =>
        {
            var stock = new Dictionary<string, StockItem>(document.Items, StringComparer.Ordinal);
            var item = Find(stock, drug);
            if (item.OnHand < quantity)
            {
                throw new ControlTowerException(ErrorKind.Conflict, PharmacyErrorCodes.InsufficientStock,
                    $"Only {item.OnHand} {item.Unit} of {item.Drug} on hand; {rx} needs {quantity}.");
            }

            var after = item with { OnHand = item.OnHand - quantity };
            stock[item.Drug] = after;
            var result = new JsonObject { ["rx"] = rx, ["drug"] = item.Drug, ["dispensed"] = quantity, ["on_hand"] = after.OnHand, ["unit"] = item.Unit };
            return (document with { Items = stock, BackOffice = WithFill(document.BackOffice, new Fill(rx, item.Drug, quantity, document.BackOffice?.Today ?? "")) }, result);
        }, cancellationToken);
    }

    /// <summary>Puts <paramref name="quantity"/> back on the shelf (a delivery, or the undo of a dispense).</summary>
    public Task<JsonObject> RestockAsync(string drug, int quantity, string reason, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var arguments = new JsonObject { ["drug"] = drug, ["quantity"] = quantity, ["reason"] = reason };
        return ChangeAsync("restock", arguments, idempotencyKey, document =>
        {
            var stock = new Dictionary<string, StockItem>(document.Items, StringComparer.Ordinal);
            var item = Find(stock, drug);
            var after = item with { OnHand = checked(item.OnHand + quantity) };
            stock[item.Drug] = after;
            return (document with { Items = stock }, new JsonObject { ["drug"] = item.Drug, ["restocked"] = quantity, ["on_hand"] = after.OnHand, ["unit"] = item.Unit, ["reason"] = reason });
        }, cancellationToken);
    }

    /// <summary>
    /// One change under the lock. With a key already recorded: the recorded answer (<c>replayed: true</c>) when the
    /// tool and arguments are the same, else <c>pharmacy.idempotency_key_reused</c>. A change that throws saves nothing.
    /// </summary>
    private async Task<JsonObject> ChangeAsync(string tool, JsonObject arguments, string? idempotencyKey,
        Func<InventoryDocument, (InventoryDocument Next, JsonObject Result)> change, CancellationToken cancellationToken)
    {
        await using var held = await LockAsync(cancellationToken);
        var document = await LoadAsync(cancellationToken);
        if (idempotencyKey is not null && document.Operations.TryGetValue(idempotencyKey, out var recorded))
        {
            if (recorded.Tool != tool || !JsonNode.DeepEquals(recorded.Arguments, arguments))
            {
                throw new ControlTowerException(ErrorKind.Conflict, PharmacyErrorCodes.IdempotencyKeyReused,
                    $"Idempotency key '{idempotencyKey}' was used for {recorded.Tool} {recorded.Arguments.ToJsonString()}; it cannot be reused for {tool} {arguments.ToJsonString()}.");
            }

            return WithReplayed(recorded.Result, replayed: true);
        }

        var (next, result) = change(document);
        var operations = new Dictionary<string, RecordedOperation>(document.Operations, StringComparer.Ordinal);
        if (idempotencyKey is not null)
        {
            operations[idempotencyKey] = new RecordedOperation(tool, arguments, result, time.GetUtcNow());
        }

        if (operations.Count > MaxRecordedOperations)
        {
            foreach (var stale in operations.OrderByDescending(o => o.Value.At).Skip(MaxRecordedOperations).Select(o => o.Key).ToList())
            {
                operations.Remove(stale);
            }
        }

        await SaveAsync(next with { Operations = operations }, cancellationToken);
        return WithReplayed(result, replayed: false);
    }

    private static JsonObject WithReplayed(JsonObject result, bool replayed)
    {
        var copy = (JsonObject)result.DeepClone();
        copy["replayed"] = replayed;
        return copy;
    }

    private static StockItem Find(IReadOnlyDictionary<string, StockItem> stock, string drug) =>
        stock.Values.FirstOrDefault(i => string.Equals(i.Drug, drug.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ControlTowerException(ErrorKind.NotFound, PharmacyErrorCodes.UnknownDrug,
            $"'{drug}' is not stocked here. Stocked: {string.Join(", ", stock.Keys.Order(StringComparer.OrdinalIgnoreCase))}.");

    /// <summary>The whole file, recorded operations included: what a change reads under the lock.</summary>
    internal Task<InventoryDocument> LoadAsync(CancellationToken cancellationToken) =>
        ReadAsync(InventoryDocument.Empty, d => d is { Items: not null, Operations: not null }, cancellationToken);

    /// <summary>
    /// What the reading tools need: stock and back office. The recorded operations (most of a busy file) are skipped by
    /// the reader instead of being built, which keeps a read's cost near the size of what it answers from.
    /// </summary>
    private Task<InventoryView> ViewAsync(CancellationToken cancellationToken) =>
        ReadAsync(InventoryView.Empty, v => v is { Items: not null }, cancellationToken);

    /// <summary>Reads the file as it is (renames make every read see one whole version); no file is <paramref name="empty"/>.</summary>
    private async Task<T> ReadAsync<T>(T empty, Func<T?, bool> valid, CancellationToken cancellationToken)
    {
        if (!File.Exists(FilePath))
        {
            return empty;
        }

        try
        {
            await using var stream = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var document = await JsonSerializer.DeserializeAsync<T>(stream, Json, cancellationToken);
            return valid(document) ? document! : throw Corrupt(null);
        }
        catch (JsonException ex)
        {
            throw Corrupt(ex);
        }
    }

    private async Task SaveAsync(InventoryDocument document, CancellationToken cancellationToken)
    {
        var temporary = $"{FilePath}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await JsonSerializer.SerializeAsync(stream, document, Json, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, FilePath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// The exclusive lock: opening the lock file with <see cref="FileShare.None"/> takes an OS lock (flock on Unix)
    /// that any other opener, in this process or another, waits for.
    /// </summary>
    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream($"{FilePath}.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException busy)
            {
                if (time.GetElapsedTime(started) > LockTimeout)
                {
                    throw new ControlTowerException(ErrorKind.Unavailable, PharmacyErrorCodes.InventoryBusy,
                        $"The inventory {FilePath} stayed locked for {LockTimeout.TotalSeconds:0} s.", busy);
                }
            }

            await Task.Delay(LockRetry, time, cancellationToken);
        }
    }

    private ControlTowerException Corrupt(Exception? inner) =>
        new(ErrorKind.Internal, PharmacyErrorCodes.InventoryCorrupt, $"The inventory file {FilePath} is not a valid inventory.", inner);
}
