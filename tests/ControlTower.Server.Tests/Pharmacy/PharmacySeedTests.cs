using System.Text.Json.Nodes;
using ControlTower.Server.Mcp;
using ControlTower.Server.Pharmacy;
using ControlTower.Server.Tests.Mcp;

namespace ControlTower.Server.Tests.Pharmacy;

/// <summary>Seeding determinism: the same seed writes the same back office (through the real binary's <c>--seed</c>), another seed other generated cases.</summary>
public sealed class PharmacySeedTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ct-pharmacy-seed-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string File(string name) => Path.Combine(_folder.FullName, name);

    [Fact]
    public async Task Seed_WhenTheSameSeedIsGivenTwice_WritesTheSameDataAndAnotherSeedOtherGeneratedCases()
    {
        await using (var harness = new McpHarness())
        {
            harness.Add(PharmacyBackOfficeServerTests.Seeded(File("a.json"), "a", 7));
            harness.Add(PharmacyBackOfficeServerTests.Seeded(File("b.json"), "b", 7));
            harness.Add(PharmacyBackOfficeServerTests.Seeded(File("c.json"), "c", 8));
            foreach (var server in new[] { "a", "b", "c" })
            {
                var answer = await harness.Invoker.CallAsync(server, "get_prescription", new JsonObject { ["rx"] = "RX-2001" }, new McpCallContext(), CancellationToken.None);
                Assert.False(answer.IsError, answer.ErrorMessage);
            }
        }

        var (a, b, c) = (State("a.json"), State("b.json"), State("c.json"));
        Assert.True(JsonNode.DeepEquals(a, b));
        Assert.False(JsonNode.DeepEquals(a["back_office"]!["prescriptions"], c["back_office"]!["prescriptions"]));
        Assert.True(JsonNode.DeepEquals(a["back_office"]!["prescriptions"]!["RX-1001"], c["back_office"]!["prescriptions"]!["RX-1001"]));
        Assert.Equal(PharmacySeed.NamedPrescriptions.Count + PharmacySeed.GeneratedPrescriptions, a["back_office"]!["prescriptions"]!.AsObject().Count);
        Assert.Equal(7, a["back_office"]!["seed"]!.GetValue<int>());
    }

    [Fact]
    public async Task Seed_WhenTheFileExists_NeverOverwritesIt()
    {
        await new PharmacyInventory(File("kept.json"), TimeProvider.System).SeedAsync(PharmacyDemo.Stock, CancellationToken.None);
        await using var harness = new McpHarness();
        harness.Add(PharmacyBackOfficeServerTests.Seeded(File("kept.json"), PharmacyMcpCommand.ServerId, 7));

        var answer = await harness.Invoker.CallAsync(PharmacyMcpCommand.ServerId, "get_prescription", new JsonObject { ["rx"] = "RX-1001" }, new McpCallContext(), CancellationToken.None);

        Assert.True(answer.IsError);
        Assert.StartsWith(PharmacyErrorCodes.BackOfficeMissing, answer.ErrorMessage, StringComparison.Ordinal);
        Assert.Null(State("kept.json")["back_office"]);
    }

    [Fact]
    public async Task ResetAsync_WhenTheStateHasChanged_RestoresTheSeedsFirstStartState()
    {
        var inventory = new PharmacyInventory(File("reset.json"), TimeProvider.System);
        var (stock, backOffice) = PharmacySeed.Create(5);
        await inventory.SeedAsync(stock, backOffice, CancellationToken.None);
        var seeded = State("reset.json");
        await inventory.DispenseAsync("RX-1001", "Atorvastatin 20 mg", 30, "k-1", CancellationToken.None);
        await inventory.RequestPrescriberAsync("RX-1002", "renew", "k-2", CancellationToken.None);

        await inventory.ResetAsync(5, CancellationToken.None);

        Assert.True(JsonNode.DeepEquals(seeded, State("reset.json")));
    }

    private JsonNode State(string name) => JsonNode.Parse(System.IO.File.ReadAllText(File(name)))!;
}
