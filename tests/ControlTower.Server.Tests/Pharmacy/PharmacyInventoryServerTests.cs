using System.Text.Json.Nodes;
using ControlTower.Server.Mcp;
using ControlTower.Server.Pharmacy;
using ControlTower.Server.Tests.Mcp;

namespace ControlTower.Server.Tests.Pharmacy;

/// <summary>
/// The pharmacy inventory MCP server as the federation sees it: the real <c>controltower pharmacy-mcp</c> process
/// over stdio, started the way the demo registers it, called through the federation's tool invoker.
/// </summary>
public sealed class PharmacyInventoryServerTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ct-pharmacy-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string InventoryFile => Path.Combine(_folder.FullName, "inventory.json");

    private async Task<McpHarness> StartAsync(params string[] serverIds)
    {
        await new PharmacyInventory(InventoryFile, TimeProvider.System).SeedAsync(PharmacyDemo.Stock, CancellationToken.None);
        var harness = new McpHarness();
        foreach (var id in serverIds.DefaultIfEmpty(PharmacyMcpCommand.ServerId))
        {
            harness.Add(PharmacyMcpCommand.Launch(InventoryFile, id, id));
        }

        return harness;
    }

    private static Task<McpToolResult> CallAsync(McpHarness harness, string tool, JsonObject arguments, string? key = null, string server = PharmacyMcpCommand.ServerId) =>
        harness.Invoker.CallAsync(server, tool, arguments, new McpCallContext { IdempotencyKey = key }, CancellationToken.None);

    private static async Task<int> OnHandAsync(McpHarness harness, string drug, string server = PharmacyMcpCommand.ServerId)
    {
        var stock = await CallAsync(harness, "get_stock", new JsonObject { ["drug"] = drug }, server: server);
        Assert.False(stock.IsError, stock.ErrorMessage);
        return stock.Output["structuredContent"]!["on_hand"]!.GetValue<int>();
    }

    private static JsonObject Dispense(string rx, string drug, int quantity) => new() { ["rx"] = rx, ["drug"] = drug, ["quantity"] = quantity };

    [Fact]
    public async Task Dispense_WhenStockSuffices_DecrementsOnHandAndAnswersTheNewCount()
    {
        await using var harness = await StartAsync();

        var result = await CallAsync(harness, "dispense", Dispense("RX-1", "Atorvastatin 20 mg", 30), "run-1:dispense:1");

        Assert.False(result.IsError, result.ErrorMessage);
        var answer = result.Output["structuredContent"]!;
        Assert.Equal(30, answer["dispensed"]!.GetValue<int>());
        Assert.Equal(470, answer["on_hand"]!.GetValue<int>());
        Assert.False(answer["replayed"]!.GetValue<bool>());
        Assert.Equal(470, await OnHandAsync(harness, "atorvastatin 20 MG"));
    }

    [Fact]
    public async Task Dispense_WhenStockIsShort_IsErrorWithItsCodeAndStockIsUnchanged()
    {
        await using var harness = await StartAsync();

        var result = await CallAsync(harness, "dispense", Dispense("RX-4", "Amoxicillin 500 mg", 21), "run-4:dispense:1");

        Assert.True(result.IsError);
        Assert.StartsWith(PharmacyErrorCodes.InsufficientStock, result.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Only 12 capsules", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(12, await OnHandAsync(harness, "Amoxicillin 500 mg"));
    }

    [Fact]
    public async Task Dispense_WhenTheIdempotencyKeyRepeats_DecrementsOnceAndReplaysTheFirstAnswer()
    {
        await using var harness = await StartAsync();
        var arguments = Dispense("RX-3", "Oxycodone 5 mg", 20);

        var first = await CallAsync(harness, "dispense", arguments, "run-3:dispense:1");
        var retried = await CallAsync(harness, "dispense", arguments, "run-3:dispense:1");
        var reused = await CallAsync(harness, "dispense", Dispense("RX-3", "Oxycodone 5 mg", 40), "run-3:dispense:1");
        var unkeyed = await CallAsync(harness, "dispense", Dispense("RX-9", "Oxycodone 5 mg", 5));

        Assert.Equal(40, first.Output["structuredContent"]!["on_hand"]!.GetValue<int>());
        Assert.True(retried.Output["structuredContent"]!["replayed"]!.GetValue<bool>());
        Assert.Equal(40, retried.Output["structuredContent"]!["on_hand"]!.GetValue<int>());
        Assert.True(reused.IsError);
        Assert.StartsWith(PharmacyErrorCodes.IdempotencyKeyReused, reused.ErrorMessage, StringComparison.Ordinal);
        Assert.False(unkeyed.IsError, unkeyed.ErrorMessage);
        Assert.Equal(35, await OnHandAsync(harness, "Oxycodone 5 mg"));
    }

    [Fact]
    public async Task Restock_WhenItCompensatesADispense_RestoresTheStockOnceUnderItsKey()
    {
        await using var harness = await StartAsync();
        await CallAsync(harness, "dispense", Dispense("RX-2", "Lisinopril 10 mg", 90), "run-2:dispense:1");
        var restock = new JsonObject { ["drug"] = "Lisinopril 10 mg", ["quantity"] = 90, ["reason"] = "dispense of RX-2 rolled back" };

        var first = await CallAsync(harness, "restock", restock, "rollback:exec-2");
        var again = await CallAsync(harness, "restock", restock, "rollback:exec-2");

        Assert.False(first.IsError, first.ErrorMessage);
        Assert.Equal(360, first.Output["structuredContent"]!["on_hand"]!.GetValue<int>());
        Assert.True(again.Output["structuredContent"]!["replayed"]!.GetValue<bool>());
        Assert.Equal(360, await OnHandAsync(harness, "Lisinopril 10 mg"));
    }

    [Fact]
    public async Task Catalog_WhenListed_AdvertisesStrictSchemasThatTheFederationEnforcesBeforeSending()
    {
        await using var harness = await StartAsync();
        await OnHandAsync(harness, "Metformin 500 mg");

        var tools = harness.Catalog.Get(PharmacyMcpCommand.ServerId)!.Tools.ToDictionary(t => t.Name);
        var unknownDrug = await CallAsync(harness, "get_stock", new JsonObject { ["drug"] = "Unobtainium 1 mg" });
        var wrongType = await Assert.ThrowsAsync<Core.Errors.ControlTowerException>(() =>
            CallAsync(harness, "dispense", new JsonObject { ["rx"] = "RX-5", ["drug"] = "Metformin 500 mg", ["quantity"] = "ten" }));

        Assert.Equal(["adjudicate_claim", "check_interactions", "check_refill_eligibility", "dispense", "get_patient", "get_prescriber_response", "get_prescription", "get_stock",
            "list_stock", "preverify", "request_prescriber_approval", "restock"], tools.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["rx", "drug", "quantity"], tools["dispense"].InputSchema["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal("integer", tools["dispense"].InputSchema["properties"]!["quantity"]!["type"]!.GetValue<string>());
        Assert.False(tools["restock"].InputSchema["additionalProperties"]!.GetValue<bool>());
        Assert.True(tools["get_stock"].IsIdempotent);
        Assert.False(tools["dispense"].IsIdempotent);
        Assert.True(unknownDrug.IsError);
        Assert.StartsWith(PharmacyErrorCodes.UnknownDrug, unknownDrug.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(McpErrorCodes.ArgumentsInvalid, wrongType.Code);
        Assert.Equal(1000, await OnHandAsync(harness, "Metformin 500 mg"));
    }

    [Fact]
    public async Task Dispense_WhenTwoServerProcessesChangeOneFileAtOnce_LosesNoUpdate()
    {
        await using var harness = await StartAsync("pharmacy-a", "pharmacy-b");

        var calls = Enumerable.Range(0, 40).Select(i => CallAsync(harness, "dispense", Dispense($"RX-{i}", "Metformin 500 mg", 5), $"run-{i}:dispense:1", i % 2 == 0 ? "pharmacy-a" : "pharmacy-b"));
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.False(r.IsError, r.ErrorMessage));
        Assert.Equal(800, await OnHandAsync(harness, "Metformin 500 mg", "pharmacy-b"));
        var onHands = results.Select(r => r.Output["structuredContent"]!["on_hand"]!.GetValue<int>()).Order();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => 800 + (5 * i)), onHands);
    }
}
