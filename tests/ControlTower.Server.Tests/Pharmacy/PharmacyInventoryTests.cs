using ControlTower.Core.Errors;
using ControlTower.Server.Pharmacy;

namespace ControlTower.Server.Tests.Pharmacy;

/// <summary>The inventory file itself: seeding once, refusing a damaged file, and many writers on one file.</summary>
public sealed class PharmacyInventoryTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ct-inventory-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string FilePath => Path.Combine(_folder.FullName, "stock", "inventory.json");

    private PharmacyInventory Inventory() => new(FilePath, TimeProvider.System);

    [Fact]
    public async Task SeedAsync_WhenTheFileExists_LeavesItAsItIs()
    {
        Assert.True(await Inventory().SeedAsync(PharmacyDemo.Stock, CancellationToken.None));
        await Inventory().DispenseAsync("RX-1", "Metformin 500 mg", 100, null, CancellationToken.None);

        var seededAgain = await Inventory().SeedAsync(PharmacyDemo.Stock, CancellationToken.None);

        Assert.False(seededAgain);
        Assert.Equal(900, (await Inventory().GetAsync("Metformin 500 mg", CancellationToken.None)).OnHand);
        Assert.Equal(["inventory.json", "inventory.json.lock"], Directory.GetFiles(Path.GetDirectoryName(FilePath)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DispenseAsync_WhenTheFileIsDamaged_FailsWithItsCodeAndWritesNothing()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        await File.WriteAllTextAsync(FilePath, "{ \"items\": { \"Metformin 500 mg\": ");

        var error = await Assert.ThrowsAsync<ControlTowerException>(() => Inventory().DispenseAsync("RX-1", "Metformin 500 mg", 1, "k", CancellationToken.None));

        Assert.Equal(PharmacyErrorCodes.InventoryCorrupt, error.Code);
        Assert.Equal("{ \"items\": { \"Metformin 500 mg\": ", await File.ReadAllTextAsync(FilePath));
    }

    [Fact]
    public async Task ChangesAsync_WhenManyInstancesWriteAtOnce_EveryChangeLandsExactlyOnce()
    {
        await Inventory().SeedAsync(PharmacyDemo.Stock, CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => i % 5 == 0
            ? Inventory().RestockAsync("Lisinopril 10 mg", 10, "delivery", $"restock-{i}", CancellationToken.None)
            : Inventory().DispenseAsync($"RX-{i}", "Lisinopril 10 mg", 2, $"dispense-{i}", CancellationToken.None))));

        Assert.Equal(360 + (10 * 10) - (40 * 2), (await Inventory().GetAsync("Lisinopril 10 mg", CancellationToken.None)).OnHand);
    }
}
